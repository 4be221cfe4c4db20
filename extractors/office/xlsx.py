"""Excel workbooks (.xlsx; .xls and WPS .et through LibreOffice): each sheet in order is a page
of TextLines and Grids.

A sheet is a plane of cells, not a list of tables: `extractors/sheet_layout.py` sorts its rows
into table rows (a bordered cell, or a merge from a table row above) and text rows (a title,
`单位：万元`, the 填表人 line), so several forms on one sheet, or one per sheet, come out the same.

A hidden sheet is not read, and a formula without a cached value is not shown as 0: each gives a
ReadNote (`hidden_sheet`, `uncached_formula`), so the run says what it passed over.
"""

from __future__ import annotations

import bisect
import logging
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

from extractors.archive import check_office_zip
from extractors.errors import ExtractionError
from extractors.model import Block, Document, ReadNote
from extractors.office.xlsx_access import (
    CFB_MAGIC,
    SheetData,
    TooManyCells,
    TooManyRows,
    cfb_is_encrypted,
    column_letter,
    looks_like_html,
    read_sheets,
    scan_sheet,
    starts_with,
    workbook_sheets,
)
from extractors.sheet_layout import Region, regions_to_blocks

MAX_UNZIPPED_BYTES = 256 * 2**20  # a real submission's workbook unpacks to a few MiB
MAX_COMPRESSION_RATIO = 200  # sheet XML compresses 10-50 times; a bomb thousands of times
MAX_SHEET_ROWS = 100_000  # a form is tens of rows; a sheet past this is refused unread
MAX_SHEET_CELLS = 1_000_000  # cells written in the whole workbook; openpyxl keeps ~0.5 KiB each
ZIP_MAGIC = b"PK\x03\x04"
log = logging.getLogger(__name__)


def extract_xlsx(path: Path) -> Document:
    """Read an .xlsx into its sheets' blocks; raise ExtractionError if it cannot be read."""
    if starts_with(path, CFB_MAGIC):
        if cfb_is_encrypted(path):
            raise ExtractionError("encrypted", f"工作簿已加密：{path.name} 需要密码才能打开")
        return _converted(path, "xlsx")  # an old .xls saved under the new name
    if not starts_with(path, ZIP_MAGIC) and looks_like_html(path):
        return _as_html(path, "xlsx")
    if starts_with(path, ZIP_MAGIC) and not zipfile.is_zipfile(path):
        raise ExtractionError(
            "truncated",
            f"工作簿已损坏：{path.name} 在第 {path.stat().st_size:,} 字节处被截断"
            "（缺少压缩包目录）",
        )
    if not zipfile.is_zipfile(path):
        raise ExtractionError(
            "not_a_zip",
            f"不是工作簿：{path.name} 既不是 zip 压缩包也不是 OLE 文件",
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
        raise ExtractionError("encrypted", f"工作簿已加密：{path.name} 需要密码才能打开")
    return _converted(path, fmt)


def _converted(path: Path, fmt: str) -> Document:
    import tempfile

    from extractors.office.legacy import convert_with_libreoffice

    with tempfile.TemporaryDirectory(prefix="selfeval-calc-") as tmp:
        converted = convert_with_libreoffice(path, Path(tmp), "xlsx")
        document = read_workbook(converted, fmt, shown_name=path.name)
    return document


def _as_html(path: Path, fmt: str) -> Document:
    from extractors.web.html import extract_html

    return replace(extract_html(path), source_format=fmt)


def read_workbook(path: Path, fmt: str, shown_name: str | None = None) -> Document:
    """The sheets of an .xlsx package, in order, each a page; hidden ones noted, not read."""
    name = shown_name or path.name
    check_office_zip(path, "工作簿", MAX_UNZIPPED_BYTES, MAX_COMPRESSION_RATIO)
    notes: list[ReadNote] = []
    visible: list[tuple[int, str]] = []
    cells = 0  # counted over every sheet read: openpyxl holds them all at once
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
                    size = scan_sheet(archive, entry.part, MAX_SHEET_ROWS, MAX_SHEET_CELLS - cells)
                except TooManyCells as exc:
                    raise ExtractionError(
                        "too_large",
                        f"工作簿拒绝读取：{name} 的单元格超过 {MAX_SHEET_CELLS:,} 个"
                        f"（数到工作表“{entry.name}”为止），未读取",
                    ) from exc
                except TooManyRows as exc:
                    raise ExtractionError(
                        "too_large",
                        f"工作簿拒绝读取：{name} 的工作表“{entry.name}”有 {exc}，未读取",
                    ) from exc
                cells += size.cells
                notes.extend(_uncached_note(name, entry.name, number, r) for r in size.uncached)
                visible.append((number, entry.name))
        sheets = read_sheets(path, [sheet for _, sheet in visible])
    except ExtractionError:
        raise
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        log.debug("workbook %s: %r", name, exc)
        raise ExtractionError(
            "corrupt", f"工作簿已损坏：{name} 的某个组成部分无法解开或读取"
        ) from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("lxml", "xml", "openpyxl")):
            log.debug("workbook %s: %r", name, exc)
            raise ExtractionError(
                "corrupt", f"工作簿已损坏：{name} 的内容（XML）不完整或格式错误"
            ) from exc
        raise
    blocks: list[Block] = []
    for (number, _), sheet in zip(visible, sheets, strict=True):
        regions, rows, cols = shown_regions(sheet)
        blocks.extend(regions_to_blocks(regions, number, fill_gaps=True))
        if rows or cols:
            notes.append(_hidden_cells_note(name, sheet.name, number, rows, cols))
    return Document(blocks=tuple(blocks), source_format=fmt, pages=len(entries), notes=tuple(notes))


