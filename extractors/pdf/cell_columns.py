"""A value cell that spans columns only because their rules were left out, cut at those columns.

A spreadsheet prints only the borders it was given: where a department ruled the header row
but not the indicator rows under it, an indicator row's 分值, 年度指标值, 全年实际值 and 得分
stand in one ruled box, each value printed in its own column (`15 ≥85亩 82亩 14.47`), and read
as one cell they run together (`15≥85亩`). Where the box's characters fall in separate runs,
each run lying within one of the columns the other rows rule off (the header row over them) and
set in it as a cell's text is set (at its left, at its right or centred), and the runs stand in
two columns or more, the box is cut at those columns' rules: each column its own cell (an empty
one where no run stands). Where a run crosses a column's rule or sits in its column as no cell's
text does, the box is left whole: its text is then one cell's, and the mapping flags it.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable

from extractors.pdf.cell_rows import chars_to_lines
from extractors.pdf.page import Char
from extractors.tables import Box, merge_edges

EDGE = 1.0  # points: a run may stand this far over its column's rule
GAP_RULE = 0.5  # points: a gap holds a column's rule this near its ends
MIN_GAP = 0.1  # of the font size: a narrower gap is no gap between two cells' texts (a rule
# through a text centred over two columns passes between two of its characters)
RUN_GAP = 1.0  # of the font size: a wider gap ends a run
CELL_PADDING = 5.4  # points: a cell's inner margin (a Word cell's; a spreadsheet's is less)


def boxes_cut_at_columns(
    boxes: tuple[Box, ...], chars: tuple[Char, ...], whole: frozenset[Box] = frozenset()
) -> tuple[Box, ...]:
    """The table's cell boxes with each one that spans columns for want of their rules cut
    into one box a column (see the module's docstring); the others as they are, and those of
    `whole` (open at a page's side cut: a merged cell running on over the cut, its text set
    for the whole cell, not for the columns this page shows of it)."""
    xs = merge_edges(sorted({b[0] for b in boxes} | {b[2] for b in boxes}))
    wide = [b for b in boxes if b not in whole and any(b[0] + EDGE < x < b[2] - EDGE for x in xs)]
    if not wide:
        return boxes
    chars_in = chars_by_centre(chars)
    cut: list[Box] = []
    for box in boxes:
        cut.extend(box_cut_at_columns(box, chars_in(box), xs) if box in wide else [box])
    return tuple(cut)


def chars_by_centre(chars: tuple[Char, ...]) -> Callable[[Box], list[Char]]:
    """A look-up of the printing characters whose centre lies in a box."""
    placed = sorted(
        (((ch.top + ch.bottom) / 2, (ch.x0 + ch.x1) / 2, ch) for ch in chars if ch.text.strip()),
        key=lambda p: (p[0], p[1]),
    )
    centres = [p[0] for p in placed]

    def chars_in(box: Box) -> list[Char]:
        low, high = bisect.bisect_left(centres, box[1]), bisect.bisect_right(centres, box[3])
        return [ch for _, cx, ch in placed[low:high] if box[0] <= cx <= box[2]]

    return chars_in


def box_cut_at_columns(box: Box, chars: list[Char], xs: list[float]) -> list[Box]:
    """The box as one box for each column it spans, when its characters' runs each stand set
    in one column, and in two columns or more or where the whole box would not set them (a
    number at an inner column's right); else the box whole."""
    edges = [box[0], *(x for x in xs if box[0] + EDGE < x < box[2] - EDGE), box[2]]
    runs = chars_to_runs(chars, edges)
    if _one_centred_text(runs, box):
        return [box]
    columns: set[int] = set()
    for run in runs:
        column = _column_of(run, edges)
        if column is None:
            return [box]  # across a rule, or set as no cell's text is: one cell's text
        columns.add(column)
    if not columns or (len(columns) < 2 and any(_set_in_box(run, box) for run in runs)):
        return [box]  # one text the whole box places as well: a merged cell's
    return [(edges[k], box[1], edges[k + 1], box[3]) for k in range(len(edges) - 1)]


def chars_to_runs(chars: list[Char], edges: list[float]) -> list[list[Char]]:
    """The characters in runs: one line, left to right, split where a gap is wider than
    RUN_GAP or holds a column's rule."""
    runs: list[list[Char]] = []
    for line in chars_to_lines(chars):
        line.sort(key=lambda c: c.x0)
        run = [line[0]]
        for ch in line[1:]:
            last = run[-1]
            gap = ch.x0 - last.x1
            ruled = gap >= MIN_GAP * ch.size and any(
                last.x1 - GAP_RULE <= x <= ch.x0 + GAP_RULE for x in edges
            )
            if gap > RUN_GAP * ch.size or ruled:
                runs.append(run)
                run = []
            run.append(ch)
        runs.append(run)
    return runs


def _one_centred_text(runs: list[list[Char]], box: Box) -> bool:
    """Do the runs make one line of text set in the middle of the whole box (a label centred
    over columns, split only where a rule passes through a word space)?"""
    if len({round(run[0].top) for run in runs}) != 1:
        return False
    line = sorted((c for run in runs for c in run), key=lambda c: c.x0)
    size = max(c.size for c in line)
    if any(b.x0 - a.x1 > RUN_GAP * size for a, b in itertools.pairwise(line)):
        return False
    return abs((box[0] + box[2]) / 2 - (line[0].x0 + line[-1].x1) / 2) <= size


def _set_in_box(run: list[Char], box: Box) -> bool:
    """Is the run placed as the whole box would place a text (at its left, at its right, or
    in its middle)?"""
    x0, x1 = run[0].x0, run[-1].x1
    size = max(c.size for c in run)
    slack = CELL_PADDING + size
    centred = abs((box[0] + box[2]) / 2 - (x0 + x1) / 2) <= size
    return x0 - box[0] <= slack or box[2] - x1 <= slack or centred


def _column_of(run: list[Char], edges: list[float]) -> int | None:
    """The column the run lies within and is set in (its start at the column's left, its end
    at its right, or its middle at its middle), else None."""
    x0, x1 = run[0].x0, run[-1].x1
    size = max(c.size for c in run)
    slack = CELL_PADDING + size
    for k in range(len(edges) - 1):
        left, right = edges[k], edges[k + 1]
        if not (left - EDGE <= x0 and x1 <= right + EDGE):
            continue
        centred = abs((left + right) / 2 - (x0 + x1) / 2) <= size
        return k if x0 - left <= slack or right - x1 <= slack or centred else None
    return None
