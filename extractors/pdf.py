"""PDF extractor: ruled tables as Grids, other text as TextLines, read by PDFium or pdfplumber.

Each page is first made neutral (pdf_page.PageContent: characters, path pieces, images) by one
of two readers: PDFium (pdfium_access.py, the default, fast) or pdfplumber (pdfplumber_access.py,
the reference). Everything below that is one code path, so both give the same Document. A page
with a text layer is read from its characters here; a scanned page (or one whose text layer is
garbage) goes to the scan package's OCR, rendered by PDFium. Both give table parts (tables.py), and each
cell keeps its page and bbox; tables.py joins a table that runs over a page break into one Grid.

PDFium hands a file or page to pdfplumber where it cannot read it the same way: a file it can
only open by repairing it (no %%EOF at its end), a file it refuses, a turned page (/Rotate).
The Document says so (`reader_note`), and the documents row carries it.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import replace
from pathlib import Path

from .errors import ExtractionError
from .model import BBox, Document, ReadNote, TextLine
from .pdf_page import Char, PageContent, cells_bbox, edges_to_tables, pieces_to_edges
from .scan import needs_ocr, scan_page
from .tables import (
    TablePart,
    WrappedLine,
    is_latin_letter,
    join_parts,
    join_wrapped_lines,
    merge_edges,
    nearest_edge,
)

# pdfminer logs every oddity of a damaged file; what matters reaches the documents table.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

WORD_GAP = 0.25  # of the font size: a wider gap between two characters is a space
LINE_TOLERANCE = 3.0  # points: characters whose tops differ less are on one line
_QUOTES = set("“”‘’\"'")
_NO_LINE_START = set("、。，．；：？！）」』】〕》〉%％") | _QUOTES
_NO_LINE_END = set("（「『【〔《〈") | _QUOTES
CELL_PADDING = 5.4  # points: the usual inner margin of a Word cell (0.19 cm)

Items = list[TablePart | TextLine]


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
    if reader == "pdfium":
        if not _has_eof(path):
            note = "read by pdfplumber: the file has no %%EOF at its end (PDFium would repair it)"
        else:
            try:
                return _read_pdfium(path)
            except ExtractionError as exc:
                if exc.code == "encrypted":
                    raise
                note = f"read by pdfplumber: PDFium could not open the file ({exc.message})"
    pages, n_pages = _read_pdfplumber(path)
    scanned = [number for number, read in enumerate(pages, start=1) if read is None]
    faults: list[ReadNote] = []
    if scanned:
        for number, read in zip(scanned, scan_pages(path, scanned, faults), strict=True):
            pages[number - 1] = read
    return _document(pages, n_pages, bool(scanned), note, faults)


def _document(
    pages: list, n_pages: int, scanned: bool, note: str | None, faults: list[ReadNote]
) -> Document:
    items = [item for read in pages for item in read or ()]
    return Document(
        blocks=tuple(join_parts(items)),
        source_format="pdf_scan" if scanned else "pdf",
        pages=n_pages,
        notes=tuple(sorted(faults, key=lambda n: n.page or 0)),
        reader_note=note,
    )


def scan_contained(page: object, number: int, faults: list[ReadNote]) -> Items:
    """One page read by OCR; a fault of the OCR on it is contained to the page: said in words
    (an `unread_page` note) and the page given as empty, so the file's other pages are read."""
    try:
        return scan_page(page, number)
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a fault of the scan path on this page only
        faults.append(
            ReadNote(
                rule="unread_page",
                message=f"第 {number} 页扫描件未能识别（{type(exc).__name__}: {exc}），"
                "该页的数值未读取；文件其余各页照常读取",
                page=number,
            )
        )
        return []


def _read_pdfium(path: Path) -> Document:
    """Every page through PDFium, the file opened once: its text layer read, or the page
    rendered for OCR. A page PDFium does not read as pdfplumber would (a turned page, one it
    fails on) is read by pdfplumber, and the Document's note says which."""
    import pypdfium2

    from .pdfium_access import PdfiumFile

    pages: list[Items | None] = []
    handed: dict[int, str] = {}
    faults: list[ReadNote] = []
    scanned = False
    with PdfiumFile(path) as pdf:
        for number in range(1, len(pdf) + 1):
            pages.append([])
            try:
                content = pdf.page(number)
            except pypdfium2.PdfiumError as exc:
                handed[number] = f"PDFium failed on it ({exc})"
                continue
            if page_needs_ocr(content):
                # rendered turned as it is shown, the same for either reader
                pages[-1] = scan_contained(pdf.pdfium_page(number), number, faults)
                scanned = True
            elif pdf.rotation(number):
                handed[number] = "PDFium's reader does not turn pages (/Rotate)"
            else:
                pages[-1] = content_to_items(content)
        n_pages = len(pdf)
    if not handed:
        return _document(pages, n_pages, scanned, None, faults)
    reference, _ = _read_pdfplumber(path, set(handed))
    to_scan = [number for number in handed if reference[number - 1] is None]
    for number in handed:
        pages[number - 1] = reference[number - 1]
    for number, read in zip(to_scan, scan_pages(path, to_scan, faults), strict=True):
        pages[number - 1] = read
    why = "; ".join(f"page {number}: {reason}" for number, reason in handed.items())
    note = f"read by pdfplumber, {why}"
    return _document(pages, n_pages, scanned or bool(to_scan), note, faults)


