"""PDF extractor: ruled tables as Grids, other text as TextLines, read by PDFium or pdfplumber.

Each page is first made neutral (page.PageContent: characters, path pieces, images) by one
of two readers: PDFium (pdfium_access.py, the default, fast) or pdfplumber (pdfplumber_access.py,
the reference). Everything below that is one code path, so both give the same Document. A page
with a text layer is read from its characters here; a scanned page (or one whose text layer is
garbage) goes to scan.py's OCR, rendered by PDFium. Both give table parts (tables.py), and each
cell keeps its page and bbox; tables.py joins a table that runs over a page break into one Grid.

PDFium hands a file or page to pdfplumber where it cannot read it the same way: a file it can
only open by repairing it (no %%EOF at its end), a file it refuses, a turned page (/Rotate).
The Document says so (`reader_note`), and the documents row carries it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from extractors.errors import ExtractionError
from extractors.model import BBox, Document, ReadNote, TextLine
from extractors.pdf.cells import WORD_GAP, in_table, table_to_part
from extractors.pdf.cuts import margin_text_into_cells
from extractors.pdf.line_edges import apart_at_edge
from extractors.pdf.page import (
    Char,
    PageContent,
    edges_to_ruling,
    pieces_to_edges,
    rule_boxes,
    shade_boxes,
)
from extractors.pdf.sides import stitch_side_pages
from extractors.scan import needs_ocr, scan_page
from extractors.tables import (
    TablePart,
    join_parts,
)

# pdfminer logs every oddity of a damaged file; what matters reaches the documents table.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


Items = list[TablePart | TextLine]

log = logging.getLogger(__name__)


def load_libraries() -> None:
    import pdfplumber
    import pdfplumber.table
    import pdfplumber.utils  # noqa: F401
    import pypdfium2  # noqa: F401


def extract_pdf(path: Path, reader: str = "pdfium") -> Document:
    """Read a PDF's tables and text lines in reading order with `reader` (`pdfium` or
    `pdfplumber`); raise ExtractionError if it cannot be read."""
    check_pdf_header(path)
    note = None
    tree, lost, damaged = _tree_problem(path)
    notes = (ReadNote("damaged_part", f"{path.name}：{tree}"),) if tree else ()
    notes += tuple(_lost_page(path, number) for number in lost)
    notes += tuple(_cut_page(path, number) for number in damaged)
    if reader == "pdfium":
        if not _has_eof(path):
            note = "改用 pdfplumber 读取：文件末尾缺少结束标记（PDFium 会自行修补）"
        elif tree:
            note = f"改用 pdfplumber 读取：{tree}（PDFium 会按错误的页数记录读取）"
        else:
            try:
                document = _read_pdfium(path, set(damaged))
                return replace(document, notes=notes + document.notes)
            except ExtractionError as exc:
                if exc.code == "encrypted":
                    raise
                note = "改用 pdfplumber 读取：PDFium 无法打开此文件"
    pages, n_pages, failed = _read_pdfplumber(path)
    scanned = [number for number, read in enumerate(pages, start=1) if read is None]
    faults: list[ReadNote] = []
    if scanned:
        for number, read in zip(scanned, scan_pages(path, scanned, faults), strict=True):
            pages[number - 1] = read
    notes += tuple(_unread_page(path, number) for number in failed)
    return _document(pages, n_pages, bool(scanned), note, notes + tuple(faults))


def _tree_problem(path: Path) -> tuple[str | None, list[int], list[int]]:
    """What is wrong with the page tree, in words (a /Count that is not the number of pages its
    /Kids lead to, or a loop; None when it is whole); the pages whose content the file's
    cross-reference does not lead to; and those whose content does not unpack whole. Nothing
    when the tree cannot be walked: the readers then say what is wrong with the file."""
    from extractors.pdf.pdfplumber_access import page_tree

    try:
        declared, found, loop, lost, damaged = page_tree(path)
    except Exception:  # a file pdfminer cannot open: the readers say what is wrong with it
        return None, [], []
    if loop:
        return (
            f"页面目录首尾循环（找到 {found} 页，页数记录为 {declared} 页）",
            lost,
            damaged,
        )
    if declared is not None and declared != found:
        return f"页数记录为 {declared} 页，实际有 {found} 页", lost, damaged
    return None, lost, damaged


def _cut_page(path: Path, number: int) -> ReadNote:
    return ReadNote(
        "damaged_part",
        f"{path.name} 第 {number} 页：内容已损坏，无法完整解开，损坏处之后的内容未进入表格",
        page=number,
    )


def _lost_page(path: Path, number: int) -> ReadNote:
    return ReadNote(
        "damaged_part",
        f"{path.name} 第 {number} 页：内容不在文件索引（交叉引用表）所指的位置"
        "（文件已损坏），该页内容都未进入表格",
        page=number,
    )


def _unread_page(path: Path, number: int) -> ReadNote:
    return ReadNote(
        "damaged_part",
        f"{path.name} 第 {number} 页无法读取（内容已损坏），该页内容都未进入表格",
        page=number,
    )


def _document(
    pages: list, n_pages: int, scanned: bool, note: str | None, notes: tuple = ()
) -> Document:
    items = [item for read in pages for item in read or ()]
    return Document(
        blocks=tuple(join_parts(margin_text_into_cells(stitch_side_pages(items)))),
        source_format="pdf_scan" if scanned else "pdf",
        pages=n_pages,
        notes=tuple(notes),
        reader_note=note,
    )


def _read_pdfium(path: Path, damaged: set[int] = frozenset()) -> Document:
    """Every page through PDFium, the file opened once: its text layer read, or the page
    rendered for OCR. A page PDFium does not read as pdfplumber would (a turned page, one it
    fails on, one whose content is damaged: each salvages a different part of it) is read by
    pdfplumber, and the Document's note says which."""
    import pypdfium2

    from extractors.pdf.pdfium_access import PdfiumFile

    pages: list[Items | None] = []
    handed: dict[int, str] = {}
    faults: list[ReadNote] = []
    scanned = False
    with PdfiumFile(path) as pdf:
        for number in range(1, len(pdf) + 1):
            pages.append([])
            if number in damaged:
                handed[number] = "内容已损坏"
                continue
            try:
                content = pdf.page(number)
            except pypdfium2.PdfiumError:
                handed[number] = "PDFium 读取失败"
                continue
            if page_needs_ocr(content):
                # rendered turned as it is shown, the same for either reader
                pages[-1] = scan_contained(pdf.pdfium_page(number), number, faults)
                scanned = True
            elif pdf.rotation(number):
                handed[number] = "页面设置了旋转，PDFium 不会转正"
            else:
                pages[-1] = content_to_items(content)
        n_pages = len(pdf)
    if not handed:
        return _document(pages, n_pages, scanned, None, tuple(faults))
    reference, _, failed = _read_pdfplumber(path, set(handed))
    failed += [number for number in handed if number > len(reference)]
    to_scan = [n for n in handed if n not in failed and reference[n - 1] is None]
    for number in handed:
        pages[number - 1] = [] if number in failed else reference[number - 1]
    for number, read in zip(to_scan, scan_pages(path, to_scan, faults), strict=True):
        pages[number - 1] = read
    why = "；".join(f"第 {number} 页：{reason}" for number, reason in handed.items())
    note = f"改用 pdfplumber 读取，{why}"
    notes = tuple(_unread_page(path, number) for number in sorted(set(failed)))
    return _document(pages, n_pages, scanned or bool(to_scan), note, notes + tuple(faults))


