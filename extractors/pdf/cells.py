"""A ruled table's characters into its cells, and a cell's characters into its text.

A character goes to the cell whose box holds its centre. A spreadsheet prints a text too long
for its cell over the empty cells beside it (or past the table's edge), or clips it at the
cell's edge while the whole text stays in the file; a browser may do the same with a long word.
So the characters are first taken as runs (one baseline, no gap wider than a few spaces, no
ruling line in a gap), and a run that crosses a column rule goes whole to the one cell it is
aligned in (its start at a cell's left, its end at a cell's right, or its middle at a cell's
middle): the value is the cell's whole text, never the piece inside the box, never a
neighbour's. Where that cannot be told (no alignment fits, or the run lies over another cell's
text), the cell is read with the run and marked uncertain (confidence UNCERTAIN), which the
pipeline reports as a finding. A text clipped at its edge with only the part printed in the
file (cell_clips) ends its run at the cut glyph: its cell holds the part printed (uncertain),
the neighbour its own text.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from dataclasses import dataclass

from extractors.pdf.cell_bands import boxes_cut_at_label_lines
from extractors.pdf.cell_clips import (
    BASELINE_TOLERANCE,
    RULE_TOLERANCE,
    chars_by_line,
    edge_cuts,
    lie_over,
    texts_behind,
)
from extractors.pdf.cell_columns import boxes_cut_at_columns
from extractors.pdf.cell_gutters import boxes_cut_at_gutters
from extractors.pdf.cell_overflow import clipped_passages, row_overflows
from extractors.pdf.cell_rows import cells_cut_at_rows, chars_to_lines
from extractors.pdf.cell_shades import boxes_cut_in_shades
from extractors.pdf.page import Char, cells_bbox
from extractors.tables import (
    Box,
    TablePart,
    WrappedLine,
    is_latin_letter,
    join_wrapped_lines,
    merge_edges,
    nearest_edge,
)

WORD_GAP = 0.25  # of the font size: a wider gap between two characters is a space
RUN_GAP = 1.0  # of the font size: a wider gap ends a run (a cell's text is never this loose)
CUT_OVERLAP = 1.0  # points: a character this far over a table's foot stands across it
CELL_PADDING = 5.4  # points: the usual inner margin of a Word cell (0.19 cm)
UNCERTAIN = 0.5  # the confidence of a cell whose text may hold another cell's, or miss some
_QUOTES = set("“”‘’\"'")
_NO_LINE_START = set("、。，．；：？！）」』】〕》〉%％") | _QUOTES
_NO_LINE_END = set("（「『【〔《〈") | _QUOTES


@dataclass(frozen=True)
class TableRead:
    """A table part and the indexes (into the page's characters) of the characters it took."""

    part: TablePart
    taken: frozenset[int]


def in_table(ch: Char, bbox: Box) -> bool:
    """Is the character the table's: its centre inside, or it stands across the table's foot
    (a browser cuts a row at the page's foot through its last line of text)."""
    cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
    if not bbox[0] <= cx <= bbox[2]:
        return False
    return bbox[1] <= cy <= bbox[3] or ch.top < bbox[3] - CUT_OVERLAP < ch.bottom


def table_to_part(
    chars: tuple[Char, ...],
    cells: list,
    number: int,
    cuts: list[Box] = (),
    paint: tuple[list[Box], list[Box]] = ((), ()),
) -> TableRead:
    """Assign each character of the table's area to its cell: by its centre, or with the run
    it belongs to when that run crosses a column rule. `cuts`: the upright rules a page's
    side cut left out (a cell whose side is one was cut there). `paint`: the page's shades
    and its rules (page.shade_boxes, page.rule_boxes), which tell a shaded label band."""
    boxes = tuple(tuple(map(float, c)) for c in cells)
    open_sides = _cut_sides(boxes, cuts, 0) | _cut_sides(boxes, cuts, 2)
    whole = frozenset(boxes[i] for i in open_sides)
    boxes = boxes_cut_in_shades(boxes, chars, *paint)
    boxes = boxes_cut_at_gutters(boxes_cut_at_columns(boxes, chars, whole), chars)
    boxes = boxes_cut_at_label_lines(boxes, chars)
    x_values = {b[0] for b in boxes} | {b[2] for b in boxes}
    y_values = {b[1] for b in boxes} | {b[3] for b in boxes}
    xs, ys = merge_edges(sorted(x_values)), merge_edges(sorted(y_values))
    col_of = {v: nearest_edge(xs, v) for v in x_values}  # each coordinate's ruling line, once
    row_of = {v: nearest_edge(ys, v) for v in y_values}
    slot_owner: dict[tuple[int, int], int] = {}
    for i, b in enumerate(boxes):
        for r in range(row_of[b[1]], row_of[b[3]]):
            for c in range(col_of[b[0]], col_of[b[2]]):
                slot_owner[(r, c)] = i
    bbox = cells_bbox(cells)
    top, bottom = bbox[1], bbox[3]

    def owner_of(ch: Char, x: float | None = None) -> int | None:
        """The cell holding the character's centre (or the point of its line at `x`)."""
        cx = (ch.x0 + ch.x1) / 2 if x is None else x
        cy = min((ch.top + ch.bottom) / 2, bottom - CUT_OVERLAP)
        r = bisect.bisect_right(ys, cy) - 1
        c = bisect.bisect_right(xs, cx) - 1
        return slot_owner.get((r, c))

    owners: dict[int, int] = {}
    for index, ch in enumerate(chars):  # by centre: a crop would clip the characters over the frame
        if in_table(ch, bbox):
            owner = owner_of(ch)
            if owner is not None:
                owners[index] = owner
    held_by = Counter(owners.values())  # each cell's characters by centre, before the runs
    uncertain: set[int] = set()
    row_band = [i for i, ch in enumerate(chars) if top <= (ch.top + ch.bottom) / 2 <= bottom]
    spilled = False  # a text of the table ran over a column rule
    cut_whole, hidden = texts_behind(chars, row_band, xs, owner_of)
    owners |= cut_whole | hidden  # a text drawn whole under its clip behind the neighbour's
    anchors = frozenset(cut_whole)
    row_band = [i for i in row_band if i not in hidden]
    cut_glyphs = {
        i: cut for i, cut in edge_cuts(chars, row_band, xs, owner_of).items() if i not in anchors
    }
    for index, cut in cut_glyphs.items():  # the glyph its cell's edge cut through is its cell's
        owners[index] = cut.cell
        if cut.doubted is not None:
            uncertain.add(cut.doubted)
    for run, overlapped in _runs(chars, row_band, xs, frozenset(cut_glyphs) | anchors):
        held = Counter(owners.get(i) for i in run)
        if len(held) < 2 or set(held) == {None}:
            continue  # inside one cell, or wholly outside the table
        spilled = True
        owner, sure = _run_owner(chars, run, owners, boxes)
        covered = any(
            held_by[cell] > count for cell, count in held.items() if cell not in (owner, None)
        )  # a cell it crosses holds text of its own: the run is clipped under it
        for i in run:
            owners[i] = owner
        if not sure or overlapped or covered:
            uncertain.add(owner)
    # a cell whose text was cut at its edge holds only the part printed: unsure
    uncertain |= {owners[i] for i in cut_glyphs}
    overflowed = row_overflows(chars, owners, boxes, top, bottom)
    uncertain |= overflowed
    if spilled:  # and two texts printed one over the other (one clipped under the other)
        over = _overlapping(chars, row_band, frozenset(cut_glyphs) | anchors)
        uncertain |= {owners[i] for i in over if i in owners}
    chars_by_cell: list[list[Char]] = [[] for _ in boxes]
    for index, owner in sorted(owners.items()):
        chars_by_cell[owner].append(chars[index])
    uncertain |= clipped_passages(chars_by_cell, boxes)
    boxes, chars_by_cell, uncertain = _cut_at_rows(boxes, chars_by_cell, ys, uncertain)
    texts = tuple(
        chars_to_text(cell_chars, box) if cell_chars else ""
        for cell_chars, box in zip(chars_by_cell, boxes, strict=True)
    )
    confidences = (
        tuple(UNCERTAIN if i in uncertain else 1.0 for i in range(len(boxes))) if uncertain else ()
    )
    part = TablePart(
        page=number,
        boxes=boxes,
        texts=texts,
        bbox=bbox,
        confidences=confidences,
        cut_left=_cut_sides(boxes, cuts, 0),
        cut_right=_cut_sides(boxes, cuts, 2),
        cut_top=_cut_ends(boxes, cuts, 1),
        cut_bottom=_cut_ends(boxes, cuts, 3),
    )
    return TableRead(part=part, taken=frozenset(owners))


def _cut_at_rows(
    boxes: tuple[Box, ...], chars_by_cell: list[list[Char]], rows: list[float], uncertain: set[int]
) -> tuple[tuple[Box, ...], list[list[Char]], set[int]]:
    """The cells with each one spanning rows whose rule was left out cut back (cell_rows)."""
    new_boxes: list[Box] = []
    new_chars: list[list[Char]] = []
    new_uncertain: set[int] = set()
    for index, (box, cell_chars) in enumerate(zip(boxes, chars_by_cell, strict=True)):
        for piece_box, piece_chars in cells_cut_at_rows(box, cell_chars, rows):
            if index in uncertain:
                new_uncertain.add(len(new_boxes))
            new_boxes.append(piece_box)
            new_chars.append(piece_chars)
    return tuple(new_boxes), new_chars, new_uncertain


def _cut_sides(boxes: tuple[Box, ...], cuts: list[Box], side: int) -> frozenset[int]:
    """The cells whose left (`side` 0) or right (2) side lies on a rule a side cut left out."""
    tol = RULE_TOLERANCE * 2
    return frozenset(
        i
        for i, box in enumerate(boxes)
        for cut in cuts
        if cut[0] == cut[2]
        and abs(box[side] - cut[0]) <= tol
        and cut[1] - tol <= box[1]
        and box[3] <= cut[3] + tol
    )


def _cut_ends(boxes: tuple[Box, ...], cuts: list[Box], end: int) -> frozenset[int]:
    """The cells whose top (`end` 1) or bottom (3) lies on a rule a page break left out."""
    tol = RULE_TOLERANCE * 2
    return frozenset(
        i
        for i, box in enumerate(boxes)
        for cut in cuts
        if cut[1] == cut[3]
        and abs(box[end] - cut[1]) <= tol
        and cut[0] - tol <= box[0]
        and box[2] <= cut[2] + tol
    )


def _runs(
    chars: tuple[Char, ...], indexes: list[int], xs: list[float], cuts: frozenset[int] = frozenset()
):
    """The runs among the characters: one baseline, left to right, split where a gap is wider
    than RUN_GAP, where a gap holds a column rule, after a glyph cut at its cell's edge
    (`cuts`), and where two characters lie over each other (two texts printed one over the
    other); each with whether it touched such an overlap."""
    by_line = chars_by_line(chars, indexes)
    run: list[int] = []
    overlapped = False
    for i in by_line:
        ch = chars[i]
        if run:
            last = chars[run[-1]]
            same_line = abs(ch.bottom - last.bottom) <= BASELINE_TOLERANCE
            gap = ch.x0 - last.x1
            over = lie_over(last, ch)
            ruled = any(last.x1 - RULE_TOLERANCE <= x <= ch.x0 + RULE_TOLERANCE for x in xs)
            cut = run[-1] in cuts
            if not same_line or over or cut or gap > RUN_GAP * ch.size or (gap > 0 and ruled):
                if len(run) > 1:
                    yield run, overlapped
                overlapped = over
                run = []
        run.append(i)
    if len(run) > 1:
        yield run, overlapped


def _overlapping(
    chars: tuple[Char, ...], indexes: list[int], cuts: frozenset[int] = frozenset()
) -> set[int]:
    """The characters lying over another on their line by more than half their width (but a
    glyph cut at its cell's edge, `cuts`, and the neighbour's text over its cut-off part)."""
    found: set[int] = set()
    for a, b in itertools.pairwise(chars_by_line(chars, indexes)):
        if a not in cuts and lie_over(chars[a], chars[b]):
            found.update((a, b))
    return found


def _run_owner(
    chars: tuple[Char, ...], run: list[int], owners: dict[int, int], boxes: tuple[Box, ...]
) -> tuple[int, bool]:
    """The cell a run crossing column rules belongs to, and whether that is certain: the cell
    its start is aligned at (left), its end (right) or its middle (centred)."""
    first, last = chars[run[0]], chars[run[-1]]
    slack = CELL_PADDING + first.size
    inside = [owners[i] for i in run if i in owners]
    start_cell, end_cell = owners.get(run[0]), owners.get(run[-1])
    if start_cell is not None and first.x0 - boxes[start_cell][0] <= slack:
        return start_cell, True
    if end_cell is not None and boxes[end_cell][2] - last.x1 <= slack:
        return end_cell, True
    middle = (first.x0 + last.x1) / 2
    for cell in dict.fromkeys(inside):
        box = boxes[cell]
        if box[0] <= middle <= box[2]:
            return cell, abs((box[0] + box[2]) / 2 - middle) <= first.size
    return inside[0], False


def chars_to_text(chars: list[Char], box: tuple[float, float, float, float]) -> str:
    """A cell's characters as text: lines the writer broke by hand keep their line break, lines
    the layout wrapped because the next word did not fit are joined back (a space only between
    Latin words)."""
    lines = chars_to_lines(chars)
    for line in lines:
        line.sort(key=lambda c: c.x0)
    room = box[2] - box[0] - 2 * CELL_PADDING
    return join_wrapped_lines([_wrapped_line(line, room) for line in lines], is_latin_letter)


def _wrapped_line(line: list[Char], room: float) -> WrappedLine:
    """One line of characters measured: the room a line starting at the cell's padding leaves
    after it, its widest character, its first unbreakable run."""
    return WrappedLine(
        text=_line_text(line),
        room_left=room - (line[-1].x1 - line[0].x0),
        char_width=max(c.x1 - c.x0 for c in line),
        first_unit=_first_unit_width(line),
    )


def _line_text(line: list[Char]) -> str:
    """The characters of one line, left to right, a space where the gap is a word space."""
    parts: list[str] = []
    previous = None
    for ch in line:
        if previous is not None and ch.x0 - previous.x1 > WORD_GAP * ch.size:
            parts.append(" ")
        parts.append(ch.text)
        previous = ch
    return "".join(parts)


def _first_unit_width(line: list[Char]) -> float:
    """Width of the line's first unbreakable run: a Latin word or number, or a character held
    to its neighbours by line-breaking rules (no 、。”% at a line's start, no “（ at its end)."""
    end = 0
    while end + 1 < len(line):
        here, after = line[end].text, line[end + 1].text
        glued = (
            after in _NO_LINE_START
            or here in _NO_LINE_END
            or (_is_word_char(here) and _is_word_char(after))
        )
        if not glued:
            break
        end += 1
    return line[end].x1 - line[0].x0


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in ".,-+/")
