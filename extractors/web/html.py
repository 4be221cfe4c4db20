"""Saved web pages (.html, .htm; .mht web archives): every table as a Grid, the prose around
the tables as TextLines, the text as a browser shows it.

A page's items (`extractors/web/html_access.py`) are laid out here: white space collapses to one
space, `<br>` and block edges break lines, `&nbsp;` is a space. A `<table>` is placed the way a
browser places it (each cell at the first free slot of its row, `rowspan`/`colspan` as spans),
and its rows sorted as a worksheet's (a sheet saved as one table keeps its titles in rows).
A table that only wraps others (one cell with content a row, holding a table: how many
government pages frame a form) is read through, its content in place; a small table nested in
a form's cell gives its text to that cell. An Excel workbook saved as a web page (`x.htm`
beside `x.files/sheet001.htm …`) is read as one workbook, its sheets in order; a sheet page
inside such a folder gives nothing of its own (it is read through its workbook page).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from extractors.errors import ExtractionError
from extractors.model import Block, Document, ReadNote, TextLine
from extractors.sheet_layout import Region, regions_to_blocks
from extractors.web.html_access import (
    MAX_DEPTH,
    Break,
    CellItem,
    Edge,
    Item,
    TableItem,
    Text,
    TooDeep,
    decode_page,
    decode_page_said,
    excel_sheet_names,
    mht_parts,
    page_items,
    sheet_links,
)

MAX_PAGE_BYTES = 64 * 2**20  # a saved form is tens of KiB; a page past this is refused unread
PARSE_FACTOR = 64  # lxml's tree of a table-laden page takes 30-40 times its bytes, and more


def fit_page_limit(max_rss_mib: int) -> None:
    """Refuse pages whose parse would not fit the memory a worker may use (the 64 MiB ceiling
    at most): a 60 MB page needs more than 2 GiB, so it is told `too_large`, not `memory`."""
    global MAX_PAGE_BYTES
    MAX_PAGE_BYTES = min(64 * 2**20, max_rss_mib * 2**20 // PARSE_FACTOR)


_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_EXCEL_SHEET = re.compile(
    r"<x:ExcelWorksheet>(.*?)</x:ExcelWorksheet>", flags=re.S | re.I
)  # inside Excel's <!--[if gte mso 9]><xml> comment


def extract_html(path: Path) -> Document:
    """Read a saved web page (or an Excel workbook saved as one) into its blocks."""
    with _refused_when_too_deep(path):
        return _read_html(path)


def extract_mht(path: Path) -> Document:
    """Read a .mht web archive: its first HTML part, or each sheet part of an Excel one."""
    with _refused_when_too_deep(path):
        return _read_mht(path)


@contextlib.contextmanager
def _refused_when_too_deep(path: Path) -> Iterator[None]:
    try:
        yield
    except TooDeep as exc:
        raise ExtractionError(
            "too_large",
            f"网页拒绝读取：{path.name} 的元素嵌套了 {exc.depth:,} 层（超过 {MAX_DEPTH} 层），"
            "正常的表格不会嵌套这么深",
        ) from exc


def _read_html(path: Path) -> Document:
    text, said = decode_page_said(_read_page(path))
    notes = (ReadNote("charset_guessed", f"{path.name}：{said}"),) if said else ()
    sheets = excel_sheets(text)
    if sheets:
        document = _workbook_page(sheets, lambda href: _sheet_file(path, href), path.name, "html")
        return replace(document, notes=notes + document.notes)
    if _inside_saved_workbook(path):
        return Document(blocks=(), source_format="html", notes=notes)
    return Document(blocks=tuple(page_to_blocks(text)), source_format="html", notes=notes)


def _read_mht(path: Path) -> Document:
    try:
        parts = mht_parts(_read_page(path))
    except (ValueError, LookupError, UnicodeError) as exc:
        logging.getLogger(__name__).debug("web archive %s: %r", path.name, exc)
        raise ExtractionError(
            "corrupt", f"网页存档已损坏：{path.name} 的各组成部分无法识别"
        ) from exc
    if not parts:
        return Document(blocks=(), source_format="mht")
    by_name = {_base_name(location): text for location, text in parts}
    sheets = excel_sheets(parts[0][1])
    if sheets:
        return _workbook_page(sheets, lambda href: by_name.get(_base_name(href)), path.name, "mht")
    return Document(blocks=tuple(page_to_blocks(parts[0][1])), source_format="mht")


def _read_page(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_PAGE_BYTES:
        raise ExtractionError(
            "too_large",
            f"网页拒绝读取：{path.name} 有 {size / 2**20:,.0f} MiB"
            f"（超过允许的 {MAX_PAGE_BYTES / 2**20:,.0f} MiB），未读取",
        )
    return path.read_bytes()


def _base_name(location: str) -> str:
    return location.replace("\\", "/").rsplit("/", 1)[-1].lower()


# ----------------------------------------------------------------------------------------
# Excel workbooks saved as web pages
# ----------------------------------------------------------------------------------------


def excel_sheets(text: str) -> list[tuple[str, str, bool]]:
    """(name, href, hidden) of each sheet of an Excel workbook saved as a web page, from the
    worksheet list in Excel's XML comment, else from its `shLink` links; [] for other pages."""
    entries: list[tuple[str, str, bool]] = []
    for block in _EXCEL_SHEET.findall(text):
        name = re.search(r"<x:Name>([^<]*)</x:Name>", block)
        href = re.search(r"<x:WorksheetSource\s+HRef=\"([^\"]+)\"", block, flags=re.I)
        hidden = re.search(r"<x:Visible>\s*Sheet(Very)?Hidden", block, flags=re.I)
        if href:
            entries.append((name.group(1) if name else "", href.group(1), bool(hidden)))
    if entries:
        return entries
    names = excel_sheet_names(text)
    return [
        (names[i] if i < len(names) else f"sheet {i + 1}", link, False)
        for i, link in enumerate(sheet_links(text))
    ]


