"""Excel workbooks (.xlsx; .xls and WPS .et through LibreOffice): each sheet in order is a page
of TextLines and Grids.

A sheet is a plane of cells, not a list of tables, so its rows are sorted into table rows and
text rows: a row that holds a bordered cell (or is covered by a merge from a table row above)
is a table row, and consecutive table rows make one Grid, their merged ranges as spans. A row of
text outside those (a title, `单位：万元`, the 填表人 line) is a TextLine. A sheet without any
borders is split by shape: a row with a single text is a line unless it stands inside a run of
table rows. Several forms on one sheet, or one per sheet, come out the same.

A hidden sheet is not read, and a formula without a cached value is not shown as 0: each gives a
ReadNote (`hidden_sheet`, `uncached_formula`), so the run says what it passed over.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from .archive import check_office_zip
from .errors import ExtractionError
from .model import Block, Cell, Document, ReadNote, TextLine, cells_to_grid
from .xlsx_access import (
    CFB_MAGIC,
    SheetData,
    cfb_is_encrypted,
    looks_like_html,
    read_sheets,
    scan_sheet,
    starts_with,
    workbook_sheets,
)

MAX_UNZIPPED_BYTES = 256 * 2**20  # a real submission's workbook unpacks to a few MiB
MAX_COMPRESSION_RATIO = 200  # sheet XML compresses 10-50 times; a bomb thousands of times
MAX_SHEET_ROWS = 100_000  # a form is tens of rows; a sheet past this is refused unread
MAX_SHEET_CELLS = 5_000_000
ZIP_MAGIC = b"PK\x03\x04"


def extract_xlsx(path: Path) -> Document:
    """Read an .xlsx into its sheets' blocks; raise ExtractionError if it cannot be read."""
    if starts_with(path, CFB_MAGIC):
        if cfb_is_encrypted(path):
            raise ExtractionError(
                "encrypted", f"encrypted workbook: {path.name} needs a password to open"
            )
        return _converted(path, "xlsx")  # an old .xls saved under the new name
    if not starts_with(path, ZIP_MAGIC) and looks_like_html(path):
        return _as_html(path, "xlsx")
    if starts_with(path, ZIP_MAGIC) and not zipfile.is_zipfile(path):
        raise ExtractionError(
            "truncated",
            f"workbook is damaged: {path.name} is cut short at byte {path.stat().st_size:,} "
            "(its zip directory is missing)",
        )
    if not zipfile.is_zipfile(path):
        raise ExtractionError(
            "not_a_zip",
            f"not a workbook: {path.name} is neither a zip archive nor an OLE file",
        )
    return read_workbook(path, "xlsx")


def extract_old_workbook(path: Path) -> Document:
    """Read an .xls or .et: an OLE file through LibreOffice's conversion to .xlsx; one that is
    really an .xlsx or a saved web page (budget systems export both under .xls) directly."""
    fmt = path.suffix.lower().lstrip(".")
    if starts_with(path, ZIP_MAGIC):
        return read_workbook(path, fmt)
    if not starts_with(path, CFB_MAGIC) and looks_like_html(path):
        return _as_html(path, fmt)
    if starts_with(path, CFB_MAGIC) and cfb_is_encrypted(path):
        raise ExtractionError(
            "encrypted", f"encrypted workbook: {path.name} needs a password to open"
        )
    return _converted(path, fmt)


def _converted(path: Path, fmt: str) -> Document:
    import tempfile

    from .legacy import convert_with_libreoffice

    with tempfile.TemporaryDirectory(prefix="selfeval-calc-") as tmp:
        converted = convert_with_libreoffice(path, Path(tmp), "xlsx")
        document = read_workbook(converted, fmt, shown_name=path.name)
    return document


def _as_html(path: Path, fmt: str) -> Document:
    from .html import extract_html

    return replace(extract_html(path), source_format=fmt)


def read_workbook(path: Path, fmt: str, shown_name: str | None = None) -> Document:
    """The sheets of an .xlsx package, in order, each a page; hidden ones noted, not read."""
    name = shown_name or path.name
    check_office_zip(path, "workbook", MAX_UNZIPPED_BYTES, MAX_COMPRESSION_RATIO)
    notes: list[ReadNote] = []
    visible: list[tuple[int, str]] = []
    try:
        with zipfile.ZipFile(path) as archive:
            entries = workbook_sheets(archive)
            for number, entry in enumerate(entries, start=1):
                if entry.state != "visible":
                    notes.append(_hidden_note(name, entry.name, number))
                    continue
                if entry.part is None:
                    continue  # a chart sheet: no cells
                try:
                    size = scan_sheet(archive, entry.part, MAX_SHEET_ROWS, MAX_SHEET_CELLS)
                except ValueError as exc:
                    raise ExtractionError(
                        "too_large",
                        f"workbook refused: {name} sheet {entry.name} has {exc}, "
                        "refused before it is loaded",
                    ) from exc
                notes.extend(_uncached_note(name, entry.name, number, r) for r in size.uncached)
                visible.append((number, entry.name))
        sheets = read_sheets(path, [sheet for _, sheet in visible])
    except ExtractionError:
        raise
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ExtractionError("corrupt", f"workbook is damaged: {name} ({exc})") from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("lxml", "xml", "openpyxl")):
            raise ExtractionError(
                "corrupt", f"workbook is damaged: {name}: bad XML ({exc})"
            ) from exc
        raise
    blocks: list[Block] = []
    for (number, _), sheet in zip(visible, sheets, strict=True):
        blocks.extend(sheet_to_blocks(sheet, number))
    return Document(blocks=tuple(blocks), source_format=fmt, pages=len(entries), notes=tuple(notes))


