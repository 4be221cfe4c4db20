"""A sheet printed across pages, its strips joined back side by side.

A spreadsheet prints a sheet wider than the paper in strips: the left-hand columns on one page,
the right-hand columns on a later one (after the left strip's next pages where the sheet is
also taller than the page: down, then over), the same rows at the same heights, and text that
runs over the cut drawn on both pages, beyond the paper's edge on one of them. Page by page,
each part is a side of an earlier part (side_hosts.py says which; side_repeats.py which of
its columns repeat the title columns) and put beside it
(side_join.py), or cut first into the strips of several tables (side_splits.py), or open to
later sides. A part under a side goes on in the side's columns; a page that opens with the
table ending the previous page goes on down its strip. Text drawn past the cut repeats the
other page's cells and is not read twice; what a strip alone shows over its rows (the sheet's
title, centred on a later strip) goes over the joined table. A strip left unjoined makes every
cell of the document uncertain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from extractors.model import TextLine
from extractors.pdf.cuts import MARGIN
from extractors.pdf.side_hosts import Host, Known, host_of, row_lines, shared, shown_on
from extractors.pdf.side_join import UNSURE, Strip, once, place_strip, side_by_side
from extractors.pdf.side_repeats import ROW_TOLERANCE, repeated_columns_end
from extractors.pdf.side_splits import split_at_tables
from extractors.pdf.side_titles import without_title_rows
from extractors.tables import EDGE_TOLERANCE, TablePart, continues

Item = TablePart | TextLine


def stitch_side_pages(items: list[Item]) -> list[Item]:
    """The items with each side part joined to the part it continues."""
    pages: dict[int, list[Item]] = {}
    for item in items:
        pages.setdefault(_page(item), []).append(item)
    state = _Stitching(pages, {page: _last_part(listing) for page, listing in pages.items()})
    for page in sorted(pages):
        _stitch_page(state, page)
    out: list[Item] = []
    for page in sorted(pages):
        kept = [item for item in pages[page] if item is not None]
        kept.sort(key=lambda item: state.keys.get(id(item), _top(item)))
        out.extend(kept)
    if state.strips:  # (a sheet printed across pages: its title rows are on every page)
        out = without_title_rows(out)
    if any(isinstance(item, TablePart) and (item.cut_left or item.cut_right) for item in out):
        # a cut left unjoined: the sheet's strips were not all put back together, so no cell
        # of it is placed with certainty (a strip may have joined the wrong rows, or none)
        out = [_unsure(item) for item in out]
    return out


@dataclass
class _Stitching:
    """What joining the pages' sides has found so far."""

    pages: dict[int, list[Item]]
    lasts: dict[int, TablePart | None]  # each page's last part as read
    hosts: list[Host] = field(default_factory=list)
    keys: dict[int, float] = field(default_factory=dict)  # a moved line's place (by id)
    strips: dict[int, int] = field(default_factory=dict)  # a side's page: its host's page
    placed: dict[tuple[int, Host], Strip] = field(default_factory=dict)  # (page, host)
    title_width: float | None = None  # the sheet's title columns, once a strip showed them

    def known(self) -> Known:
        """What the strips joined so far tell the next side's search."""
        sides = Counter(host for _, host in self.placed)
        return Known(self.strips, dict(sides), self.title_width)


def _stitch_page(state: _Stitching, page: int) -> None:
    """Join the page's sides to their hosts (cutting a part holding several tables' strips
    apart first); the page's other parts are open to later sides."""
    listing = state.pages[page]
    side_foot, side_host = None, None  # this page's last side: a part under it goes on with it
    opened: list[int] = []
    first = _first_part(listing)  # as read: the part at the page's head
    index = 0
    while index < len(listing):
        item = listing[index]
        if not isinstance(item, TablePart):
            index += 1
            continue
        under = side_foot is not None and abs(item.bbox[1] - side_foot) <= ROW_TOLERANCE
        under_host = side_host if under else None
        going_on = (
            index == first
            and _goes_on_down(state.lasts.get(page - 1), item)
            and not _repeats_earlier_rows(state, item)
            and not _beside_band_opening(state, page, item)
        )
        if going_on and page - 1 not in state.strips:  # (a strip's page goes on as its host's)
            state.hosts.append((page, index))
            index += 1
            continue
        if index == first and _goes_on_over_strips(state, page, item):
            listing[index] = item = replace(item, follows=state.strips[page - 1])
            state.hosts.append((page, index))
            index += 1
            continue
        host = host_of(item, listing, state.hosts, state.pages, under_host, state.known())
        if host is None:
            pieces = _pieces(item, listing, index, state, under_host)
            if pieces is not None:
                listing[index : index + 1] = pieces
                first = first if first != index else -1
                continue
            state.hosts.append((page, index))
            opened.append(index)
            index += 1
            continue
        _join(state, page, index, host)
        side_foot, side_host = item.bbox[3], host
        index += 1
    _join_strays(state, page, opened)


