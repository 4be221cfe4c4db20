"""A sheet printed across pages, its halves joined back side by side.

A spreadsheet prints a sheet wider than the paper in strips: the left-hand columns on one page,
the right-hand columns on a later one (after the left strip's next pages where the sheet is
also taller than the page: down, then over), the same rows at the same heights, no title, and
text that runs over the cut drawn on both pages, beyond the paper's edge on one of them. A part
on a later page is a side of an earlier one when its rows are the earlier part's rows: the
same row lines within ROW_TOLERANCE, top and bottom, and nothing visible above it on its page
(a page of its own starts with a title). Its cells are put to the right of the earlier part's,
each keeping its own page and box; a cell cut by the page's edge, its text on both pages, is
one cell again. Text drawn past the cut (in the earlier page's margin, or off the later page's
edge) repeats the other page's cells and is not read twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from .model import TextLine
from .side_splits import split_at_tables
from .table_cuts import MARGIN
from .tables import EDGE_TOLERANCE, Box, TablePart, continues, merge_edges

ROW_TOLERANCE = 0.75  # points: row lines this close are one line on both pages
MIN_ROW_LINES = 3  # a side shares at least this many row lines with its host
UNSURE = 0.5  # the confidence of a cut cell whose two halves' texts disagree

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
    if any(isinstance(item, TablePart) and (item.cut_left or item.cut_right) for item in out):
        # a cut left unjoined: the sheet's strips were not all put back together, so no cell
        # of it is placed with certainty (a strip may have joined the wrong rows, or none)
        out = [_unsure(item) for item in out]
    return out


Host = tuple[int, int]  # (page, index in its list) of a part open to sides


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

    def sides(self) -> dict[Host, int]:
        """How many pages' strips each host has joined."""
        return Counter(host for _, host in self.placed)


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
        going_on = index == first and _goes_on_down(state.lasts.get(page - 1), item)
        if going_on and page - 1 not in state.strips:  # (a strip's page goes on as its host's)
            state.hosts.append((page, index))
            index += 1
            continue
        host = _host_of(
            item, listing, state.hosts, state.pages, under_host, state.strips, state.sides()
        )
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
    for i, line in _lines_above(listing, side):
        state.pages[host_page].append(line)  # shown on this strip only: the host's title
        state.keys[id(line)] = joined.bbox[1] - ROW_TOLERANCE / 2
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
        if len(mine) >= 2 and _shared(mine, theirs) == len(mine) and mine[-1] <= theirs[-1]:
            state.hosts.remove((page, index))
            _join(state, page, index, host)


def _last_part(listing: list[Item]) -> TablePart | None:
    """The part that ends the page, if any: no line under it but past the paper's edge or
    within MARGIN of its foot (a merged cell's text drawn past the page break)."""
    parts = [item for item in listing if isinstance(item, TablePart)]
    if not parts:
        return None
    last = parts[-1]
    below = listing[listing.index(last) + 1 :]
    return last if all(_near_cut(line, last, under=True) for line in below) else None


def _first_part(listing: list[Item]) -> int | None:
    """The index of the part that opens the page, if any: no line over it but past the edge
    or within MARGIN of its head."""
    first = next((i for i, item in enumerate(listing) if isinstance(item, TablePart)), None)
    if first is None:
        return None
    part = listing[first]
    assert isinstance(part, TablePart)
    return first if all(_near_cut(line, part, under=False) for line in listing[:first]) else None


def _near_cut(item: Item, part: TablePart, under: bool) -> bool:
    if not isinstance(item, TextLine) or item.bbox is None:
        return False
    if item.off_page:
        return True
    gap = item.bbox.top - part.bbox[3] if under else part.bbox[1] - item.bbox.bottom
    return gap <= MARGIN


