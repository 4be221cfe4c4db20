"""A shaded label band cut back into the rows and columns its neighbours rule.

A department may box only the cells it fills in and shade the labels grey with no border. A
spreadsheet prints neighbouring cells of one grey as one filled rectangle, so the label column
stands as one tall band beside the value cells, with no rule between its rows, and read as one
cell it runs every label together beside the first row's values. A cell is such a band when it
lies within a shade (page.Piece.shade: a coloured fill with no outline) and one of its sides is
drawn by no rule at all, only by the shade's edge, while another is ruled (the value cells'): a
merged cell of a ruled table has its rules all round, one of a table drawn by fills alone (a
report engine's) none.
The band is cut between its labels (a line, or lines the layout wrapped one onto the next), each
at the last row rule the other columns draw between them: each label its own row's cell, a row
with no label of its own kept with the label over it, a text standing over a rule (a label
centred on two rows) keeping those rows together. A band is cut only where it holds three labels
or more: a merged label (one line, lines wrapped in a narrow column, a name and its weight on
two lines) holds fewer. A shaded header row (its cells unruled, one grey
strip over the table's width) is cut the same way at the column rules the value cells draw
under it that no run of its text crosses: each header its own cell, a header centred over two
columns one cell over both, where two of its pieces or more hold text.
"""

from __future__ import annotations

import itertools

from extractors.pdf.cell_bands import was_wrapped
from extractors.pdf.cell_columns import chars_by_centre, chars_to_runs
from extractors.pdf.cell_rows import chars_to_lines
from extractors.pdf.page import Char
from extractors.tables import Box, merge_edges

EDGE = 1.0  # points: a line may stand this far over a row's rule
SNAP = 2.0  # points: a rule this near a side runs along it
RULED = 0.5  # of a side's length: a side drawn along this much by rules is ruled
WRAP_GAP = 0.8  # of the font size: a wrapped line follows its line closer than this
MIN_LABELS = 3  # labels a band must hold to be cut (a merged label wraps, or breaks once)


def boxes_cut_in_shades(
    boxes: tuple[Box, ...], chars: tuple[Char, ...], shades: list[Box], rules: list[Box]
) -> tuple[Box, ...]:
    """The table's cell boxes with its shaded bands cut into the columns and rows their
    neighbours rule (see the module's docstring); the others as they are, in their order."""
    if not shades:
        return boxes
    shaded = [b for b in boxes if is_shaded_band(b, shades, rules)]
    if not shaded:
        return boxes
    ys = merge_edges(sorted({b[1] for b in boxes} | {b[3] for b in boxes}))
    xs = merge_edges(sorted({b[0] for b in boxes} | {b[2] for b in boxes}))
    chars_in = chars_by_centre(chars)
    pieces: dict[Box, list[Box]] = {}  # each shaded cell's pieces, a column each
    for box in shaded:
        columns = [x for x in xs if box[0] + EDGE < x < box[2] - EDGE]
        pieces[box] = band_cut_at_columns(box, chars_in(box), columns)
    first_of: dict[Box, list[Box]] = {}  # a band's first cell (in the table's order): its cut
    for members in stacked_bands([p for cell in shaded for p in pieces[cell]], rules):
        band = (members[0][0], members[0][1], members[0][2], members[-1][3])
        rows = [y for y in ys if band[1] + EDGE < y < band[3] - EDGE]
        owner = next(cell for cell in shaded if members[0] in pieces[cell])
        first_of.setdefault(owner, []).extend(band_cut_at_rows(band, chars_in(band), rows, members))
    out: list[Box] = []
    for box in boxes:
        out.extend(first_of.get(box, []) if box in pieces else [box])
    return tuple(out)


def stacked_bands(pieces: list[Box], rules: list[Box]) -> list[list[Box]]:
    """The shaded pieces in bands: those of one column standing one on another with no rule
    between them (neighbouring label cells of one grey, printed as one fill), top to bottom."""
    bands: list[list[Box]] = []
    for piece in sorted(pieces, key=lambda b: (round(b[0]), round(b[2]), b[1])):
        if bands:
            last = bands[-1][-1]
            same_column = abs(last[0] - piece[0]) <= SNAP and abs(last[2] - piece[2]) <= SNAP
            if same_column and abs(last[3] - piece[1]) <= SNAP and not side_ruled(last, 3, rules):
                bands[-1].append(piece)
                continue
        bands.append([piece])
    return bands


def is_shaded_band(box: Box, shades: list[Box], rules: list[Box]) -> bool:
    """Does the cell lie within a shade, one of its sides drawn by no rule and one by rules (a
    value cell's beside it: a table drawn by fills alone, a report engine's, has none)?"""
    within = any(
        s[0] - SNAP <= box[0] and s[1] - SNAP <= box[1] and box[2] <= s[2] + SNAP
        and box[3] <= s[3] + SNAP
        for s in shades
    )  # fmt: skip
    if not within:
        return False
    ruled = [side_ruled(box, side, rules) for side in range(4)]
    return any(ruled) and not all(ruled)


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


def band_cut_at_rows(
    box: Box, chars: list[Char], rows: list[float], members: list[Box] | None = None
) -> list[Box]:
    """The band cut between its labels, when it holds MIN_LABELS or more: a label is a line, or
    lines the layout wrapped one onto the next (a word that did not fit, at a paragraph's leading);
    between two labels the band is cut at the last of `rows` (heights inside it) lying wholly
    between them, so a row with no label of its own stays with the label over it. Else the band
    as it was (`members`, the shaded cells it was made of, or the band whole)."""
    labels: list[list[list[Char]]] = []
    for line in chars_to_lines(chars):
        line.sort(key=lambda c: c.x0)
        if labels and _wrapped_onto(labels[-1][-1], line, box):
            labels[-1].append(line)
        else:
            labels.append([line])
    cuts = []
    for upper, lower in itertools.pairwise(labels):
        low = max(c.bottom for c in upper[-1]) - EDGE
        high = min(c.top for c in lower[0]) + EDGE
        between = [y for y in rows if low <= y <= high]
        if between:
            cuts.append(between[-1])
    if len(labels) < MIN_LABELS or not cuts:
        return members or [box]
    edges = [box[1], *cuts, box[3]]
    return [(box[0], top, box[2], bottom) for top, bottom in itertools.pairwise(edges)]


def _wrapped_onto(line: list[Char], after: list[Char], box: Box) -> bool:
    """Is `after` the line `line` was wrapped onto: the next word did not fit after it, and it
    follows at a paragraph's leading (labels of two rows stand further apart)?"""
    gap = min(c.top for c in after) - max(c.bottom for c in line)
    return gap < WRAP_GAP * max(c.size for c in line) and was_wrapped(line, after, box)


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
