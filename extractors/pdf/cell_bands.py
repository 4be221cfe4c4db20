"""Rows that no column rules apart, told apart by their label's lines.

A spreadsheet prints only the borders it was given: where a department ruled the funds block's
total row but none of the child rows under it (当年财政拨款, 上年结转资金, 其他资金), those rows
print as one tall row of the table, its label cell holding one line a row and each amount cell
one line a row beside it, read as one cell each they run together (`520.0070.00`). No other
column draws the rules (cell_rows cuts a cell back at those), so the rows are told by the
label's lines: where the label cell's lines are each one whole line (none broken there only
because the next word did not fit), every other cell of the row holds only numbers (or a placeholder, `/`), each on a
line of its own level with a different line of the label, and some cell holds two or more, the
row is cut between the label's lines: each line its own row. The same where every cell of the
row holds entries, each line a name and a colon with an amount after it or none (a dept form's
按收入性质分 / 按支出性质分 block, `其中：一般公共预算：2036.70` beside `其中：基本支出：1344.81`, no
rules between its rows), each line of the other cells level with a different line of the first.
Anything else leaves the row as it is (its values then run together under a label no form knows,
which the mapping flags).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

from extractors.pdf.cell_columns import CELL_PADDING, chars_by_centre
from extractors.pdf.cell_rows import chars_to_lines, is_number_line
from extractors.pdf.page import Char
from extractors.tables import Box

PLACEHOLDERS = frozenset({"/", "／", "-", "—", "——", "－", "--"})
LEVEL = 0.35  # of the font size: two lines whose middles differ less stand level
_ENTRY = re.compile(r"^\D.*[：:]\s*(?:[+-]?\d[\d,]*(?:\.\d+)?)?$")  # 名称：1234.50, or 名称：


def boxes_cut_at_label_lines(boxes: tuple[Box, ...], chars: tuple[Char, ...]) -> tuple[Box, ...]:
    """The table's cell boxes with each row whose rows were printed with no rules between them
    cut into its rows (see the module's docstring); the others as they are."""
    bands: dict[tuple[float, float], list[int]] = defaultdict(list)
    for i, box in enumerate(boxes):
        bands[(box[1], box[3])].append(i)
    chars_in = chars_by_centre(chars)
    cuts: dict[int, list[float]] = {}
    for members in bands.values():
        if len(members) < 2:
            continue
        row = sorted(members, key=lambda i: boxes[i][0])
        ys = band_rows([boxes[i] for i in row], [chars_in(boxes[i]) for i in row])
        for i in row:
            if ys:
                cuts[i] = ys
    if not cuts:
        return boxes
    out: list[Box] = []
    for i, box in enumerate(boxes):
        edges = [box[1], *cuts.get(i, ()), box[3]]
        out.extend((box[0], top, box[2], bottom) for top, bottom in itertools.pairwise(edges))
    return tuple(out)


def band_rows(boxes: list[Box], cell_chars: list[list[Char]]) -> list[float]:
    """The heights to cut one table row at (between its label's lines), or none. `boxes` and
    `cell_chars`: the row's cells left to right and their characters."""
    filled = [(box, chars) for box, chars in zip(boxes, cell_chars, strict=True) if chars]
    if len(filled) < 2:
        return []
    (label_box, label_chars), values = filled[0], filled[1:]
    labels = chars_to_lines(label_chars)
    entries = all(is_entry_line(line) for _, chars in filled for line in chars_to_lines(chars))
    if len(labels) < 2 or any(is_number_line(line) for line in labels):
        return []
    if any(was_wrapped(a, b, label_box) for a, b in itertools.pairwise(labels)):
        return []
    middles = [_middle(line) for line in labels]
    size = max(c.size for c in label_chars)
    most = 0
    for _, chars in values:
        lines = chars_to_lines(chars)
        if not entries and not all(_number_or_blank(line) for line in lines):
            return []
        levels = [_level_of(_middle(line), middles, size) for line in lines]
        if None in levels or len(set(levels)) < len(levels):
            return []  # a line between the label's lines, or two beside one
        most = max(most, len(lines))
    if most < 2:
        return []
    return [
        (max(c.bottom for c in a) + min(c.top for c in b)) / 2
        for a, b in itertools.pairwise(labels)
    ]


def _number_or_blank(line: list[Char]) -> bool:
    """A number, or a placeholder a form writes for none (`/`, `——`)."""
    return is_number_line(line) or "".join(c.text for c in line).strip() in PLACEHOLDERS


def is_entry_line(line: list[Char]) -> bool:
    """Is the line a name and a colon, an amount after it or none (`政府性基金拨款：`)?"""
    return bool(_ENTRY.match("".join(c.text for c in sorted(line, key=lambda c: c.x0)).strip()))


def _middle(line: list[Char]) -> float:
    return sum((c.top + c.bottom) / 2 for c in line) / len(line)


def _level_of(middle: float, middles: list[float], size: float) -> int | None:
    return next((k for k, m in enumerate(middles) if abs(m - middle) <= LEVEL * size), None)


def was_wrapped(line: list[Char], after: list[Char], box: Box) -> bool:
    """Was the line broken only because the next line's first word did not fit after it?"""
    line, after = sorted(line, key=lambda c: c.x0), sorted(after, key=lambda c: c.x0)
    room = box[2] - box[0] - 2 * CELL_PADDING - (line[-1].x1 - line[0].x0)
    word = after[0].x1 - after[0].x0
    for ch in after[1:]:
        if not (ch.text.isascii() and ch.text.isalnum()):
            break
        word = ch.x1 - after[0].x0
    return word > room