def _sheet_file(path: Path, href: str) -> str | None:
    """The text of a sheet page beside the workbook page; None when it is missing (or would lie
    outside the page's folder)."""
    target = (path.parent / href.replace("\\", "/")).resolve()
    if path.parent.resolve() not in target.parents or not target.is_file():
        return None
    return decode_page(_read_page(target))


def _workbook_page(
    sheets: list[tuple[str, str, bool]],
    load: Callable[[str], str | None],
    file_name: str,
    fmt: str,
) -> Document:
    """The sheets in order, each read from its page by `load(href)`; hidden ones noted."""
    blocks: list[Block] = []
    notes: list[ReadNote] = []
    for number, (name, href, hidden) in enumerate(sheets, start=1):
        if hidden:
            message = f"{file_name}：第 {number} 个工作表（{name}）是隐藏的，未读取"
            notes.append(ReadNote("hidden_sheet", message, page=number))
            continue
        text = load(href)
        if text is None:
            raise ExtractionError(
                "corrupt",
                f"网页不完整：{file_name} 缺少工作表“{name}”（{href} 没有一起保存）",
            )
        items = page_items(text)
        blocks.extend(items_to_blocks(items))
        rows, cells = hidden_text(items)
        if rows or cells:
            notes.append(_hidden_cells_note(file_name, name, number, rows, cells))
    return Document(blocks=tuple(blocks), source_format=fmt, pages=len(sheets), notes=tuple(notes))


def hidden_text(items: list[Item]) -> tuple[int, int]:
    """How many hidden rows, and hidden cells of shown rows, held text in the page's tables
    (nested ones too): Excel writes a hidden row or column of a sheet so."""
    rows = cells = 0
    for item in items:
        if isinstance(item, TableItem):
            rows, cells = rows + item.hidden_rows, cells + item.hidden_cells
            for row in item.rows:
                for cell in row:
                    more_rows, more_cells = hidden_text(cell.items)
                    rows, cells = rows + more_rows, cells + more_cells
    return rows, cells


def _hidden_cells_note(file_name: str, sheet: str, number: int, rows: int, cells: int) -> ReadNote:
    parts = [f" {rows} 行"] if rows else []
    parts += [f" {cells} 个单元格"] if cells else []
    return ReadNote(
        "hidden_cells",
        f"{file_name}：第 {number} 个工作表（{sheet}）中隐藏的{'和'.join(parts)}有文字，"
        "Excel 既不显示也不打印它们，未读取",
        page=number,
    )