def _join(state: _Stitching, page: int, index: int, host: Host) -> None:
    """The side at `index` of the page put beside its host, the text it repeats dropped and
    what only its strip shows over it moved over the host."""
    listing = state.pages[page]
    side = listing[index]
    assert isinstance(side, TablePart)
    host_page, host_index = host
    joined = state.pages[host_page][host_index]
    assert isinstance(joined, TablePart)
    strip = state.placed.get((page, host)) or place_strip(joined, side, state.title_width)
    if strip.start > side.bbox[0] + ROW_TOLERANCE:
        state.title_width = strip.start - side.bbox[0]
    state.pages[host_page][host_index] = now = side_by_side(joined, side, strip)
    state.placed[(page, host)] = replace(strip, cut_right=now.cut_right)
    state.strips[page] = host_page
    _drop_repeated_text(state.pages, host_page, joined, page, side)
    listing[index] = None  # type: ignore[call-overload]
    seen = _texts_above(state.pages[host_page], joined)
    for i, line in _lines_above(listing, side):
        assert line.bbox is not None
        if any(
            text == "".join(once(line.text).split()) and abs(top - line.bbox.top) <= ROW_TOLERANCE
            for text, top in seen
        ):
            listing[i] = None  # type: ignore[call-overload]
            continue  # the host's page shows it (a title drawn again by the title column)
        state.pages[host_page].append(line)  # shown on this strip only: the host's title
        # at its own height (its foot: a gap's cell cut from a strip spans the whole gap),
        # the strips' rows, and so the lines over them, lying level
        state.keys[id(line)] = min(line.bbox.bottom, joined.bbox[1] - ROW_TOLERANCE / 2)
        listing[i] = None  # type: ignore[call-overload]


def _join_strays(state: _Stitching, page: int, opened: list[int]) -> None:
    """A part left on a page whose sides all joined one host, every row line of it one of the
    host's (a stretch of the strip the strip's ruling set apart, with no cut cell to show),
    joins that host too."""
    hosts = {host for (on, host) in state.placed if on == page}
    if len(hosts) != 1 or not opened:
        return
    (host,) = hosts
    listing = state.pages[page]
    for index in opened:
        part, other = listing[index], state.pages[host[0]][host[1]]
        if not isinstance(part, TablePart) or not isinstance(other, TablePart):
            continue
        mine, theirs = row_lines(part), row_lines(other)
        if len(mine) >= 2 and shared(mine, theirs) == len(mine) and mine[-1] <= theirs[-1]:
            state.hosts.remove((page, index))
            _join(state, page, index, host)


def _last_part(listing: list[Item]) -> TablePart | None:
    """The part that ends the page, if any: no line under it but past the paper's edge, within
    MARGIN of its foot or in a column of a cell cut open at its foot (a merged cell's text
    drawn past the page break)."""
    parts = [item for item in listing if isinstance(item, TablePart)]
    if not parts:
        return None
    last = parts[-1]
    below = listing[listing.index(last) + 1 :]
    return (
        last
        if all(
            _near_cut(line, last, under=True) or _cut_cell_text(line, last, under=True)
            for line in below
        )
        else None
    )


