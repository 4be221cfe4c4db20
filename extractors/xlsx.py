"""Excel workbooks (.xlsx; .xls and WPS .et through LibreOffice): each sheet in order is a page
of TextLines and Grids.

A sheet is a plane of cells, not a list of tables: `extractors/sheet_layout.py` sorts its rows
into table rows (a bordered cell, or a merge from a table row above) and text rows (a title,
`单位：万元`, the 填表人 line), so several forms on one sheet, or one per sheet, come out the same.

A hidden sheet is not read, and a formula without a cached value is not shown as 0: each gives a
ReadNote (`hidden_sheet`, `uncached_formula`), so the run says what it passed over.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

from .archive import check_office_zip
from .errors import ExtractionError
from .model import Block, Document, ReadNote
from .sheet_layout import Region, regions_to_blocks
from .xlsx_access import (
    CFB_MAGIC,
    SheetData,
    cfb_is_encrypted,
    column_letter,
    looks_like_html,
    read_sheets,
    scan_sheet,
    starts_with,
    workbook_sheets,
)

MAX_UNZIPPED_BYTES = 256 * 2**20  # a real submission's workbook unpacks to a few MiB
MAX_COMPRESSION_RATIO = 200  # sheet XML compresses 10-50 times; a bomb thousands of times
MAX_SHEET_ROWS = 100_000  # a form is tens of rows; a sheet past this is refused unread
MAX_SHEET_CELLS = 1_000_000  # cells written in one sheet; openpyxl keeps ~0.5 KiB each
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
        if sheet.hidden_rows or sheet.hidden_cols:
            notes.append(_hidden_cells_note(name, sheet, number))
    return Document(blocks=tuple(blocks), source_format=fmt, pages=len(entries), notes=tuple(notes))


def _hidden_note(file_name: str, sheet: str, number: int) -> ReadNote:
    return ReadNote(
        rule="hidden_sheet",
        message=f"{file_name}: sheet {number} ({sheet}) is hidden and was not read",
        page=number,
    )


def _hidden_cells_note(file_name: str, sheet: SheetData, number: int) -> ReadNote:
    """Rows or columns hidden in Excel that hold text: read, but not what the sender saw."""
    parts = []
    if sheet.hidden_rows:
        parts.append(f"rows {_spans(sheet.hidden_rows)}")
    if sheet.hidden_cols:
        parts.append(f"columns {_spans(sheet.hidden_cols, column_letter)}")
    return ReadNote(
        rule="hidden_cells",
        message=f"{file_name}: sheet {number} ({sheet.name}) has hidden {' and '.join(parts)} "
        "holding text; they were read, though Excel does not show or print them",
        page=number,
    )


def _spans(numbers: tuple[int, ...], shown=str) -> str:
    """1, 2, 3, 7 → `1-3, 7` (with `shown` for each end: a column's letter)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(shown(a) if a == b else f"{shown(a)}-{shown(b)}" for a, b in runs)


def _uncached_note(file_name: str, sheet: str, number: int, ref: str) -> ReadNote:
    return ReadNote(
        rule="uncached_formula",
        message=f"{file_name}: sheet {sheet} cell {ref} holds a formula with no saved result "
        "(the file was not recalculated when saved); it is read as blank",
        page=number,
    )


# ----------------------------------------------------------------------------------------
# A sheet's cells → regions (the layout itself is extractors/sheet_layout.py)
# ----------------------------------------------------------------------------------------


def sheet_regions(sheet: SheetData) -> list[Region]:
    """Every cell with text or a border, a merged range once at its top-left slot."""
    regions: list[Region] = []
    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in sheet.merges:
        top = sheet.cells.get((r0, c0))
        bordered = any(
            sheet.cells[(r, c)].bordered
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
            if (r, c) in sheet.cells
        )
        regions.append(Region(r0, c0, r1, c1, top.text if top else "", bordered))
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    for (r, c), cell in sheet.cells.items():
        if (r, c) not in covered:
            regions.append(Region(r, c, r, c, cell.text, cell.bordered))
    return regions


def sheet_to_blocks(sheet: SheetData, page: int) -> list[Block]:
    """The sheet's rows, top to bottom, as TextLines and Grids."""
    return regions_to_blocks(sheet_regions(sheet), page, fill_gaps=True)
