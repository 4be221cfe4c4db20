"""Texts a spreadsheet let run over or under their row, told from where their glyphs stand.

A row left at the height a template gave it (Calc fits no row to a wrapped text the workbook
set by hand) holds fewer lines than its text wraps to. Calc centres the wrapped text on the
row: the lines past the row's top and foot are either drawn across the rules, into the rows
beside (the cells there then hold a line of another's text), or left out of the file (the
cell holds only the lines in the middle). Either way what the cells show is unsure.
"""

from __future__ import annotations

from extractors.pdf.cell_clips import RULE_TOLERANCE
from extractors.pdf.page import Char

OVERFLOW = 0.3  # of a glyph's height: a glyph standing this far past its cell's top or foot


def row_overflows(
    chars: tuple[Char, ...], owners: dict[int, int], boxes: tuple, top: float, bottom: float
) -> set[int]:
    """The cells a wrapped text overflowed over or under (a row left at its default height
    by a spreadsheet, its text centred on it running over the rules into the rows beside):
    the cell holding a glyph that stands well across an inner row rule, and the cell past that
    rule, whose text may hold the other's lines (`——` with the header line under it)."""
    out: set[int] = set()
    for index, cell in owners.items():
        ch, box = chars[index], boxes[cell]
        reach = OVERFLOW * (ch.bottom - ch.top)
        for rule, past in ((box[1], ch.top < box[1] - reach), (box[3], ch.bottom > box[3] + reach)):
            if (
                not past
                or abs(rule - top) <= RULE_TOLERANCE
                or abs(rule - bottom) <= RULE_TOLERANCE
            ):
                continue
            out.add(cell)
            out |= {
                other
                for other, b in enumerate(boxes)
                if other != cell
                and b[0] < ch.x1
                and ch.x0 < b[2]
                and (abs(b[3] - rule) <= RULE_TOLERANCE or abs(b[1] - rule) <= RULE_TOLERANCE)
            }
    return out


ROOM = 0.5  # of a line's height: a cell with less room than this over and under its lines is full
SHEET_PADDING = 0.3  # of the size: a spreadsheet starts a cell's text this near its left
WHOLE_ENDS = "。.!！?？)）%"  # a text ending on one of these ends there
LONG_TEXT = 12  # Chinese characters: fewer make a label or a number, not a wrapped passage


def clipped_passages(chars_by_cell: list[list[Char]], boxes: tuple) -> set[int]:
    """The cells whose text is a passage cut short by their row: lines filling the cell from
    top to foot with less than half a line to spare, set at a spreadsheet's narrow padding, the
    last one running to the cell's right edge and stopping mid-sentence (the lines that would
    follow it, or come before it, left out of the file)."""
    out: set[int] = set()
    for cell, (chars, box) in enumerate(zip(chars_by_cell, boxes, strict=True)):
        text = "".join(ch.text for ch in chars if not ch.text.isspace())
        words = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        if words < LONG_TEXT or text[-1] in WHOLE_ENDS:  # (a number, a telephone: no passage)
            continue
        size = max(ch.size for ch in chars)
        top, foot = min(ch.top for ch in chars), max(ch.bottom for ch in chars)
        if (top - box[1]) + (box[3] - foot) >= ROOM * size:
            continue  # room over and under the lines: the text is all there
        if min(ch.x0 for ch in chars) - box[0] > SHEET_PADDING * size:
            continue  # set in from the cell's side as a word processor sets it (its rows grow)
        last = [ch for ch in chars if abs(ch.bottom - foot) <= RULE_TOLERANCE]
        if box[2] - max(ch.x1 for ch in last) <= size:
            out.add(cell)
    return out