def _cut_cell_text(item: Item, part: TablePart, under: bool) -> bool:
    """Is the line under (`under`) or over the part the text of one of its cells cut open at
    its foot or head (a cell merged over the page break: its text drawn where the whole
    merged cell centres it, past the page's last or first rule; over it a character a line in
    a narrow column, however far), lying within that cell's column?"""
    if not isinstance(item, TextLine) or item.bbox is None:
        return False
    cut = part.cut_bottom if under else part.cut_top
    return any(
        part.boxes[i][0] - ROW_TOLERANCE <= item.bbox.x0
        and item.bbox.x1 <= part.boxes[i][2] + ROW_TOLERANCE
        and (
            item.bbox.top >= part.boxes[i][3] - ROW_TOLERANCE
            if under
            else item.bbox.bottom <= part.boxes[i][1] + ROW_TOLERANCE
        )
        for i in cut
    )


def _first_part(listing: list[Item]) -> int | None:
    """The index of the part that opens the page, if any: no line over it but past the edge
    or within MARGIN of its head."""
    first = next((i for i, item in enumerate(listing) if isinstance(item, TablePart)), None)
    if first is None:
        return None
    part = listing[first]
    assert isinstance(part, TablePart)
    return (
        first
        if all(
            _near_cut(line, part, under=False) or _cut_cell_text(line, part, under=False)
            for line in listing[:first]
        )
        else None
    )


def _near_cut(item: Item, part: TablePart, under: bool) -> bool:
    if not isinstance(item, TextLine) or item.bbox is None:
        return False
    if item.off_page:
        return True
    gap = item.bbox.top - part.bbox[3] if under else part.bbox[1] - item.bbox.bottom
    return gap <= MARGIN


def _goes_on_down(previous: TablePart | None, part: TablePart) -> bool:
    """Is the part opening its page the table ending the previous page going on down the
    same strip (the same outer edges, no cell open at its left), not a strip of its rows (its
    first column the previous part's title column again, row for row: a strip whose right edge
    falls by chance where the first strip's did)?"""
    return (
        previous is not None
        and not part.cut_left
        and continues(previous, part)
        and repeated_columns_end(previous, part) <= part.bbox[0] + ROW_TOLERANCE
    )


def _repeats_earlier_rows(state: _Stitching, part: TablePart) -> bool:
    """Is the part the rows of an earlier page's open part again, from the same top, its first
    column that part's title column (a sheet's next strip printed after the pages its first
    strip ran down: it only looks like the table going on down the last of them)?"""
    mine = row_lines(part)
    for host_page, index in state.hosts:
        other = state.pages[host_page][index]
        if host_page >= part.page or not isinstance(other, TablePart):
            continue
        theirs = row_lines(other)
        if (
            abs(mine[0] - theirs[0]) <= ROW_TOLERANCE
            and shared(mine, theirs) >= min(len(mine), len(theirs), 3)
            and repeated_columns_end(other, part, state.title_width) > part.bbox[0] + ROW_TOLERANCE
        ):
            return True
    return False


def _beside_band_opening(state: _Stitching, page: int, part: TablePart) -> bool:
    """In a sheet printed over, then down (an earlier host's strips on the pages right after
    it), is the part opening its page the rows of an open part on the page before, from the
    same top (the band's next strip, its cut at a column's rule: not the table going on down,
    which only looks so where the rows are all of one height)?"""
    strips = state.strips
    if not any(strips.get(host + 1) == host for host in set(strips.values())):
        return False
    mine = row_lines(part)
    for host_page, index in state.hosts:
        other = state.pages[host_page][index]
        if host_page != page - 1 or not isinstance(other, TablePart):
            continue
        theirs = row_lines(other)
        if abs(mine[0] - theirs[0]) <= ROW_TOLERANCE and shared(mine, theirs) >= min(
            len(mine), len(theirs), 3
        ):
            return True
    return False


def _goes_on_over_strips(state: _Stitching, page: int, part: TablePart) -> bool:
    """Is the part opening its page the table ending an earlier page going on down, the pages
    between holding only that page's strips (a sheet printed over, then down: the next band's
    left strip after the right-hand strips of the band above)?"""
    host_page = state.strips.get(page - 1)
    if host_page is None or state.strips.get(host_page) is not None:
        return False
    between = range(host_page + 1, page)
    if any(state.strips.get(p) != host_page or _has_parts(state.pages[p]) for p in between):
        return False
    previous = state.lasts.get(host_page)
    return (
        previous is not None
        and not part.cut_left
        and continues(replace(previous, page=page - 1), part)
        and repeated_columns_end(previous, part) <= part.bbox[0] + ROW_TOLERANCE
    )


