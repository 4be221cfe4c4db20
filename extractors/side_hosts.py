"""Which earlier table part a part on a later page is a side of (a sheet printed across pages).

A part on a later page is a side of an earlier one when its rows are the earlier part's rows:
the same row lines within ROW_TOLERANCE, from the same top (or any of its lines where cells show
the cut or the page order does), within its foot, and the cut shown: a cell open at the cut,
text past the paper's edge or in the host page's margin, or the page order (the strip going on
down as its host's did). Nothing may stand over it on its page that the host's page does not
show, unless cells show the cut (the sheet's title printed on a later strip only).
"""

from __future__ import annotations

from .model import TextLine
from .tables import TablePart, merge_edges

ROW_TOLERANCE = 0.75  # points: row lines this close are one line on both pages

MIN_ROW_LINES = 3  # a side shares at least this many row lines with its host

Item = TablePart | TextLine
Host = tuple[int, int]  # (page, index in its list) of a part open to sides


def row_lines(part: TablePart) -> list[float]:
    return merge_edges(sorted({b[1] for b in part.boxes} | {b[3] for b in part.boxes}))


def host_of(
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
            and (shows_cut or all(shown_on(line, pages[host[0]], past_edge=True) for line in above))
            and (under_side or in_order or _cut_shown(other, pages[host[0]], part, listing))
        ):
            rank = (in_order, shared(mine, theirs), -(sides or {}).get(host, 0))
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
