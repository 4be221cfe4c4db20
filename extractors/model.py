"""The core model every extractor produces: a document as blocks of text lines and table grids.

A merged cell is stored once, at its top-left slot, with its row and column span. Turning that
into a dense slot matrix (every covered slot pointing at its owner) is the explicit step
`fill_covered_slots`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class BBox:
    """A rectangle on a PDF page, in points, origin top-left (pdfplumber's convention)."""

    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class Cell:
    """One cell of a table grid: its top-left slot, its span and its text as read."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None
    bbox: BBox | None = None
    confidence: float = 1.0
    # each character's confidence where a scan's recogniser gave them (a one-line cell);
    # empty: `confidence` stands for all
    char_confidences: tuple[float, ...] = ()

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1


@dataclass(frozen=True)
class Grid:
    """A table: its cells (each merged cell once) and its size in slots."""

    cells: tuple[Cell, ...]
    n_rows: int
    n_cols: int

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({c.page for c in self.cells if c.page is not None}))


@dataclass(frozen=True)
class TextLine:
    """A line of text outside any table (a title, a note, the footer under a form)."""

    text: str
    page: int | None = None
    bbox: BBox | None = None
    confidence: float = 1.0
    off_page: bool = False  # drawn partly past the paper's edge: a page's cut through it
    # each character's confidence where a scan's recogniser gave them (a seal over a title's
    # unit leaves its project's name beyond the seal sure); empty: `confidence` stands for all
    char_confidences: tuple[float, ...] = ()


Block = TextLine | Grid


@dataclass(frozen=True)
class ReadNote:
    """Something an extractor passed over or could not read in a file it otherwise read (a
    hidden sheet, a formula with no cached value): it becomes a warning finding, never silence.
    `rule` is an id of the rule catalogue (`pipeline/checks/rules.py`)."""

    rule: str
    message: str
    page: int | None = None


@dataclass(frozen=True)
class Document:
    """What an extractor read from one file: its blocks in reading order."""

    blocks: tuple[Block, ...]
    source_format: str
    pages: int | None = None
    notes: tuple[ReadNote, ...] = field(default=())
    # how the file was read when not the usual way (a PDF PDFium handed to pdfplumber): the
    # documents row's error_code `read_by_reference` with this as its error
    reader_note: str | None = None


def fill_covered_slots(grid: Grid) -> list[list[Cell | None]]:
    """Return a dense n_rows × n_cols matrix where each slot holds the cell covering it.

    Slots that no cell covers (ragged Word rows, gridBefore/gridAfter) hold None.
    """
    slots: list[list[Cell | None]] = [[None] * grid.n_cols for _ in range(grid.n_rows)]
    for cell in grid.cells:
        for r in range(cell.row, min(cell.row + cell.rowspan, grid.n_rows)):
            for c in range(cell.col, min(cell.col + cell.colspan, grid.n_cols)):
                slots[r][c] = cell
    return slots


def cells_to_grid(cells: list[Cell]) -> Grid:
    """Build a Grid from cells already placed at slots, sizing it to fit them all."""
    n_rows = max((c.row + c.rowspan for c in cells), default=0)
    n_cols = max((c.col + c.colspan for c in cells), default=0)
    ordered = tuple(sorted(cells, key=lambda c: (c.row, c.col)))
    return Grid(cells=ordered, n_rows=n_rows, n_cols=n_cols)


# characters no document shows (C0 controls but tab and line breaks, DEL): a file that holds
# them in its text is damaged, or was made to carry them
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(document: Document, name: str) -> Document:
    """The document with control characters removed from its text, and a `damaged_part` note
    for each page whose text held them (a value is never changed in silence)."""
    touched: Counter[int | None] = Counter()

    def clean(text: str, page: int | None) -> str:
        if _CONTROL.search(text) is None:
            return text
        touched[page] += 1
        return _CONTROL.sub("", text)

    blocks: list[Block] = []
    for block in document.blocks:
        if isinstance(block, Grid):
            cells = tuple(replace(c, text=clean(c.text, c.page)) for c in block.cells)
            blocks.append(block if cells == block.cells else replace(block, cells=cells))
        else:
            text = clean(block.text, block.page)
            blocks.append(block if text == block.text else replace(block, text=text))
    if not touched:
        return document
    notes = tuple(
        ReadNote(
            "damaged_part",
            f"{name}"
            + (f" 第 {page} 页" if page is not None else "")
            + f"：有 {count} 处文字含有文档中不会显示的控制字符（已删除；文件可能已损坏）",
            page=page,
        )
        for page, count in sorted(touched.items(), key=lambda item: item[0] or 0)
    )
    return replace(document, blocks=tuple(blocks), notes=document.notes + notes)
