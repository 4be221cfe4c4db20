"""Which earlier table part a part on a later page is a side of (a sheet printed across pages).

A part on a later page is a side of an earlier one when its rows are the earlier part's rows:
the same row lines within ROW_TOLERANCE, from the same top (or any of its lines where cells show
the cut or the page order does), within its foot, and the cut shown: a cell open at the cut,
text past the paper's edge or in the host page's margin, or the page order (the strip going on
down as its host's did). Nothing may stand over it on its page that the host's page does not
show, unless cells show the cut (the sheet's title printed on a later strip only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.model import TextLine
from extractors.pdf.side_repeats import ROW_TOLERANCE, repeated_columns_end
from extractors.tables import TablePart, merge_edges

MIN_ROW_LINES = 3  # a side shares at least this many row lines with its host

Item = TablePart | TextLine
Host = tuple[int, int]  # (page, index in its list) of a part open to sides


@dataclass(frozen=True)
class Known:
    """What the strips joined so far tell: each side's page and its host's page, how many
    pages' strips each host has, the width of the sheet's title columns once one showed them."""

    strips: dict[int, int] = field(default_factory=dict)
    sides: dict[Host, int] = field(default_factory=dict)
    title_width: float | None = None


def row_lines(part: TablePart) -> list[float]:
    return merge_edges(sorted({b[1] for b in part.boxes} | {b[3] for b in part.boxes}))


def host_of(
    part: TablePart,
    listing: list[Item],
    hosts: list[tuple[int, int]],
    pages: dict[int, list[Item]],
    under: Host | None = None,
    known: Known = Known(),
) -> Host | None:
    """The earlier part whose rows this part's rows are, if this part is a side of it: nothing
    visible above it on its page but what the host's page shows at the same place (a merged
    title drawn on both pages), unless the side itself shows the cut (cells open at its left,
    or the host's title columns again). Under a side on its page (a row with no column rule in
    the strip parts them), its rows need only be among the host's (`under`, the side's host)."""
    under_side = under is not None
    mine = row_lines(part)
    if len(mine) < 2:
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
        one_row = (
            under_side
            or _row_of_open_strip(part, other, host, known)
            or _same_row_in_order(part, other, host, known)
        )
        least = 2 if one_row else MIN_ROW_LINES
        if len(mine) < least:  # under a side, or a strip's row the host's page opened, or
            continue  # the host's rows where the page order puts its next strip: one row
        in_order = _in_page_order(part.page, host[0], known.strips)
        own_start = repeated_columns_end(other, part, known.title_width)
        titled = own_start > part.bbox[0]
        own_cut = (
            bool(part.cut_left)
            or titled
            or (bool(other.cut_right) and known.sides.get(host, 0) > 0)
        )  # the side shows the cut itself (a new table on a new page never does), or the host,
        # a sheet whose strips have begun to join, is open at its right
        sure = own_cut or in_order or under_side  # a merged row or a blank one may hide
        # the host's head
        if (
            _same_rows(mine, theirs, under_side or sure, strict=not sure, least=least)
            and (own_cut or all(shown_on(line, pages[host[0]], past_edge=True) for line in above))
            and (
                under_side
                or in_order
                or titled
                or _next_strip_over(part.page, host[0], known.strips)
                or _cut_shown(other, pages[host[0]], part, listing)
                or (own_cut and _title_moved(above, pages[host[0]], own_start))
            )
        ):
            rank = (in_order, shared(mine, theirs), -known.sides.get(host, 0))
            if rank > best_rank:  # the host in page order, else sharing the most row lines,
                best, best_rank = host, rank  # else with the fewest strips, the first on a tie
    return best


def _row_of_open_strip(part: TablePart, host: TablePart, at: Host, known: Known) -> bool:
    """Is the part a row or two of a host open at its right on a page whose other parts are
    already strips of the host's page (a form's first row at the foot of the strip, the rest
    going on on the next page), its row lines the host's, every one?"""
    if not host.cut_right or known.strips.get(part.page) != at[0]:
        return False
    mine, theirs = row_lines(part), row_lines(host)
    return len(mine) == len(theirs) and shared(mine, theirs) == len(theirs)


