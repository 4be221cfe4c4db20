"""Text a page break leaves outside a table: a merged cell's text drawn past the cut.

A spreadsheet prints a merged cell that a page break runs through on both pages, its text
where the whole cell would put it: often in the margin under the table's last row (its middle
falls past the foot of the page) or over the next page's first row, clipped away on paper but
kept in the file. Such lines stand between a table and its continuation and would end it. A
line in the margin under a part, within a cell that reaches the part's foot (or over the next
part, within a cell that starts at its head), where the next part continues the table, is that
cell's text: it goes into the cell (if the cell shows it already, it is not read twice). A
line wholly past the paper's edge there repeats what the other page shows, and is passed over.
"""

from __future__ import annotations

from dataclasses import replace

from extractors.model import TextLine
from extractors.tables import EDGE_TOLERANCE, TablePart, continues

Item = TablePart | TextLine
MARGIN = 72.0  # points: a line this near a part's foot or head may be a cut cell's text


def margin_text_into_cells(items: list[Item]) -> list[Item]:
    """The items with the cut cells' lines between two parts of one table put into the cells."""
    out = list(items)
    i = 0
    while i < len(out):
        part = out[i]
        j = i + 1
        while j < len(out) and isinstance(out[j], TextLine):
            j += 1
        if isinstance(part, TablePart) and j < len(out) and j > i + 1:
            nxt = out[j]
            assert isinstance(nxt, TablePart)
            lines = [line for line in out[i + 1 : j] if isinstance(line, TextLine)]
            placed = _place(part, nxt, lines) if continues(part, nxt) else None
            if placed is not None:
                out[i : j + 1] = placed
                continue
        i += 1
    return out


def _place(part: TablePart, nxt: TablePart, lines: list[TextLine]) -> list[Item] | None:
    """The two parts with every line put into its cell, or None if any line is no cut cell's
    (a footer, a title: the parts are then two tables)."""
    found: dict[tuple[bool, int], list[str]] = {}
    for line in lines:
        under = line.page == part.page
        cell = _cell_under(part, line) if under else _cell_over(nxt, line)
        cut = bool(part.cut_bottom or nxt.cut_top)  # no rule drawn at the break: a cut table
        if (
            cell is None
            and cut
            and (line.off_page or _repeated(line, nxt if under else part, under))
        ):
            continue  # past the paper's edge, or the other page's cells show it
        if cell is None:
            return None
        found.setdefault((under, cell), []).append(line.text)
    texts_a, texts_b = list(part.texts), list(nxt.texts)
    for (under, cell), found_lines in found.items():
        texts = texts_a if under else texts_b
        texts[cell] = _with_lines(texts[cell], found_lines, after=under)
    return [replace(part, texts=tuple(texts_a)), replace(nxt, texts=tuple(texts_b))]


def _repeated(line: TextLine, other: TablePart, at_head: bool) -> bool:
    """Is every piece of the line (the texts of cut cells side by side, run into one line) the
    text of a cell at the other part's head (`at_head`) or foot, within that cell's columns?"""
    assert line.bbox is not None
    edge = other.bbox[1] if at_head else other.bbox[3]
    cells = [
        "".join(text.split())
        for box, text in zip(other.boxes, other.texts, strict=True)
        if abs((box[1] if at_head else box[3]) - edge) <= EDGE_TOLERANCE
        and box[0] - EDGE_TOLERANCE <= line.bbox.x1
        and line.bbox.x0 <= box[2] + EDGE_TOLERANCE
    ]
    pieces = line.text.split()
    return bool(pieces) and all(any(piece in text for text in cells) for piece in pieces)


def _within(box, line: TextLine) -> bool:
    assert line.bbox is not None
    return box[0] - EDGE_TOLERANCE <= line.bbox.x0 and line.bbox.x1 <= box[2] + EDGE_TOLERANCE


def _cell_under(part: TablePart, line: TextLine) -> int | None:
    """The cell cut at the part's foot (no rule drawn there) that the line, in the margin
    under it (or across the foot: a merged cell's text centred on the page break), lies
    within."""
    if line.bbox is None or not _beyond(part.bbox[3], line.bbox.top, line.bbox.bottom):
        return None
    for i in part.cut_bottom:
        if _within(part.boxes[i], line):
            return i
    return None


def _cell_over(part: TablePart, line: TextLine) -> int | None:
    """The cell cut at the part's head (no rule drawn there) that the line, in the margin over
    it (or across the head: a merged cell's text centred on the page break), lies within."""
    if line.bbox is None or not _beyond(
        -part.bbox[1], -line.bbox.bottom, -line.bbox.top, 2 * MARGIN
    ):
        return None
    for i in part.cut_top:
        if _within(part.boxes[i], line):
            return i
    return None


def _beyond(edge: float, near: float, far: float, margin: float = MARGIN) -> bool:
    """Does a line from `near` to `far` (past the part's `edge`, downwards) lie in the margin
    beyond the edge, or across it with its middle beyond? (Over a part's head the margin is
    wider: a tall merged cell's label a character a line, centred on the whole cell, reaches
    over the title rows printed there.)"""
    return 0 <= near - edge <= margin or (near < edge < (near + far) / 2)


def _with_lines(text: str, lines: list[str], after: bool) -> str:
    """The cell's text with its lines found outside: already shown, or added at its end (lines
    under the part) or its start (over it)."""
    block = "\n".join(lines)
    if "".join(block.split()) in "".join(text.split()):
        return text
    if not text:
        return block
    return f"{text}\n{block}" if after else f"{block}\n{text}"