def _read_pdfplumber(path: Path, only: set[int] | None = None) -> tuple[list[Items | None], int]:
    """The pages (all, or those in `only`) through pdfplumber: None for a page to OCR."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    from .pdfplumber_access import page_content

    try:
        with pdfplumber.open(str(path)) as pdf:
            pages: list[Items | None] = []
            for number, page in enumerate(pdf.pages, start=1):
                if only is not None and number not in only:
                    pages.append([])
                    continue
                content = page_content(page, number)
                pages.append(None if page_needs_ocr(content) else content_to_items(content))
            return pages, len(pdf.pages)
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
                "encrypted", f"encrypted PDF: {path.name} needs a password to open"
            ) from exc
        raise damaged_pdf_error(path, cause) from exc


def scan_pages(path: Path, numbers: list[int], faults: list[ReadNote]) -> list[Items]:
    """The pages of `numbers` read by OCR, rendered by PDFium (as pdfplumber renders them);
    a page the OCR fails on is empty, its fault added to `faults`."""
    from .pdfium_access import PdfiumFile

    with PdfiumFile(path) as pdf:
        return [scan_contained(pdf.pdfium_page(number), number, faults) for number in numbers]


def check_pdf_header(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise ExtractionError("not_a_pdf", f"not a PDF: {path.name} does not start with %PDF-")


def damaged_pdf_error(path: Path, cause: object) -> ExtractionError:
    """Name what is wrong: a file cut short (no %%EOF at its end), or the parser's complaint."""
    if not _has_eof(path):
        size = path.stat().st_size
        return ExtractionError(
            "truncated", f"PDF is damaged: {path.name} is truncated at byte {size:,} (no %%EOF)"
        )
    return ExtractionError("corrupt", f"PDF is damaged: {path.name} ({cause})")


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
    parts = [
        _table_to_part(content, cells, content.number)
        for cells in edges_to_tables(pieces_to_edges(content.pieces))
        if cells
    ]
    boxes = [p.bbox for p in parts]

    def outside(ch: Char) -> bool:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    lines = chars_to_lines([ch for ch in content.chars if outside(ch)], content)
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
            text=line["text"],
            page=content.number,
            bbox=BBox(line["x0"], line["top"], line["x1"], line["bottom"]),
        )
        for line in textmap.extract_text_lines(strip=True, return_chars=False)
        if line["text"].strip()
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


def _table_to_part(content: PageContent, cells: list, number: int) -> TablePart:
    """Assign each character of the table's area to the cell whose box holds its centre."""
    boxes = tuple(tuple(map(float, c)) for c in cells)
    x_values = {b[0] for b in boxes} | {b[2] for b in boxes}
    y_values = {b[1] for b in boxes} | {b[3] for b in boxes}
    xs, ys = merge_edges(sorted(x_values)), merge_edges(sorted(y_values))
    col_of = {v: nearest_edge(xs, v) for v in x_values}  # each coordinate's ruling line, once
    row_of = {v: nearest_edge(ys, v) for v in y_values}
    slot_owner: dict[tuple[int, int], int] = {}
    for i, b in enumerate(boxes):
        for r in range(row_of[b[1]], row_of[b[3]]):
            for c in range(col_of[b[0]], col_of[b[2]]):
                slot_owner[(r, c)] = i
    chars_by_cell: list[list[Char]] = [[] for _ in boxes]
    x0, top, x1, bottom = cells_bbox(cells)
    for ch in content.chars:  # by centre: a crop would clip the characters overlapping the frame
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            continue
        r = bisect.bisect_right(ys, cy) - 1
        c = bisect.bisect_right(xs, cx) - 1
        owner = slot_owner.get((r, c))
        if owner is not None:
            chars_by_cell[owner].append(ch)
    texts = tuple(
        chars_to_text(chars, box) if chars else ""
        for chars, box in zip(chars_by_cell, boxes, strict=True)
    )
    return TablePart(page=number, boxes=boxes, texts=texts, bbox=(x0, top, x1, bottom))


def chars_to_text(chars: list[Char], box: tuple[float, float, float, float]) -> str:
    """A cell's characters as text: lines the writer broke by hand keep their line break, lines
    the layout wrapped because the next word did not fit are joined back (a space only between
    Latin words)."""
    lines: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (round(c.top), c.x0)):
        if lines and abs(ch.top - lines[-1][0].top) <= LINE_TOLERANCE:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    for line in lines:
        line.sort(key=lambda c: c.x0)
    room = box[2] - box[0] - 2 * CELL_PADDING
    return join_wrapped_lines([_wrapped_line(line, room) for line in lines], is_latin_letter)


def _wrapped_line(line: list[Char], room: float) -> WrappedLine:
    """One line of characters measured: the room a line starting at the cell's padding leaves
    after it, its widest character, its first unbreakable run."""
    return WrappedLine(
        text=_line_text(line),
        room_left=room - (line[-1].x1 - line[0].x0),
        char_width=max(c.x1 - c.x0 for c in line),
        first_unit=_first_unit_width(line),
    )


def _line_text(line: list[Char]) -> str:
    """The characters of one line, left to right, a space where the gap is a word space."""
    parts: list[str] = []
    previous = None
    for ch in line:
        if previous is not None and ch.x0 - previous.x1 > WORD_GAP * ch.size:
            parts.append(" ")
        parts.append(ch.text)
        previous = ch
    return "".join(parts)


def _first_unit_width(line: list[Char]) -> float:
    """Width of the line's first unbreakable run: a Latin word or number, or a character held
    to its neighbours by line-breaking rules (no 、。”% at a line's start, no “（ at its end)."""
    end = 0
    while end + 1 < len(line):
        here, after = line[end].text, line[end + 1].text
        glued = (
            after in _NO_LINE_START
            or here in _NO_LINE_END
            or (_is_word_char(here) and _is_word_char(after))
        )
        if not glued:
            break
        end += 1
    return line[end].x1 - line[0].x0


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in ".,-+/")