def _hidden_note(file_name: str, sheet: str, number: int) -> ReadNote:
    return ReadNote(
        rule="hidden_sheet",
        message=f"{file_name}: sheet {number} ({sheet}) is hidden and was not read",
        page=number,
    )


def _uncached_note(file_name: str, sheet: str, number: int, ref: str) -> ReadNote:
    return ReadNote(
        rule="uncached_formula",
        message=f"{file_name}: sheet {sheet} cell {ref} holds a formula with no saved result "
        "(the file was not recalculated when saved); it is read as blank",
        page=number,
    )


# ----------------------------------------------------------------------------------------
# A sheet's cells → TextLines and Grids
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    """A cell of the sheet as a person sees it: a merged range once, or a single cell."""

    row: int
    col: int
    last_row: int
    last_col: int
    text: str
    bordered: bool


def sheet_regions(sheet: SheetData) -> dict[tuple[int, int], _Region]:
    """Every cell with text or a border, a merged range once at its top-left slot."""
    regions: dict[tuple[int, int], _Region] = {}
    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in sheet.merges:
        top = sheet.cells.get((r0, c0))
        bordered = any(
            sheet.cells[(r, c)].bordered
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
            if (r, c) in sheet.cells
        )
        regions[(r0, c0)] = _Region(r0, c0, r1, c1, top.text if top else "", bordered)
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    for (r, c), cell in sheet.cells.items():
        if (r, c) not in covered:
            regions[(r, c)] = _Region(r, c, r, c, cell.text, cell.bordered)
    return regions


def sheet_to_blocks(sheet: SheetData, page: int) -> list[Block]:
    """The sheet's rows, top to bottom, as TextLines and Grids (see the module docstring)."""
    regions = sheet_regions(sheet)
    by_row: dict[int, list[_Region]] = {}
    for region in regions.values():
        by_row.setdefault(region.row, []).append(region)
    if not by_row:
        return []
    kinds = classify_rows(regions, by_row, any(r.bordered for r in regions.values()))
    blocks: list[Block] = []
    run: list[int] = []
    for row in range(1, max(by_row) + 1):
        if kinds.get(row) == "table":
            run.append(row)
            continue
        if run:
            blocks.append(rows_to_grid(run, regions, page))
            run = []
        if kinds.get(row) == "line":
            text = "  ".join(r.text for r in sorted(by_row[row], key=lambda r: r.col) if r.text)
            blocks.extend(
                TextLine(text=line, page=page) for line in text.split("\n") if line.strip()
            )
    if run:
        blocks.append(rows_to_grid(run, regions, page))
    return blocks


def classify_rows(
    regions: dict[tuple[int, int], _Region], by_row: dict[int, list[_Region]], borders: bool
) -> dict[int, str]:
    """Each row with something in it: `table` or `line` (rows not listed are blank)."""
    kinds: dict[int, str] = {}
    tall = [r for r in regions.values() if r.last_row > r.row]  # merged down over rows
    for row in sorted(by_row):
        starting = by_row[row]
        from_above = any(kinds.get(r.row) == "table" for r in tall if r.row < row <= r.last_row)
        texts = [r for r in starting if r.text.strip()]
        if from_above or (borders and any(r.bordered for r in starting)):
            kinds[row] = "table"
        elif not texts:
            continue
        elif borders or len(texts) == 1:
            kinds[row] = "line"
        else:
            kinds[row] = "table"
    if not borders:
        _keep_lone_cells_in_tables(kinds, by_row)
    return kinds


def _keep_lone_cells_in_tables(kinds: dict[int, str], by_row: dict[int, list[_Region]]) -> None:
    """In a sheet without borders, a one-text row between two table rows (a template row
    `……`, a row left mostly blank) stays in its table unless it spans the table's width."""
    for row in sorted(kinds):
        if kinds[row] != "line":
            continue
        above, below = kinds.get(row - 1), kinds.get(row + 1)
        if above != "table" or below != "table":
            continue
        width = [r for r in by_row.get(row - 1, []) + by_row.get(row + 1, [])]
        left = min(r.col for r in width)
        right = max(r.last_col for r in width)
        lone = by_row[row][0]
        if not (lone.col <= left and lone.last_col >= right):
            kinds[row] = "table"


def rows_to_grid(rows: list[int], regions: dict[tuple[int, int], _Region], page: int):
    """Consecutive table rows → a Grid: each region starting in them once, at its slot
    relative to the run's top-left, its span clipped to the run."""
    first, last = rows[0], rows[-1]
    inside = [r for r in regions.values() if first <= r.row <= last]
    left = min(r.col for r in inside)
    right = max(r.last_col for r in inside)
    bordered = any(r.bordered for r in inside)
    cells: list[Cell] = []
    covered: set[tuple[int, int]] = set()
    for region in inside:
        rowspan = min(region.last_row, last) - region.row + 1
        cells.append(
            Cell(
                row=region.row - first,
                col=region.col - left,
                text=region.text,
                rowspan=rowspan,
                colspan=region.last_col - region.col + 1,
                page=page,
            )
        )
        covered.update(
            (r, c)
            for r in range(region.row, region.row + rowspan)
            for c in range(region.col, region.last_col + 1)
        )
    if not bordered:  # no borders to tell a cell from a gap: every empty slot is a blank cell
        cells.extend(
            Cell(row=r - first, col=c - left, text="", page=page)
            for r in range(first, last + 1)
            for c in range(left, right + 1)
            if (r, c) not in covered
        )
    return cells_to_grid(cells)