def _hidden_note(file_name: str, sheet: str, number: int) -> ReadNote:
    return ReadNote(
        rule="hidden_sheet",
        message=f"{file_name}：第 {number} 个工作表（{sheet}）是隐藏的，未读取",
        page=number,
    )


def _hidden_cells_note(
    file_name: str, sheet: str, number: int, rows: list[int], cols: list[int]
) -> ReadNote:
    """Rows or columns hidden in Excel that hold text: not read, as Excel does not show them."""
    parts = [f"第 {_spans(rows)} 行"] if rows else []
    parts += [f"第 {_spans(cols, column_letter)} 列"] if cols else []
    return ReadNote(
        rule="hidden_cells",
        message=f"{file_name}：第 {number} 个工作表（{sheet}）中隐藏的{'和'.join(parts)}有文字，"
        "Excel 既不显示也不打印它们，未读取",
        page=number,
    )


def _spans(numbers: list[int], shown=str) -> str:
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
        message=f"{file_name}：工作表 {sheet} 的 {ref} 单元格是公式，但文件保存时没有计算结果，"
        "按空白处理",
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


def shown_regions(sheet: SheetData) -> tuple[list[Region], list[int], list[int]]:
    """The sheet's regions as Excel shows them, its hidden rows and columns taken out (a merged
    range keeps its shown part, and its text), and the hidden rows and columns that held text."""
    hidden_rows, hidden_cols = sheet.hidden_rows, sheet.hidden_cols
    if not hidden_rows and not hidden_cols:
        return sheet_regions(sheet), [], []
    shown: list[Region] = []
    lost_rows: set[int] = set()
    lost_cols: set[int] = set()
    for region in sheet_regions(sheet):
        rows = _shown_lines(region.row, region.last_row, hidden_rows)
        cols = _shown_lines(region.col, region.last_col, hidden_cols)
        if rows and cols:
            shown.append(Region(rows[0], cols[0], rows[1], cols[1], region.text, region.bordered))
            continue
        if region.text.strip():
            if not rows:
                lost_rows.update(range(region.row, region.last_row + 1))
            if not cols:
                lost_cols.update(range(region.col, region.last_col + 1))
    return shown, sorted(lost_rows), sorted(lost_cols)


def _shown_lines(first: int, last: int, hidden: tuple[int, ...]) -> tuple[int, int] | None:
    """Rows (or columns) first..last renumbered without the hidden ones before them: the first
    and last shown, or None when all of them are hidden."""
    before, through = bisect.bisect_left(hidden, first), bisect.bisect_right(hidden, last)
    if through - before == last - first + 1:
        return None
    return first - before, last - through  # each hidden line before a line moves it up one
