"""What a workbook file holds, read through openpyxl and the package's own XML, as plain data.

No openpyxl object leaves this module: a sheet comes out as `SheetData` (its cells' shown text
and borders, its merged ranges). The checks that must run before openpyxl loads anything whole
(the sheets' sizes from their XML, streamed; formulas without a cached value; an OLE container
that Excel writes for an encrypted workbook) live here too.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from extractors.office.numfmt import format_value

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file (.xls, encrypted .xlsx)
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


@dataclass(frozen=True)
class SheetEntry:
    """A sheet as the workbook lists it: name, visibility and the package part holding it."""

    name: str
    state: str  # visible, hidden, veryHidden
    part: str | None  # e.g. xl/worksheets/sheet1.xml (None for a chart sheet)


@dataclass(frozen=True)
class SheetSize:
    """What a streamed pass over a sheet's XML found: its rows, the columns its <dimension>
    declares, and formulas left uncomputed."""

    rows: int
    cols: int
    uncached: tuple[str, ...]  # cell references like B7
    cells: int = 0  # cells written in the sheet's XML


class TooManyCells(ValueError):
    """A sheet's cells passed the budget left for the workbook."""


class TooManyRows(ValueError):
    """A sheet's rows passed the limit; the message says how many, in the clerk's words."""


@dataclass(frozen=True)
class SheetCell:
    text: str
    bordered: bool


@dataclass(frozen=True)
class SheetData:
    """One visible sheet: cells by (row, col), 1-based, and merged ranges (r0, c0, r1, c1)."""

    name: str
    cells: dict[tuple[int, int], SheetCell]
    merges: tuple[tuple[int, int, int, int], ...]
    hidden_rows: tuple[int, ...] = ()  # rows Excel hides, sorted
    hidden_cols: tuple[int, ...] = ()  # columns Excel hides, sorted


def load_libraries() -> None:
    import lxml.etree  # noqa: F401
    import openpyxl  # noqa: F401


def starts_with(path: Path, magic: bytes) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(magic)) == magic


def looks_like_html(path: Path) -> bool:
    """A file whose first bytes are markup (systems often save HTML under an .xls name)."""
    with path.open("rb") as handle:
        head = handle.read(1024).lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    return head.startswith((b"<", b"m\x00i\x00m\x00", b"mime-version"))


def cfb_is_encrypted(path: Path) -> bool:
    """An OLE compound file holding an `EncryptionInfo` stream: how Excel (and WPS) store a
    password-protected .xlsx. The stream's name is looked for in the file's directory
    entries (UTF-16LE names), read in blocks."""
    overlap = len(_ENCRYPTION_INFO)
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            if _ENCRYPTION_INFO in tail + block:
                return True
            tail = block[-overlap:]
    return False


def _xml_root(archive: zipfile.ZipFile, name: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(archive.read(name), parser)


def workbook_sheets(archive: zipfile.ZipFile) -> list[SheetEntry]:
    """The sheets in workbook order, from xl/workbook.xml and its relationships."""
    book = _xml_root(archive, "xl/workbook.xml")
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_name in archive.namelist():
        for rel in _xml_root(archive, rels_name).iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[rel.get("Id", "")] = posixpath.normpath(part)
    entries = []
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        part = targets.get(sheet.get(f"{{{_REL_NS}}}id", ""))
        entries.append(
            SheetEntry(
                name=sheet.get("name", ""),
                state=sheet.get("state", "visible"),
                part=part if part in archive.namelist() else None,
            )
        )
    return entries


def column_letter(number: int) -> str:
    """A 1-based column number as Excel names it: 1 → A, 27 → AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _dimension_size(ref: str) -> tuple[int, int]:
    """Rows and columns a `<dimension ref="A1:H40">` spans (0, 0 when unreadable)."""
    last = ref.split(":")[-1].upper()
    match = _REF.match(last)
    if not match:
        return 0, 0
    letters, row = match.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(row), col


def scan_sheet(archive: zipfile.ZipFile, part: str, max_rows: int, max_cells: int) -> SheetSize:
    """Stream a sheet's XML once without keeping it: its rows and cells as counted (stopping
    as soon as one passes its limit) and the cells with a formula (`<f>`) but no cached value
    (`<v>`). The declared `<dimension>` is only reported: tools write it too large (a whole
    column formatted), so only what the sheet holds is refused. Raises TooManyRows or TooManyCells
    (naming the size in words) when a limit is passed."""
    from lxml import etree

    rows = cells = 0
    declared = (0, 0)
    uncached: list[str] = []
    with archive.open(part) as handle:
        events = etree.iterparse(
            handle, events=("end",), resolve_entities=False, no_network=True, huge_tree=False
        )
        for _, element in events:
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "dimension":
                declared = _dimension_size(element.get("ref", ""))
            elif tag == "c":
                cells += 1
                if cells > max_cells:
                    raise TooManyCells(f"超过 {max_cells:,} 个单元格")
                formula = element.find(f"{{{_MAIN_NS}}}f")
                value = element.find(f"{{{_MAIN_NS}}}v")
                if formula is not None and (value is None or not (value.text or "").strip()):
                    uncached.append(element.get("r", "?"))
            elif tag == "row":
                rows += 1
                if rows > max_rows:
                    raise TooManyRows(f"{rows:,} 行（超过 {max_rows:,} 行）")
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    return SheetSize(rows=rows, cols=declared[1], uncached=tuple(uncached), cells=cells)


def read_sheets(path: Path, names: list[str]) -> list[SheetData]:
    """The named sheets through openpyxl: every cell as Excel shows it (its cached value under
    its number format), whether it has a border, and the merged ranges."""
    import openpyxl

    with path.open("rb") as handle:  # a file object: openpyxl judges by content, not the name
        book = openpyxl.load_workbook(handle, data_only=True, rich_text=False)
        try:
            return [_sheet_data(book[name]) for name in names]
        finally:
            book.close()


def _sheet_data(sheet) -> SheetData:  # sheet: openpyxl Worksheet
    cells: dict[tuple[int, int], SheetCell] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if not hasattr(cell, "column") or cell.column is None:
                continue
            text = _shown_text(cell)
            bordered = _has_border(cell)
            if text or bordered:
                cells[(cell.row, cell.column)] = SheetCell(text, bordered)
    merges = tuple((r.min_row, r.min_col, r.max_row, r.max_col) for r in sheet.merged_cells.ranges)
    for r0, c0, r1, c1 in merges:  # a merged range is bordered when any of its edges is
        if (r0, c0) in cells or not any(
            (r, c) in cells and cells[(r, c)].bordered
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
        ):
            continue
        cells[(r0, c0)] = SheetCell("", True)
    rows, cols = _hidden_lines(sheet)
    return SheetData(sheet.title, cells, merges, tuple(sorted(rows)), tuple(sorted(cols)))


def _hidden_lines(sheet) -> tuple[set[int], set[int]]:
    """The sheet's hidden rows and columns (1-based); a column dimension may span several."""
    rows = {r for r, dim in sheet.row_dimensions.items() if dim.hidden}
    cols: set[int] = set()
    for dim in sheet.column_dimensions.values():
        if dim.hidden and dim.min is not None and dim.max is not None:
            cols.update(range(dim.min, dim.max + 1))
    return rows, cols


def _shown_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    text = format_value(value, cell.number_format)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("_x000D_", "")


def _has_border(cell) -> bool:
    border = cell.border
    if border is None:
        return False
    return any(
        side is not None and side.style is not None
        for side in (border.left, border.right, border.top, border.bottom)
    )
