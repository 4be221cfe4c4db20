"""PDF extractor on pdfplumber: ruled tables as Grids, other text as TextLines.

A page with a text layer is read from its characters here; a scanned page (or one whose text
layer is garbage) goes to scan.py's OCR. Both give table parts (tables.py), and each cell keeps
its page and bbox; tables.py joins a table that runs over a page break back into one Grid.
pdfplumber's pages, tables and character dicts never leave this module and scan.py.
"""

from __future__ import annotations

import bisect
import logging
from pathlib import Path

from .errors import ExtractionError
from .model import BBox, Document, TextLine
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


def load_libraries() -> None:
    import pdfplumber
    import pdfplumber.utils  # noqa: F401


def extract_pdf(path: Path) -> Document:
    """Read a PDF's tables and text lines in reading order; raise ExtractionError if unreadable."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    check_pdf_header(path)
    try:
        with pdfplumber.open(str(path)) as pdf:
            pages: list[list[TablePart | TextLine] | None] = [
                None
                if needs_ocr([ch["text"] for ch in page.chars], bool(page.images))
                else _page_items(page, number)
                for number, page in enumerate(pdf.pages, start=1)
            ]
        scanned = [number for number, read in enumerate(pages, start=1) if read is None]
        if scanned:
            for number, read in zip(scanned, scan_pages(path, scanned), strict=True):
                pages[number - 1] = read
        n_pages = len(pages)
        items = [item for read in pages for item in read or ()]
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
    return Document(
        blocks=tuple(join_parts(items)),
        source_format="pdf_scan" if scanned else "pdf",
        pages=n_pages,
    )


def scan_pages(path: Path, numbers: list[int]) -> list[list[TablePart | TextLine]]:
    """The pages of `numbers` read by OCR, rendered by PDFium (as pdfplumber renders them)."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [scan_page(pdf[number - 1], number) for number in numbers]
    finally:
        pdf.close()


def check_pdf_header(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise ExtractionError("not_a_pdf", f"not a PDF: {path.name} does not start with %PDF-")


def damaged_pdf_error(path: Path, cause: object) -> ExtractionError:
    """Name what is wrong: a file cut short (no %%EOF at its end), or the parser's complaint."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 2048))
        tail = handle.read()
    if b"%%EOF" not in tail:
        return ExtractionError(
            "truncated", f"PDF is damaged: {path.name} is truncated at byte {size:,} (no %%EOF)"
        )
    return ExtractionError("corrupt", f"PDF is damaged: {path.name} ({cause})")


def _page_items(page, number: int) -> list[TablePart | TextLine]:
    """Tables and outside-table text lines of one page, ordered top to bottom."""
    tables = page.find_tables()
    parts = [_table_to_part(page, t, number) for t in tables if t.cells]
    boxes = [p.bbox for p in parts]

    def outside(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    lines = [
        TextLine(
            text=line["text"],
            page=number,
            bbox=BBox(line["x0"], line["top"], line["x1"], line["bottom"]),
        )
        for line in page.filter(outside).extract_text_lines(strip=True)
        if line["text"].strip()
    ]
    keyed: list[tuple[float, TablePart | TextLine]] = [(p.bbox[1], p) for p in parts]
    keyed += [(line.bbox.top, line) for line in lines if line.bbox is not None]
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


def _table_to_part(page, table, number: int) -> TablePart:
    """Assign each character of the table's area to the cell whose box holds its centre."""
    boxes = tuple(tuple(map(float, c)) for c in table.cells)
    xs = merge_edges(sorted({b[0] for b in boxes} | {b[2] for b in boxes}))
    ys = merge_edges(sorted({b[1] for b in boxes} | {b[3] for b in boxes}))
    slot_owner: dict[tuple[int, int], int] = {}
    for i, b in enumerate(boxes):
        for r in range(nearest_edge(ys, b[1]), nearest_edge(ys, b[3])):
            for c in range(nearest_edge(xs, b[0]), nearest_edge(xs, b[2])):
                slot_owner[(r, c)] = i
    chars_by_cell: list[list[dict]] = [[] for _ in boxes]
    x0, top, x1, bottom = table.bbox
    for ch in page.chars:  # by centre: a crop would clip the characters overlapping the frame
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
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


def chars_to_text(chars: list[dict], box: tuple[float, float, float, float]) -> str:
    """A cell's characters as text: lines the writer broke by hand keep their line break, lines
    the layout wrapped because the next word did not fit are joined back (a space only between
    Latin words)."""
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if lines and abs(ch["top"] - lines[-1][0]["top"]) <= LINE_TOLERANCE:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    for line in lines:
        line.sort(key=lambda c: c["x0"])
    room = box[2] - box[0] - 2 * CELL_PADDING
    return join_wrapped_lines([_wrapped_line(line, room) for line in lines], is_latin_letter)


def _wrapped_line(line: list[dict], room: float) -> WrappedLine:
    """One line of characters measured: the room a line starting at the cell's padding leaves
    after it, its widest character, its first unbreakable run."""
    return WrappedLine(
        text=_line_text(line),
        room_left=room - (line[-1]["x1"] - line[0]["x0"]),
        char_width=max(c["x1"] - c["x0"] for c in line),
        first_unit=_first_unit_width(line),
    )


def _line_text(line: list[dict]) -> str:
    """The characters of one line, left to right, a space where the gap is a word space."""
    parts: list[str] = []
    previous = None
    for ch in line:
        if previous is not None and ch["x0"] - previous["x1"] > WORD_GAP * ch["size"]:
            parts.append(" ")
        parts.append(ch["text"])
        previous = ch
    return "".join(parts)


def _first_unit_width(line: list[dict]) -> float:
    """Width of the line's first unbreakable run: a Latin word or number, or a character held
    to its neighbours by line-breaking rules (no 、。”% at a line's start, no “（ at its end)."""
    end = 0
    while end + 1 < len(line):
        here, after = line[end]["text"], line[end + 1]["text"]
        glued = (
            after in _NO_LINE_START
            or here in _NO_LINE_END
            or (_is_word_char(here) and _is_word_char(after))
        )
        if not glued:
            break
        end += 1
    return line[end]["x1"] - line[0]["x0"]


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in ".,-+/")