def _goes_on_down(previous: TablePart | None, part: TablePart) -> bool:
    """Is the part opening its page the table ending the previous page going on down the
    same strip (the same outer edges, no cell open at its left), not a strip of its rows?"""
    return previous is not None and not part.cut_left and continues(previous, part)


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
            _host_of(
                piece,
                trial,
                state.hosts,
                pages,
                under if piece is head else None,
                state.strips,
                state.sides(),
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


def row_lines(part: TablePart) -> list[float]:
    return merge_edges(sorted({b[1] for b in part.boxes} | {b[3] for b in part.boxes}))


def _host_of(
    part: TablePart,
    listing: list[Item],
    hosts: list[tuple[int, int]],
    pages: dict[int, list[Item]],
    under: Host | None = None,
    strips: dict[int, int] | None = None,
    sides: dict[Host, int] | None = None,
) -> Host | None:
    """The earlier part whose rows this part's rows are, if this part is a side of it: nothing
    visible above it on its page but what the host's page shows at the same place (a merged
    title drawn on both pages). Under a side on its page (a row with no column rule in the
    strip parts them), its rows need only be among the host's (`under`, the side's host)."""
    under_side = under is not None
    mine = row_lines(part)
    least = 2 if under is not None else MIN_ROW_LINES  # under a side: one row will do
    if len(mine) < least:
        return None
    above = [
        item
        for item in listing
        if isinstance(item, TextLine)
        and item.bbox is not None
        and item.bbox.bottom <= part.bbox[1]
        and not item.off_page
    ]
    best, best_rank = None, (False, 0, 0)
    for host in hosts:
        other = pages[host[0]][host[1]]
        if host[0] >= part.page or not isinstance(other, TablePart):
            continue
        if under_side and host != under:
            continue
        theirs = row_lines(other)
        in_order = _in_page_order(part.page, host[0], strips or {})
        shows_cut = bool(other.cut_right or part.cut_left)
        sure = shows_cut or in_order or under_side  # a merged row or a blank one may hide
        # the host's head
        if (
            _same_rows(mine, theirs, under_side or sure, strict=not sure, least=least)
            and (
                shows_cut or all(_shown_on(line, pages[host[0]], past_edge=True) for line in above)
            )
            and (under_side or in_order or _cut_shown(other, pages[host[0]], part, listing))
        ):
            rank = (in_order, _shared(mine, theirs), -(sides or {}).get(host, 0))
            if rank > best_rank:  # the host in page order, else sharing the most row lines,
                best, best_rank = host, rank  # else with the fewest strips, the first on a tie
    return best


def _in_page_order(page: int, host_page: int, strips: dict[int, int]) -> bool:
    """Does the page before this one hold a side of the page before the host's (the strip
    going on down as its host's strip did: a cut at a column's rule shows nothing)?"""
    return strips.get(page - 1) == host_page - 1


def _cut_shown(host: TablePart, host_items: list[Item], side: TablePart, items: list[Item]) -> bool:
    """Does either page show the cut: a cell of the host open at its right or of the side at
    its left (no rule drawn there), text in the host page's margin beside its rows, or text on
    the side's page running past the paper's edge? (A table merely going on at the head of the
    next page shows none.)"""
    if host.cut_right or side.cut_left:
        return True
    if any(isinstance(item, TextLine) and item.off_page for item in items):
        return True
    return any(
        isinstance(item, TextLine)
        and item.bbox is not None
        and item.bbox.x0 >= host.bbox[2]
        and host.bbox[1] <= item.bbox.top <= host.bbox[3]
        for item in host_items
    )


def _shared(mine: list[float], theirs: list[float]) -> int:
    return sum(1 for y in mine if any(abs(y - t) <= ROW_TOLERANCE for t in theirs))


def _shown_on(line: TextLine, listing: list[Item], past_edge: bool = False) -> bool:
    """Does the page show this line's text at the same height (`past_edge`: running past the
    paper's edge, as a title merged over the sheet's width is, or at the very same place, as a
    sheet's title columns print it on every page; never a page's own title elsewhere)?"""
    assert line.bbox is not None
    return any(
        isinstance(item, TextLine)
        and item.bbox is not None
        and item.text == line.text
        and abs(item.bbox.top - line.bbox.top) <= ROW_TOLERANCE
        and (item.off_page or not past_edge or abs(item.bbox.x0 - line.bbox.x0) <= ROW_TOLERANCE)
        for item in listing
    )


def _same_rows(
    mine: list[float],
    theirs: list[float],
    anywhere: bool = False,
    strict: bool = True,
    least: int = MIN_ROW_LINES,
) -> bool:
    """The side's rows are the host's: from the same top line (from any of its lines,
    `anywhere`), within its foot, and (`strict`) at least half their lines shared (a merged
    cell hides a row line in one strip that another shows; where the cut is shown, the strips
    may merge different rows, and only MIN_ROW_LINES are asked for)."""

    def shared(y: float) -> bool:
        return any(abs(y - t) <= ROW_TOLERANCE for t in theirs)

    if not shared(mine[0]) or (not anywhere and abs(mine[0] - theirs[0]) > ROW_TOLERANCE):
        return False
    if mine[-1] > theirs[-1] + ROW_TOLERANCE:
        return False
    common = _shared(mine, theirs)
    return common >= least and (not strict or 2 * common >= min(len(mine), len(theirs)))


def side_by_side(host: TablePart, side: TablePart, strip: Strip | None = None) -> TablePart:
    """The side's cells to the right of the host's (shifted to start where the host ends, or
    where `strip`, this page's strip of the host joined already, put its columns), each
    keeping its page and box; a cell the cut divided (no rule drawn at the cut on either page)
    made one again: its text as both pages show it, the longer where one page lost some past
    its edge, and uncertain where the two differ otherwise."""
    strip = strip or place_strip(host, side)
    start, shift = strip.start, strip.shift
    partners = replace(host, cut_right=strip.open_right)
    boxes = list(host.boxes)
    texts = list(host.texts)
    sources = list(host.sources or tuple((host.page, box) for box in host.boxes))
    confidences = list(host.confidences or (1.0,) * len(host.boxes))
    side_conf = side.confidences or (1.0,) * len(side.boxes)
    cut_right: set[int] = set()
    for index, (box, text) in enumerate(zip(side.boxes, side.texts, strict=True)):
        if box[2] <= start + ROW_TOLERANCE:
            continue  # a title column printed again on every page
        if box[0] < start - ROW_TOLERANCE:  # a cell over the title column and on: its own part
            if _within(text, _host_text_at(host, box[1], box[3])):
                text = ""  # the title column's text, the cell's own clipped away behind it
            box = (start, box[1], box[2], box[3])
        moved = (box[0] + shift, box[1], box[2] + shift, box[3])
        other = _cut_partner(partners, moved) if index in side.cut_left else None
        if other is not None:
            old = boxes[other]
            boxes[other] = (old[0], old[1], moved[2], old[3])
            texts[other], sure = _cut_text(texts[other], text)
            confidences[other] = min(confidences[other], side_conf[index], 1.0 if sure else UNSURE)
            if index in side.cut_right:
                cut_right.add(other)
            continue
        if index in side.cut_right:
            cut_right.add(len(boxes))
        boxes.append(moved)
        texts.append(text)
        sources.append((side.page, box))
        confidences.append(side_conf[index])
    return replace(
        host,
        boxes=tuple(boxes),
        texts=tuple(texts),
        bbox=(host.bbox[0], host.bbox[1], max(host.bbox[2], side.bbox[2] + shift), host.bbox[3]),
        confidences=tuple(confidences) if any(c < 1.0 for c in confidences) else (),
        sources=tuple(sources),
        cut_right=frozenset(cut_right) | strip.cut_right,
    )


@dataclass(frozen=True)
class Strip:
    """Where a page's strip of a host's columns goes: its own columns from `start` on the
    page, moved by `shift`; the host's cells open at its right before the strip (partners of
    the strip's cells open at their left) and the strip's parts' cells open at their right."""

    start: float
    shift: float
    open_right: frozenset[int]
    cut_right: frozenset[int] = frozenset()


def place_strip(host: TablePart, side: TablePart, title_width: float | None = None) -> Strip:
    """The strip of the host's columns the side is the first part of."""
    start = _repeated_columns_end(host, side, title_width)
    return Strip(start, host.bbox[2] - start, host.cut_right)


def _repeated_columns_end(
    host: TablePart, side: TablePart, title_width: float | None = None
) -> float:
    """Where the side's own columns start: after its first column when that column is the
    host's first column again (a sheet's title columns printed on every page: a column line of
    the host at the same width, each cell's text the host's there, two at least, or none where
    another strip of the sheet showed title columns of that width), else at its left edge."""
    first = _first_column(side)
    if first is None:
        return side.bbox[0]
    width, cells = first
    line = host.bbox[0] + width
    if not any(abs(box[2] - line) <= ROW_TOLERANCE for box in host.boxes):
        return side.bbox[0]
    shown = [t for _, _, t in cells if t.strip()]
    same = all(
        not text.strip() or _within(_host_text_at(host, top, bottom), text)
        for top, bottom, text in cells
    )  # the host's text, among other cells' text clipped away behind the repeat (or none:
    # the host's text stands beyond the column, in a cell merged on over the next ones)
    known = title_width is not None and abs(title_width - width) <= ROW_TOLERANCE
    return side.bbox[0] + width if same and (len(shown) >= 2 or known) else side.bbox[0]


def _host_text_at(host: TablePart, top: float, bottom: float) -> str:
    """The text of the host's cell at its left edge over these rows ("\0" if none)."""
    for box, text in zip(host.boxes, host.texts, strict=True):
        if (
            abs(box[0] - host.bbox[0]) <= ROW_TOLERANCE
            and abs(box[1] - top) <= ROW_TOLERANCE
            and abs(box[3] - bottom) <= ROW_TOLERANCE
        ):
            return text
    return "\0"


def _first_column(part: TablePart) -> tuple[float, list[tuple[float, float, str]]] | None:
    """The width of the part's first column (its narrowest cell at the left edge) and the cells
    (top, bottom, text) of that width there (a wider one runs on into the next columns)."""
    left = [
        (box, text)
        for box, text in zip(part.boxes, part.texts, strict=True)
        if abs(box[0] - part.bbox[0]) <= ROW_TOLERANCE
    ]
    if not left:
        return None
    width = min(box[2] - box[0] for box, _ in left)
    return width, [
        (box[1], box[3], text) for box, text in left if box[2] - box[0] <= width + ROW_TOLERANCE
    ]


def _cut_partner(host: TablePart, moved: Box) -> int | None:
    """The host's cell cut at its right in the same rows as the side's cell cut at its left."""
    for i in host.cut_right:
        box = host.boxes[i]
        if abs(box[1] - moved[1]) <= ROW_TOLERANCE and abs(box[3] - moved[3]) <= ROW_TOLERANCE:
            return i
    return None


def _cut_text(left: str, right: str) -> tuple[str, bool]:
    """One cell's text from its two halves' (each page draws the whole text, clipped): the
    same, or one empty, or one holding the other's characters in order (a page lost what
    fell past its edge)."""
    if left == right or not right:
        return left, True
    if not left:
        return right, True
    if _within(right, left):
        return left, True
    if _within(left, right):
        return right, True
    return left + right, False


def _within(part: str, whole: str) -> bool:
    """Are `part`'s characters `whole`'s, in order (the pieces of its lines one page kept)?"""
    rest = iter("".join(whole.split()))
    return all(char in rest for char in "".join(part.split()))


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
        if beside or item.off_page or _shown_on(item, pages[host_page]):
            listing[i] = None  # type: ignore[call-overload]