def _inside_saved_workbook(path: Path) -> bool:
    """A sheet page in `x.files/` beside the workbook page `x.htm` (or `x.html`)."""
    folder = path.parent
    if not folder.name.lower().endswith(".files"):
        return False
    stem = folder.name[: -len(".files")]
    return any((folder.parent / f"{stem}{ext}").is_file() for ext in (".htm", ".html"))


# ----------------------------------------------------------------------------------------
# Items → TextLines and Grids
# ----------------------------------------------------------------------------------------


def page_to_blocks(text: str) -> list[Block]:
    return items_to_blocks(page_items(text))


def items_to_blocks(items: list[Item]) -> list[Block]:
    """Prose as TextLines, tables as Grids, in document order; wrapper tables read through."""
    blocks: list[Block] = []
    pending: list[Item] = []
    for item in items:
        if not isinstance(item, TableItem):
            pending.append(item)
            continue
        blocks.extend(TextLine(text=line) for line in items_to_lines([*pending, *item.caption]))
        pending = []
        if is_wrapper(item):
            for row in item.rows:
                for cell in row:
                    blocks.extend(items_to_blocks([Edge(), *cell.items, Edge()]))
        elif item.rows:
            blocks.extend(table_to_blocks(item))
    blocks.extend(TextLine(text=line) for line in items_to_lines(pending))
    return blocks


def items_to_lines(items: list[Item]) -> list[str]:
    """The lines a browser shows for these items: white space collapsed, broken at `<br>` and
    block edges, `&nbsp;` a space; blank lines dropped. A nested table's rows are lines, its
    cells separated by a space."""
    parts: list[str] = []
    for item in items:
        if isinstance(item, Text):
            parts.append(_SPACES.sub(" ", item.text))
        elif isinstance(item, Break | Edge):
            parts.append("\n")
        elif isinstance(item, TableItem):
            for row in item.rows:
                cells = [" ".join(items_to_lines(cell.items)) for cell in row]
                parts.append("\n" + " ".join(c for c in cells if c) + "\n")
    lines = ("".join(parts)).split("\n")
    out = []
    for line in lines:
        shown = _SPACES.sub(" ", line).strip(" ")
        if shown.strip(" \xa0"):  # U+3000 is content (a browser shows it), unlike a lone &nbsp;
            out.append(shown.replace("\xa0", " "))
    return out


def _has_content(cell: CellItem) -> bool:
    return any(
        isinstance(i, TableItem) or (isinstance(i, Text) and i.text.strip(" \t\r\n\xa0"))
        for i in cell.items
    )


def is_wrapper(table: TableItem) -> bool:
    """A table that holds tables in its cells and no more than one cell with content a row:
    page layout, not a form."""
    holds_table = any(
        isinstance(i, TableItem) for row in table.rows for cell in row for i in cell.items
    )
    return holds_table and all(sum(map(_has_content, row)) <= 1 for row in table.rows)


def table_to_blocks(table: TableItem) -> list[Block]:
    """Place the cells as a browser does (each at the first free slot of its row, covering
    `rowspan` × `colspan` slots; a rowspan past the last row ends at it), then sort the rows as
    a sheet's: a whole worksheet saved as one table (Excel, LibreOffice Calc) holds its titles
    and 填表人 lines in unbordered rows of its own (`extractors/sheet_layout.py`)."""
    taken: set[tuple[int, int]] = set()
    regions: list[Region] = []
    n_rows = len(table.rows)
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            rowspan = min(cell.rowspan, n_rows - r)
            text = "\n".join(items_to_lines(cell.items))
            last_row, last_col = r + rowspan - 1, c + cell.colspan - 1
            regions.append(Region(r, c, last_row, last_col, text, cell.bordered))
            taken.update((rr, cc) for rr in range(r, last_row + 1) for cc in range(c, last_col + 1))
            c += cell.colspan
    return regions_to_blocks(regions, None, fill_gaps=False)