def _has_parts(listing: list[Item]) -> bool:
    """Does the page still hold a part of its own (not all joined to its host)?"""
    return any(isinstance(item, TablePart) for item in listing if item is not None)


def _pieces(
    part: TablePart, listing: list[Item], index: int, state: _Stitching, under: Host | None
) -> list[Item] | None:
    """The part cut into the strips of an earlier page's tables (side_splits), if every
    piece is then a side of one of them; else None."""
    pages = state.pages
    for page in sorted((p for p in pages if p < part.page), reverse=True):
        tables = sorted(
            (item for item in pages[page] if isinstance(item, TablePart)),
            key=lambda item: item.bbox[1],
        )
        if len(tables) < 2:
            continue
        pieces = split_at_tables(part, tables)
        if pieces == [part]:
            continue
        trial = listing[:index] + pieces + listing[index + 1 :]
        head = next(piece for piece in pieces if isinstance(piece, TablePart))
        if head.bbox[1] > part.bbox[1] + ROW_TOLERANCE:
            head = None  # the part starts in a gap: no piece goes on under a side
        if all(
            host_of(
                piece,
                trial,
                state.hosts,
                pages,
                under if piece is head else None,
                state.known(),
            )
            is not None
            for piece in pieces
            if isinstance(piece, TablePart)
        ):
            return pieces
    return None


def _lines_above(listing: list[Item], part: TablePart) -> list[tuple[int, TextLine]]:
    """The lines still on the page over a side just joined (not past the paper's edge, not
    shown on the host's page): what this strip alone shows of the sheet over those rows."""
    return [
        (i, item)
        for i, item in enumerate(listing)
        if isinstance(item, TextLine)
        and item.bbox is not None
        and item.bbox.bottom <= part.bbox[1] + ROW_TOLERANCE
        and not item.off_page
    ]


def _texts_above(listing: list[Item], part: TablePart) -> set[tuple[str, float]]:
    """The texts (without white space) and tops of the lines on the page over the part."""
    return {
        ("".join(item.text.split()), item.bbox.top)
        for item in listing
        if isinstance(item, TextLine)
        and item.bbox is not None
        and item.bbox.bottom <= part.bbox[1] + ROW_TOLERANCE
    }


def _unsure(item: Item) -> Item:
    if isinstance(item, TextLine):
        return replace(item, confidence=min(item.confidence, UNSURE))
    return replace(item, confidences=(UNSURE,) * len(item.boxes))


def _page(item: Item) -> int:
    return item.page or 0


def _top(item: Item) -> float:
    if isinstance(item, TablePart):
        return item.bbox[1]
    return item.bbox.top if item.bbox is not None else 0.0


def _drop_repeated_text(
    pages: dict[int, list[Item]],
    host_page: int,
    host: TablePart,
    page: int,
    side: TablePart,
) -> None:
    """Text drawn past the cut: on the host's page right of the host (the side's cells, in the
    margin), on the side's page off the paper's edge (the host's cells and title), right of
    the side (the next strip's cells), or there again as the host's page shows it."""
    top, bottom = host.bbox[1], host.bbox[3]
    listing = pages[host_page]
    for i, item in enumerate(listing):
        if isinstance(item, TextLine) and item.bbox is not None:
            beside = item.bbox.x0 >= host.bbox[2] - EDGE_TOLERANCE
            if beside and top <= item.bbox.top and item.bbox.bottom <= bottom:
                listing[i] = None  # type: ignore[call-overload]
    listing = pages[page]
    for i, item in enumerate(listing):
        if not isinstance(item, TextLine) or item.bbox is None:
            continue
        beside = item.bbox.x0 >= side.bbox[2] - EDGE_TOLERANCE
        beside = beside and side.bbox[1] <= item.bbox.top and item.bbox.bottom <= side.bbox[3]
        if beside or item.off_page or shown_on(item, pages[host_page]):
            listing[i] = None  # type: ignore[call-overload]