def _read_pdfplumber(
    path: Path, only: set[int] | None = None
) -> tuple[list[Items | None], int, list[int]]:
    """The pages (all, or those in `only`) through pdfplumber: None for a page to OCR; and the
    numbers of the pages it could not parse (read as empty, each said in a finding)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    from extractors.pdf.pdfplumber_access import page_content

    page_errors = (PdfminerException, PDFSyntaxError, PSException, ValueError, KeyError, TypeError)
    try:
        with pdfplumber.open(str(path)) as pdf:
            pages: list[Items | None] = []
            failed: list[int] = []
            for number, page in enumerate(pdf.pages, start=1):
                if only is not None and number not in only:
                    pages.append([])
                    continue
                try:
                    content = page_content(page, number)
                except page_errors:  # this page's content is damaged: the others are read
                    pages.append([])
                    failed.append(number)
                    continue
                pages.append(None if page_needs_ocr(content) else content_to_items(content))
            return pages, len(pdf.pages), failed
    except (
        PdfminerException,
        PDFSyntaxError,
        PSException,
        PDFPasswordIncorrect,
        PDFEncryptionError,
        ValueError,
        KeyError,
        TypeError,
        AssertionError,
    ) as exc:
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise ExtractionError(
                "encrypted", f"PDF 文件已加密：{path.name} 需要密码才能打开"
            ) from exc
        raise damaged_pdf_error(path, cause) from exc


def scan_contained(page: object, number: int, faults: list[ReadNote]) -> Items:
    """One page read by OCR; a fault of the OCR on it is contained to the page: said in words
    (an `unread_page` note) and the page given as empty, so the file's other pages are read."""
    try:
        return scan_page(page, number)
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception:  # a fault of the scan path on this page only
        log.warning("OCR failed on page %d", number, exc_info=True)  # the debug log's
        faults.append(
            ReadNote(
                rule="unread_page",
                message=f"第 {number} 页扫描件未能识别，该页的数值未读取；文件其余各页照常读取",
                page=number,
            )
        )
        return []


