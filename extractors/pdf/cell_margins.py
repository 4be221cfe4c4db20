"""A label column printed with no rules at all, taken back into its table.

A spreadsheet prints only the borders it was given: where a department left the whole of
column A unruled, its labels (部门（单位）名称, the block labels, 总分) stand left of the ruled
table, beside their rows, with no cell round them, and read as lines outside the table they
leave their rows' values without a name. Where two labels or more stand so (a label: a line, or
lines one under the next at a paragraph's leading) left of the table's side, within its height,
each becomes a cell of a column added at the table's left (from the labels' left): the rows it
stands beside, from its first to its last. Two labels or more must start where a line over or
under the table starts (column A, at the page's text margin, as the title or the 填表人 line):
a strip of a sheet printed across pages draws a cut cell's text on into the margin beside its
table, at no such place.
"""

from __future__ import annotations

from extractors.pdf.cell_rows import chars_to_lines
from extractors.pdf.page import Char
from extractors.tables import Box

REACH = 0.3  # of the table's width: a label starts at most this far left of the table's side
LEADING = 0.8  # of the font size: a label's next line follows closer than this
ALIGN = 1.5  # points: texts whose left ends lie this near start at one place
EDGE = 1.0  # points: a row this near a label's top or foot is not beside it
MIN_LABELS = 2


def labels_left_of_table(cells: list[Box], chars: tuple[Char, ...]) -> list[Box]:
    """The cells of the label column printed left of the table with no rules (see the
    module's docstring), or none."""
    if not cells:
        return []
    left, right = min(c[0] for c in cells), max(c[2] for c in cells)
    top, bottom = min(c[1] for c in cells), max(c[3] for c in cells)
    near = [
        ch
        for ch in chars
        if ch.upright
        and ch.x1 <= left + EDGE
        and top <= (ch.top + ch.bottom) / 2 <= bottom
        and left - ch.x0 <= REACH * (right - left)
    ]
    if any(ch.x0 < 0 for ch in near):
        return []  # a cut cell's text run on past a strip's edge
    labels = _labels(near)
    if len(labels) < MIN_LABELS or not _at_margin(labels, chars, top, bottom):
        return []
    rows = sorted({c[1] for c in cells} | {c[3] for c in cells})
    x0 = min(ch.x0 for ch in near) - EDGE
    out: list[Box] = []
    for label in labels:
        first, last = min(c.top for c in label), max(c.bottom for c in label)
        upper = max((y for y in rows if y <= first + EDGE), default=top)
        lower = min((y for y in rows if y >= last - EDGE), default=bottom)
        if out and upper < out[-1][3]:
            upper = out[-1][3]  # two labels beside one row: the row is the upper one's
        if lower > upper:
            out.append((x0, upper, left, lower))
    return out if len(out) >= MIN_LABELS else []


def _at_margin(
    labels: list[list[Char]], chars: tuple[Char, ...], top: float, bottom: float
) -> bool:
    """Do two labels or more start where a line over or under the table starts (the sheet's
    column A, at the page's text margin, as its title, 附件 or 填表人 line)?"""
    starts = [min(c.x0 for c in label) for label in labels]
    lines = chars_to_lines([c for c in chars if not top <= (c.top + c.bottom) / 2 <= bottom])
    margins = {min(c.x0 for c in line) for line in lines}
    return any(sum(1 for x in starts if abs(x - m) <= ALIGN) >= MIN_LABELS for m in margins)


def _labels(chars: list[Char]) -> list[list[Char]]:
    """The characters in labels, top to bottom: a line, or lines each following the one over it
    at a paragraph's leading."""
    labels: list[list[Char]] = []
    last_bottom = None
    for line in chars_to_lines(chars):
        line_top = min(c.top for c in line)
        size = max(c.size for c in line)
        if labels and last_bottom is not None and line_top - last_bottom < LEADING * size:
            labels[-1].extend(line)
        else:
            labels.append(list(line))
        last_bottom = max(c.bottom for c in line)
    return labels