def _same_row_in_order(part: TablePart, host: TablePart, at: Host, known: Known) -> bool:
    """Is the part the host's rows, line for line (a row or two: a form's last row at a band's
    head), on the page where the host's next strip prints?"""
    mine, theirs = row_lines(part), row_lines(host)
    return (
        len(mine) == len(theirs)
        and shared(mine, theirs) == len(theirs)
        and _next_strip_over(part.page, at[0], known.strips)
    )


def _title_moved(above: list[TextLine], host_items: list[Item], own_start: float) -> bool:
    """Does a line reaching over the side's own columns (past its title columns) show a
    text the host's page does not show at the same place (a title merged over the sheet's
    width, centred on it, drawn where the strip's part of it falls: a form of its own on a
    page of its own draws its title where the first did)?"""
    theirs = [
        item
        for item in host_items
        if isinstance(item, TextLine) and item.bbox is not None and not item.off_page
    ]
    for line in above:
        assert line.bbox is not None
        text = _once("".join(line.text.split()))
        if len(text) < 4 or line.bbox.x1 <= own_start:
            continue
        if not any(
            other.bbox is not None
            and abs(other.bbox.top - line.bbox.top) <= ROW_TOLERANCE
            and abs(other.bbox.x0 - line.bbox.x0) <= ROW_TOLERANCE
            and _once("".join(other.text.split())) == text
            for other in theirs
        ):
            return True
    return False


def _once(compact: str) -> str:
    """A text drawn twice in a row (by the title column and by itself) once."""
    half = len(compact) // 2
    return compact[:half] if half and compact[:half] == compact[half:] else compact


def _in_page_order(page: int, host_page: int, strips: dict[int, int]) -> bool:
    """Does the page before this one hold a side of the page before the host's (the strip
    going on down as its host's strip did: a cut at a column's rule shows nothing)?"""
    return strips.get(page - 1) == host_page - 1


def _next_strip_over(page: int, host_page: int, strips: dict[int, int]) -> bool:
    """Is the page where the host's next strip prints (or its last strip's, which holds a strip
    of another part of the host's page): as many pages on from its last strip as
    each strip was from the one before (one in a sheet printed over, then down; a band's pages
    down, then over), or, with no strip of its own yet, the page right after it in a sheet
    known to print over, then down (an earlier host's strips on the pages right after it)? Its
    strip may show no cut of its own: a column with no text in these rows, a cut at a column's
    rule, a title column again whose labels are merged on past it."""
    own = sorted(p for p, host in strips.items() if host == host_page)
    if own:  # (the page of the last, where another part of the host's page joined it first)
        step = own[0] - host_page
        every = [host_page + step * (i + 1) for i in range(len(own) + 1)]
        return own == every[:-1] and page in (own[-1], every[-1])
    return page == host_page + 1 and any(
        strips.get(host + 1) == host for host in set(strips.values()) if host < host_page
    )


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


def shared(mine: list[float], theirs: list[float]) -> int:
    return sum(1 for y in mine if any(abs(y - t) <= ROW_TOLERANCE for t in theirs))


def shown_on(line: TextLine, listing: list[Item], past_edge: bool = False) -> bool:
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

    def on_theirs(y: float) -> bool:
        return any(abs(y - t) <= ROW_TOLERANCE for t in theirs)

    if not on_theirs(mine[0]) or (not anywhere and abs(mine[0] - theirs[0]) > ROW_TOLERANCE):
        return False
    if mine[-1] > theirs[-1] + ROW_TOLERANCE:
        return False
    common = shared(mine, theirs)
    return common >= least and (not strict or 2 * common >= min(len(mine), len(theirs)))
