"""Born-digital PDF extractor on pdfplumber: ruled tables as Grids, other text as TextLines.

Each table cell keeps its page and bbox. A table that runs over a page break (nothing but page
furniture between its end on one page and its continuation at the top of the next, and the same
outer width) is joined back into one Grid, its rows numbered on from the first part.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ExtractionError
from .model import BBox, Block, Cell, Document, Grid, TextLine, cells_to_grid

# pdfminer logs every oddity of a damaged file; what matters reaches the documents table.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

EDGE_TOLERANCE = 2.0  # points: cell edges closer than this are the same ruling line
WORD_GAP = 0.25  # of the font size: a wider gap between two characters is a space
LINE_TOLERANCE = 3.0  # points: characters whose tops differ less are on one line
_QUOTES = set("“”‘’\"'")
_NO_LINE_START = set("、。，．；：？！）」』】〕》〉%％") | _QUOTES
_NO_LINE_END = set("（「『【〔《〈") | _QUOTES
CELL_PADDING = 5.4  # points: the usual inner margin of a Word cell (0.19 cm)
_PAGE_FURNITURE = re.compile(r"^\s*(第?\s*\d+\s*页|-\s*\d+\s*-|\d+\s*/\s*\d+|\d+)\s*$")


@dataclass(frozen=True)
class _TablePart:
    """One ruled table found on one page: its cells' boxes and the text of each."""

    page: int
    boxes: tuple[tuple[float, float, float, float], ...]
    texts: tuple[str, ...]
    bbox: tuple[float, float, float, float]
    confidences: tuple[float, ...] = ()  # per cell, the OCR score; empty: a text layer (1.0)


def load_libraries() -> None:
    import pdfplumber
    import pdfplumber.utils  # noqa: F401

    from . import scan  # noqa: F401  (numpy: every page is checked for a text layer)


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
            items: list[_TablePart | TextLine] = []
            scanned = False
            for number, page in enumerate(pdf.pages, start=1):
                if _needs_ocr(page):
                    items.extend(_scan_items(page, number))
                    scanned = True
                else:
                    items.extend(_page_items(page, number))
            n_pages = len(pdf.pages)
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
        blocks=tuple(_join_parts(items)),
        source_format="pdf_scan" if scanned else "pdf",
        pages=n_pages,
    )


def _needs_ocr(page) -> bool:
    """A page without a text layer (only images) or with a garbage one goes to OCR."""
    from .scan import needs_ocr

    return needs_ocr(page)


def _scan_items(page, number: int) -> list[_TablePart | TextLine]:
    from .scan import scan_page

    return scan_page(page, number)


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


def _page_items(page, number: int) -> list[_TablePart | TextLine]:
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
    keyed: list[tuple[float, _TablePart | TextLine]] = [(p.bbox[1], p) for p in parts]
    keyed += [(line.bbox.top, line) for line in lines if line.bbox is not None]
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


def _table_to_part(page, table, number: int) -> _TablePart:
    """Assign each character of the table's area to the cell whose box holds its centre."""
    boxes = tuple(tuple(map(float, c)) for c in table.cells)
    xs = _cluster(sorted({b[0] for b in boxes} | {b[2] for b in boxes}))
    ys = _cluster(sorted({b[1] for b in boxes} | {b[3] for b in boxes}))
    slot_owner: dict[tuple[int, int], int] = {}
    for i, b in enumerate(boxes):
        for r in range(_edge(ys, b[1]), _edge(ys, b[3])):
            for c in range(_edge(xs, b[0]), _edge(xs, b[2])):
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
    return _TablePart(page=number, boxes=boxes, texts=texts, bbox=(x0, top, x1, bottom))


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
    text = ""
    for i, line in enumerate(lines):
        line_text = _line_text(line)
        if i > 0:
            previous = lines[i - 1]
            left = room - (previous[-1]["x1"] - previous[0]["x0"])
            char_width = max(c["x1"] - c["x0"] for c in previous)
            if _first_unit_width(line) <= left - 0.5 * char_width:
                text += "\n"  # the next word would have fitted: the writer broke the line
            elif _is_latin_letter(text[-1:]) and _is_latin_letter(line_text[:1]):
                text += " "
        text += line_text
    return text


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


def _is_latin_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _cluster(values: list[float]) -> list[float]:
    """Merge coordinates closer than EDGE_TOLERANCE into one ruling line."""
    merged: list[float] = []
    for v in values:
        if merged and v - merged[-1] < EDGE_TOLERANCE:
            continue
        merged.append(v)
    return merged


def _edge(edges: list[float], value: float) -> int:
    """Index of the ruling line nearest to `value`."""
    i = bisect.bisect_left(edges, value)
    candidates = [j for j in (i - 1, i) if 0 <= j < len(edges)]
    return min(candidates, key=lambda j: abs(edges[j] - value))


def _join_parts(items: list[_TablePart | TextLine]) -> list[Block]:
    """Join table parts continued over page breaks, then turn each table into a Grid."""
    blocks: list[Block] = []
    run: list[_TablePart] = []
    pending_furniture: list[TextLine] = []
    for item in items:
        if isinstance(item, TextLine):
            if run and _PAGE_FURNITURE.match(item.text):
                pending_furniture.append(item)
                continue
            if run:
                blocks.append(parts_to_grid(run))
                run = []
            blocks.extend(pending_furniture)
            pending_furniture = []
            blocks.append(item)
            continue
        if run and _continues(run[-1], item):
            run.append(item)
            continue
        if run:
            blocks.append(parts_to_grid(run))
        blocks.extend(pending_furniture)
        pending_furniture = []
        run = [item]
    if run:
        blocks.append(parts_to_grid(run))
    blocks.extend(pending_furniture)
    return blocks


def _continues(previous: _TablePart, part: _TablePart) -> bool:
    """A part on the next page with the same outer width continues the previous table."""
    same_width = (
        abs(previous.bbox[0] - part.bbox[0]) < 3 * EDGE_TOLERANCE
        and abs(previous.bbox[2] - part.bbox[2]) < 3 * EDGE_TOLERANCE
    )
    return part.page == previous.page + 1 and same_width


def parts_to_grid(parts: list[_TablePart]) -> Grid:
    """One Grid from one or more table parts: columns from all parts' ruling lines, rows stacked."""
    xs = _cluster(
        sorted({b[0] for p in parts for b in p.boxes} | {b[2] for p in parts for b in p.boxes})
    )
    cells: list[Cell] = []
    row_offset = 0
    for part in parts:
        ys = _cluster(sorted({b[1] for b in part.boxes} | {b[3] for b in part.boxes}))
        confidences = part.confidences or (1.0,) * len(part.boxes)
        for box, text, confidence in zip(part.boxes, part.texts, confidences, strict=True):
            r0, r1 = _edge(ys, box[1]), _edge(ys, box[3])
            c0, c1 = _edge(xs, box[0]), _edge(xs, box[2])
            if r1 <= r0 or c1 <= c0:
                continue  # a sliver between two ruling lines drawn twice
            cells.append(
                Cell(
                    row=row_offset + r0,
                    col=c0,
                    text=text,
                    rowspan=r1 - r0,
                    colspan=c1 - c0,
                    page=part.page,
                    bbox=BBox(*box),
                    confidence=confidence,
                )
            )
        row_offset += max(len(ys) - 1, 0)
    return cells_to_grid(cells)
