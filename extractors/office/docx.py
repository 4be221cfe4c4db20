"""Word (.docx) extractor: body paragraphs and tables, in body order, as TextLines and Grids.

Reads the WordprocessingML itself (the main document part, parsed by lxml as python-docx would,
without loading the package's other parts) rather than a library's plain `.text`, so that
merges keep their true spans (`gridSpan`, `vMerge`, `gridBefore`) and text
is read the way Word shows it with tracked changes accepted: insertions in, deletions out; text
inside content controls, fields' results and hyperlinks included.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from extractors.archive import check_office_zip
from extractors.errors import ExtractionError
from extractors.model import Block, Cell, Document, Grid, TextLine, cells_to_grid

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MAX_UNZIPPED_BYTES = 256 * 2**20  # a real submission unpacks to a few MiB
MAX_COMPRESSION_RATIO = 200  # XML compresses 5-20 times; a bomb thousands of times
log = logging.getLogger(__name__)


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


# Containers whose content is not shown in the accepted text.
_HIDDEN = {_w("del"), _w("moveFrom"), _w("instrText"), _w("delInstrText")}
# Wrappers that hold body-level or row-level content without being content themselves.
_WRAPPERS = {_w("sdt"), _w("sdtContent"), _w("customXml"), _w("smartTag"), _w("ins")}


def load_libraries() -> None:
    import lxml.etree  # noqa: F401


def extract_docx(path: Path) -> Document:
    """Read a .docx file into its blocks; raise ExtractionError if it cannot be read."""
    body = _open_body(path)
    blocks: list[Block] = []
    for element in _body_children(body):
        if element.tag == _w("p"):
            blocks.extend(_paragraph_to_lines(element))
        elif element.tag == _w("tbl"):
            blocks.append(table_to_grid(element))
    return Document(blocks=tuple(blocks), source_format="docx", pages=None)


def _open_body(path: Path):  # -> lxml element; never leaves this module
    """The w:body of the package's main document part (named by its officeDocument
    relationship), parsed as python-docx parses it (blank text between elements dropped,
    entities never resolved) without loading the package's other parts."""
    from lxml import etree

    if not zipfile.is_zipfile(path):
        raise ExtractionError("not_a_zip", f"不是 Word 文件：{path.name} 不是 zip 压缩包")
    check_office_zip(path, "Word 文件", MAX_UNZIPPED_BYTES, MAX_COMPRESSION_RATIO)
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
    try:
        with zipfile.ZipFile(path) as archive:
            part = _main_part(archive, parser)
            if part is None:
                raise ExtractionError("corrupt", f"不是 Word 文档：{path.name} 没有正文部分")
            root = etree.fromstring(archive.read(part), parser)
    except etree.XMLSyntaxError as exc:
        log.debug("XML of %s: %s", path.name, exc)
        raise ExtractionError(
            "corrupt",
            f"Word 文件已损坏：{path.name} 的文字内容（XML）不完整或格式错误",
        ) from exc
    except KeyError as exc:
        log.debug("part of %s: %r", path.name, exc)
        raise ExtractionError(
            "corrupt", f"Word 文件已损坏：{path.name} 缺少每个 Word 文件都有的组成部分"
        ) from exc
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        log.debug("zip of %s: %r", path.name, exc)
        raise ExtractionError(
            "corrupt", f"Word 文件已损坏：{path.name} 的压缩数据无法解开"
        ) from exc
    body = root.find(_w("body"))
    if body is None:
        raise ExtractionError("corrupt", f"不是 Word 文档：{path.name} 没有正文")
    return body


def _main_part(archive: zipfile.ZipFile, parser) -> str | None:
    """The zip member of the officeDocument relationship in `_rels/.rels`."""
    from lxml import etree

    rels = etree.fromstring(archive.read("_rels/.rels"), parser)
    for rel in rels:
        if str(rel.get("Type", "")).endswith("/officeDocument"):
            return str(rel.get("Target", "")).lstrip("/")
    return None


