"""A shaded label band cut back into the rows and columns its neighbours rule.

A department may box only the cells it fills in and shade the labels grey with no border. A
spreadsheet prints neighbouring cells of one grey as one filled rectangle, so the label column
stands as one tall band beside the value cells, with no rule between its rows, and read as one
cell it runs every label together beside the first row's values. A cell is such a band when it
lies within a shade (page.Piece.shade: a coloured fill with no outline) and one of its sides is
drawn by no rule at all, only by the shade's edge: a merged cell of a ruled table has its rules
(and one drawn only by fills, a report engine's, has no rules anywhere, so no row is ruled).
The band is cut at each row rule the other columns draw through it that no line of its text
crosses: each label its own row's cell. A text standing over such a rule (a label centred on
two rows) keeps those rows together, one cell. A shaded header row (its cells unruled, one grey
strip over the table's width) is cut the same way at the column rules the value cells draw
under it that no run of its text crosses: each header its own cell, a header centred over two
columns one cell over both. Either cut is made only where two pieces or more hold text, so a
shaded merged cell with one text stays whole.
"""

from __future__ import annotations

import itertools

from extractors.pdf.cell_columns import chars_by_centre, chars_to_runs
from extractors.pdf.cell_rows import chars_to_lines
from extractors.pdf.page import Char
from extractors.tables import Box, merge_edges

EDGE = 1.0  # points: a line may stand this far over a row's rule
SNAP = 2.0  # points: a rule this near a side runs along it
RULED = 0.5  # of a side's length: a side drawn along this much by rules is ruled


def boxes_cut_in_shades(
    boxes: tuple[Box, ...], chars: tuple[Char, ...], shades: list[Box], rules: list[Box]
) -> tuple[Box, ...]:
    """The table's cell boxes with each shaded band cut into the rows and columns its
    neighbours rule (see the module's docstring); the others as they are."""
    if not shades:
        return boxes
    ys = merge_edges(sorted({b[1] for b in boxes} | {b[3] for b in boxes}))
    xs = merge_edges(sorted({b[0] for b in boxes} | {b[2] for b in boxes}))
    chars_in = chars_by_centre(chars)
    out: list[Box] = []
    for box in boxes:
        rows = [y for y in ys if box[1] + EDGE < y < box[3] - EDGE]
        columns = [x for x in xs if box[0] + EDGE < x < box[2] - EDGE]
        if not (rows or columns) or not is_shaded_band(box, shades, rules):
            out.append(box)
            continue
        for piece in band_cut_at_rows(box, chars_in(box), rows):
            out.extend(band_cut_at_columns(piece, chars_in(piece), columns))
    return tuple(out)


def is_shaded_band(box: Box, shades: list[Box], rules: list[Box]) -> bool:
    """Does the cell lie within a shade, one of its sides drawn by no rule?"""
    within = any(
        s[0] - SNAP <= box[0] and s[1] - SNAP <= box[1] and box[2] <= s[2] + SNAP
        and box[3] <= s[3] + SNAP
        for s in shades
    )  # fmt: skip
    return within and any(not side_ruled(box, side, rules) for side in range(4))


def side_ruled(box: Box, side: int, rules: list[Box]) -> bool:
    """Do rules run along this side of the box (0 left, 1 top, 2 right, 3 bottom) for at least
    RULED of its length?"""
    upright = side in (0, 2)
    at = box[side]
    start, stop = (box[1], box[3]) if upright else (box[0], box[2])
    covered = 0.0
    for r in rules:
        if upright and r[0] == r[2] and abs(r[0] - at) <= SNAP:
            covered += max(0.0, min(stop, r[3]) - max(start, r[1]))
        elif not upright and r[1] == r[3] and abs(r[1] - at) <= SNAP:
            covered += max(0.0, min(stop, r[2]) - max(start, r[0]))
    return covered >= RULED * (stop - start)


def band_cut_at_rows(box: Box, chars: list[Char], rows: list[float]) -> list[Box]:
    """The band cut at each of `rows` (heights inside it) that no line of its text crosses, when
    its text stands in two rows or more; else the band whole."""
    lines = chars_to_lines(chars)
    cuts = [
        y
        for y in rows
        if not any(
            min(c.top for c in line) < y - EDGE and max(c.bottom for c in line) > y + EDGE
            for line in lines
        )
    ]
    edges = [box[1], *cuts, box[3]]
    pieces = [(box[0], top, box[2], bottom) for top, bottom in itertools.pairwise(edges)]
    return pieces if _holding(pieces, chars) >= 2 else [box]


def band_cut_at_columns(box: Box, chars: list[Char], columns: list[float]) -> list[Box]:
    """The band cut at each of `columns` (places inside it) that no run of its text crosses,
    when its text stands in two columns or more; else the band whole."""
    if not columns or not chars:
        return [box]
    runs = chars_to_runs(chars, [box[0], *columns, box[2]])
    cuts = [x for x in columns if not any(r[0].x0 < x - EDGE and r[-1].x1 > x + EDGE for r in runs)]
    edges = [box[0], *cuts, box[2]]
    pieces = [(left, box[1], right, box[3]) for left, right in itertools.pairwise(edges)]
    return pieces if _holding(pieces, chars) >= 2 else [box]


def _holding(pieces: list[Box], chars: list[Char]) -> int:
    """How many of the pieces hold a character's centre."""
    return sum(
        1
        for p in pieces
        if any(
            p[0] <= (c.x0 + c.x1) / 2 <= p[2] and p[1] <= (c.top + c.bottom) / 2 <= p[3]
            for c in chars
        )
    )