def scan_pages(path: Path, numbers: list[int], faults: list[ReadNote]) -> list[Items]:
    """The pages of `numbers` read by OCR, rendered by PDFium (as pdfplumber renders them)."""
    from extractors.pdf.pdfium_access import PdfiumFile

    with PdfiumFile(path) as pdf:
        return [scan_contained(pdf.pdfium_page(number), number, faults) for number in numbers]


def check_pdf_header(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise ExtractionError("not_a_pdf", f"不是 PDF 文件：{path.name} 开头没有 PDF 文件标记")


def damaged_pdf_error(path: Path, cause: object) -> ExtractionError:
    """Name what is wrong: a file cut short (no %%EOF at its end), or the parser's complaint."""
    if not _has_eof(path):
        size = path.stat().st_size
        return ExtractionError(
            "truncated", f"PDF 文件已损坏：{path.name} 在第 {size:,} 字节处被截断（缺少结束标记）"
        )
    logging.getLogger(__name__).debug("PDF parser on %s: %r", path.name, cause)
    return ExtractionError("corrupt", f"PDF 文件已损坏：{path.name} 的结构无法识别")


def _has_eof(path: Path) -> bool:
    """Does the file end as a whole PDF does, with %%EOF in its last 2 KiB?"""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 2048))
        return b"%%EOF" in handle.read()


def page_needs_ocr(content: PageContent) -> bool:
    """An image and no text layer, or a garbage one: the page is read by OCR."""
    return needs_ocr([ch.text for ch in content.chars], content.has_images)


def content_to_items(content: PageContent) -> Items:
    """Tables and outside-table text lines of a page with a text layer, top to bottom."""
    content = replace(content, chars=inked(content.chars))
    tables, cuts = edges_to_ruling(pieces_to_edges(content.pieces))
    shades = shade_boxes(content.pieces)
    rules = rule_boxes(content.pieces) if shades else []
    reads = [
        table_to_part(content.chars, cells, content.number, cuts, (shades, rules))
        for cells in tables
        if cells
    ]
    parts = [read.part for read in reads]
    taken = frozenset().union(*(read.taken for read in reads))
    boxes = [p.bbox for p in parts]
    lines = chars_to_lines(
        [
            ch
            for i, ch in enumerate(content.chars)
            if i not in taken and not any(in_table(ch, b) for b in boxes)
        ],
        content,
    )
    keyed: list[tuple[float, TablePart | TextLine]] = [(p.bbox[1], p) for p in parts]
    keyed += [(line.bbox.top, line) for line in lines if line.bbox is not None]
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


def inked(chars: tuple[Char, ...]) -> tuple[Char, ...]:
    """The characters that leave ink: a space glyph (U+0020, U+3000 …) is left out, and a space
    in the text comes from the gap it leaves (WORD_GAP). PDFium's text page folds and drops
    space glyphs, so text built from them would depend on the reader."""
    return tuple(ch for ch in chars if ch.text.strip())


def chars_to_lines(chars: list[Char], content: PageContent) -> list[TextLine]:
    """Text outside the tables as lines, by pdfplumber's own line finder (`chars_to_textmap`,
    as `page.extract_text_lines(strip=True)` calls it, words split where a cell's are)."""
    if not chars:
        return []
    from pdfplumber.utils import chars_to_textmap

    textmap = chars_to_textmap(
        [_char_dict(ch) for ch in chars],
        layout_bbox=(0.0, 0.0, content.width, content.height),
        layout_width=content.width,
        layout_height=content.height,
        x_tolerance_ratio=WORD_GAP,  # a word space as in a cell: a gap wider than WORD_GAP
    )
    return [
        TextLine(
            text=text,
            page=content.number,
            bbox=BBox(x0, top, x1, bottom),
            off_page=x0 < 0 or x1 > content.width or top < 0 or bottom > content.height,
        )
        for line in textmap.extract_text_lines(strip=True, return_chars=True)
        if line["text"].strip()
        for text, x0, top, x1, bottom in apart_at_edge(line, content.width)
    ]


def _char_dict(ch: Char) -> dict:
    return {
        "text": ch.text,
        "x0": ch.x0,
        "x1": ch.x1,
        "top": ch.top,
        "bottom": ch.bottom,
        "doctop": ch.top,
        "width": ch.x1 - ch.x0,
        "height": ch.bottom - ch.top,
        "size": ch.size,
        "upright": ch.upright,
    }