def _body_children(parent):
    """Paragraphs and tables under `parent` in order, looking through content controls."""
    for child in parent:
        if child.tag in _WRAPPERS:
            yield from _body_children(child)
        elif child.tag in (_w("p"), _w("tbl")):
            yield child


def _paragraph_text(p) -> str:
    """The text of one paragraph as Word shows it with changes accepted."""
    parts: list[str] = []
    _collect_text(p, parts)
    return "".join(parts)


def _collect_text(element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag in _HIDDEN:
            continue
        if tag == _w("t"):
            parts.append(child.text or "")
        elif tag == _w("tab"):
            parts.append("\t")
        elif tag in (_w("br"), _w("cr")):
            parts.append("\n")
        elif tag == _w("noBreakHyphen"):
            parts.append("-")
        elif tag in (_w("pPr"), _w("rPr")):
            continue
        else:
            _collect_text(child, parts)


def _paragraph_to_lines(p) -> list[TextLine]:
    text = _paragraph_text(p)
    return [TextLine(text=line) for line in text.split("\n") if line.strip()]


def _cell_text(tc) -> str:
    """All paragraphs of a cell (nested tables included) joined by line breaks."""
    lines = [_paragraph_text(p) for p in tc.iter(_w("p")) if not _is_hidden(p, tc)]
    return "\n".join(lines)


def _is_hidden(element, stop) -> bool:
    node = element.getparent()
    while node is not None and node is not stop:
        if node.tag in _HIDDEN:
            return True
        node = node.getparent()
    return False


def _children(parent, tag: str):
    """The `tag` children of `parent`, looking through content controls and other wrappers
    (a row inside a w:sdt is still a row of the table)."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _int_prop(parent, path: tuple[str, ...], default: int) -> int:
    node = parent
    for tag in path:
        node = node.find(_w(tag)) if node is not None else None
    if node is None:
        return default
    try:
        return int(node.get(_w("val")))
    except (TypeError, ValueError):
        return default


def _vmerge(tc) -> str | None:
    """None (no vertical merge), 'restart' or 'continue'."""
    tc_pr = tc.find(_w("tcPr"))
    node = tc_pr.find(_w("vMerge")) if tc_pr is not None else None
    if node is None:
        return None
    return "restart" if node.get(_w("val")) == "restart" else "continue"


@dataclass
class _OpenCell:
    row: int
    col: int
    colspan: int
    text: str
    rowspan: int = 1


def table_to_grid(tbl) -> Grid:
    """Turn a w:tbl into a Grid with true spans: a merged cell once, at its top-left slot."""
    cells: list[_OpenCell] = []
    # The vertically mergeable cell that currently ends in the previous row, by start column.
    open_by_col: dict[int, _OpenCell] = {}
    for r, tr in enumerate(_children(tbl, _w("tr"))):
        col = _int_prop(tr, ("trPr", "gridBefore"), 0)
        next_open: dict[int, _OpenCell] = {}
        for tc in _children(tr, _w("tc")):
            span = max(1, _int_prop(tc, ("tcPr", "gridSpan"), 1))
            merge = _vmerge(tc)
            above = open_by_col.get(col)
            if merge == "continue" and above is not None and above.colspan == span:
                above.rowspan = r - above.row + 1
                extra = _cell_text(tc).strip()
                if extra:  # text typed into a continued slot is shown by Word: keep it
                    above.text = f"{above.text}\n{extra}" if above.text else extra
                next_open[col] = above
            else:
                cell = _OpenCell(row=r, col=col, colspan=span, text=_cell_text(tc))
                cells.append(cell)
                if merge is not None:
                    next_open[col] = cell
            col += span
        open_by_col = next_open
    frozen = [
        Cell(row=c.row, col=c.col, text=c.text, rowspan=c.rowspan, colspan=c.colspan) for c in cells
    ]
    return cells_to_grid(frozen)
