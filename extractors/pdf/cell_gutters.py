"""Columns no row rules at all, found from where their texts stand.

A spreadsheet prints only the borders it was given: where a department drew no upright rules
between three columns anywhere (a Sichuan form's 指标性质 / 指标值 / 度量单位, and so the funds
block's 年初预算 / 调整后预算数 / 预算执行数 over them), every row holds one box over the three
(`指标性质 指标值 度量单位`, `1260.00 1318.60 1275.44`, `≥ 15000亩`), and no other row's rules
tell where to cut it (cell_columns). The columns are then told by their texts: the boxes of one
width stacked in the table are looked at together, and where the gaps between the texts of two
lines or more holding three texts or more each (headers, amounts side by side; a label beside
its value tells nothing) overlap and no character of such a line stands, a column's edge lies
(the middle of that gutter). Each box is then cut there as cell_columns cuts a
box at ruled columns (each run set in its own column, or the box left whole: a name over the
columns, a header centred over them).
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from extractors.pdf.cell_columns import box_cut_at_columns, chars_by_centre
from extractors.pdf.cell_rows import chars_to_lines
from extractors.pdf.page import Char
from extractors.tables import Box

SNAP = 1.0  # points: boxes whose sides lie this near are of one width
GAP = 0.6  # of the font size: a wider gap between two texts on a line is a gutter
MIN_LINES = 2  # lines whose gaps must agree on a gutter, from two boxes or more
MIN_TEXTS = 3  # texts a line must hold to tell gutters (a label beside its value tells none)
MIN_STACK = 3  # boxes of one width the table must hold
MIN_FREE = 0.5  # points: a narrower stretch between glyphs is no gutter


def boxes_cut_at_gutters(boxes: tuple[Box, ...], chars: tuple[Char, ...]) -> tuple[Box, ...]:
    """The table's boxes cut at the gutters the texts of each stack of boxes of one width leave
    (see the module's docstring): every box lying within such a stack's width, whose width a
    rule elsewhere may have narrowed (`≥ 15000` cut off its unit by a rule the head row draws);
    the others as they are."""
    stacks: dict[tuple[int, int], list[Box]] = defaultdict(list)
    for box in boxes:
        stacks[(round(box[0] / SNAP), round(box[2] / SNAP))].append(box)
    chars_in = chars_by_centre(chars)
    found: list[tuple[float, float, list[float]]] = []  # a stack's left, right and gutters
    for stack in stacks.values():
        texts = [chars_in(box) for box in stack] if len(stack) >= MIN_STACK else []
        if sum(len(chars) >= MIN_TEXTS for chars in texts) >= MIN_LINES:
            gutters = stack_gutters(texts)
            if gutters:
                found.append((stack[0][0], stack[0][2], gutters))
    if not found:
        return boxes
    out: list[Box] = []
    for box in boxes:
        inner = sorted(
            x
            for left, right, gutters in found
            if left - SNAP <= box[0] and box[2] <= right + SNAP
            for x in gutters
            if box[0] < x < box[2]
        )
        out.extend(box_cut_at_columns(box, chars_in(box), inner) if inner else [box])
    return tuple(out)


def stack_gutters(cells: list[list[Char]]) -> list[float]:
    """The places of the gutters the texts of a stack of boxes leave: the stretches no character
    of a line holding MIN_TEXTS texts or more covers (texts split where a gap is wider than GAP of
    their size; a number and its unit may touch over a gutter) that lie within such a line's gap
    between two texts on MIN_LINES lines or more of two boxes or more; each place the middle of
    its stretch."""
    lines: list[tuple[int, list[tuple[float, float]]]] = []  # (box, its line's texts' extents)
    glyphs: list[tuple[float, float]] = []
    for k, chars in enumerate(cells):
        for line in chars_to_lines(chars):
            line.sort(key=lambda c: c.x0)
            texts = _texts(line)
            if len(texts) >= MIN_TEXTS:
                lines.append((k, texts))
                glyphs.extend((c.x0, c.x1) for c in line)
    free: list[tuple[float, float]] = []  # between the glyphs' union's pieces
    reach = None
    for left, right in sorted(glyphs):
        if reach is not None and left - reach >= MIN_FREE:
            free.append((reach, left))
        reach = right if reach is None else max(reach, right)
    places = []
    for low, high in free:
        spanned = [
            k
            for k, texts in lines
            if any(a[1] <= low and high <= b[0] for a, b in itertools.pairwise(texts))
        ]
        if len(spanned) >= MIN_LINES and len(set(spanned)) >= 2:
            places.append((low + high) / 2)
    return _columns_held(places, [texts for _, texts in lines])


def _columns_held(places: list[float], lines: list[list[tuple[float, float]]]) -> list[float]:
    """The gutters that leave every column between them holding texts of MIN_LINES lines: a
    column only one line writes in (a header set left beside amounts set right in one column) is
    joined to its neighbour holding fewer, its gutter dropped."""
    places = list(places)
    while places:
        edges = [-float("inf"), *places, float("inf")]
        held = [
            sum(1 for texts in lines if any(a < (t[0] + t[1]) / 2 < b for t in texts))
            for a, b in itertools.pairwise(edges)
        ]
        thin = next((k for k, n in enumerate(held) if n < MIN_LINES), None)
        if thin is None:
            return places
        if thin == 0 or (thin < len(held) - 1 and held[thin + 1] <= held[thin - 1]):
            places.pop(thin)  # the gutter on its right
        else:
            places.pop(thin - 1)  # the gutter on its left
    return places


def _texts(line: list[Char]) -> list[tuple[float, float]]:
    """A line's texts (its characters split where a gap is wider than GAP of their size), each
    as its left and right."""
    texts = [[line[0].x0, line[0].x1]]
    for ch in line[1:]:
        if ch.x0 - texts[-1][1] > GAP * ch.size:
            texts.append([ch.x0, ch.x1])
        else:
            texts[-1][1] = max(texts[-1][1], ch.x1)
    return [(a, b) for a, b in texts]
