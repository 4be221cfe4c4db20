"""OCR of scanned PDF pages into the same table parts and text lines as a born-digital page.

A page is rendered, made grey and deskewed and its ruled tables found (ruling.py); the
text lines on it are found from its ink (by the detector on a page without a grid) and cut into
crops (crops.py) that the recogniser reads (recognise.py). Here each text box goes to the cell holding its centre; a
cell's boxes are joined in reading order. Boxes outside every table become text lines (titles,
附件N, the 填表人 line).

Coordinates given back are PDF points on the deskewed page (origin top-left), so cell edges
shared by neighbours stay equal and tables.py's grid building serves scans unchanged. A cell's
confidence is the lowest OCR score of its boxes.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from extractors.model import BBox, TextLine
from extractors.scan.crops import (
    ink_glyph,
    ink_lines,
    is_dash,
    is_slash,
    joined_image,
    line_image,
    lines_across_edges,
    reading_units,
    strokes,
    unread_ink,
    widen,
)
from extractors.scan.flat import flat_page, replayed
from extractors.scan.geometry import half_turned, is_upside_down, quarter_turned, runs_sideways
from extractors.scan.recognise import SUSPECT_SCORE, detect_lines, recognise, text_score
from extractors.scan.recognise import warm_up as warm_up  # re-exported: scripts/bench.py calls it
from extractors.scan.ruling import (
    DPI,
    Rect,
    Table,
    cell_of,
    ink_mask,
    render_with_seal,
    union,
)
from extractors.scan.sealed import UNDER_SEAL_SCORE as UNDER_SEAL_SCORE  # tests import it here
from extractors.scan.sealed import doubted_under_seal, read_under_grey_seal
from extractors.tables import TablePart, WrappedLine, join_wrapped_lines

CELL_PADDING_PX = 11  # the inner margin of a Word cell at DPI (5.4 pt)
DASH, DASH_SCORE = "——", 0.95  # a flat bar alone: the placeholder, by its shape
MAX_SCORE = 0.9999  # an OCR reading is never as sure as a text layer (1.0), blank cells included
_MIDDLE_DOT = re.compile(r"(?<=\d)[·•∙](?=\d)")  # 89·42: a decimal point read as a middle dot
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) +| +(?=[^\x00-\x7f])")
_CJK_PUNCT = re.compile(r"(?<=[\u4e00-\u9fff%）])[;:,!?]|[;:,!?](?=[\u4e00-\u9fff\n]|$)")
_FULL_WIDTH = {";": "；", ":": "：", ",": "，", "!": "！", "?": "？"}
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGIT_TILDE = re.compile(r"(?<=\d)~(?=\d)")
_STRAY_POINT = re.compile(
    r"(?P<number>[≥≤<>=]?\d[\d,，]*(?:[.．]\d+)?[%％]?)[.．](?P<unit>[\u4e00-\u9fff]{0,3})"
)
_DECIMAL = re.compile(r"[.．]\d")
# words then a bare number closing the cell, on its line or the next: a label and its value
_RUN_TOGETHER = re.compile(
    r"[\u4e00-\u9fff)）]\n?[-+]?\d[\d,]*(?:\.\d+)?%?$|[\u4e00-\u9fff]\n[-+]?\d"
    r"|^\s*[-+]?[\d.,]+%?(?:[\n ]+[-+]?[\d.,]+%?)+\s*$"  # two bare numbers in one cell
)
_YEAR_POINT = re.compile(r"(?<![\d.．])(\d{4})[.．](?=年)")  # 2023.年决算数: a speck after a year

Points = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextBox:
    """One line of text as the OCR read it: where, what and how sure."""

    rect: Rect
    text: str
    score: float
    # each character's score where known (the recogniser's, lowered where a seal lies over
    # it or the whole line is in doubt); empty: the box's score stands for every character
    chars: tuple[float, ...] = ()


# ---------------------------------------------------------------------------------------------
# Detection: which pages need OCR


def needs_ocr(texts: Sequence[str], has_images: bool) -> bool:
    """True for a page with images but no text layer, or a text layer that is garbage: glyphs
    without a Unicode mapping (`(cid:123)`, private-use code points, U+FFFD) for most of it.
    `texts` are the page's characters as its reader decoded them."""
    if not texts:
        return has_images
    bad = sum(1 for text in texts if _is_garbage(text))
    return bad >= 0.3 * len(texts)


def _is_garbage(text: str) -> bool:
    if text.startswith("(cid:"):
        return True
    return any(
        0xE000 <= ord(c) <= 0xF8FF or c == "\ufffd" or (ord(c) < 0x20 and c not in "\t\n\r")
        for c in text
    )


# ---------------------------------------------------------------------------------------------
# The page: render, deskew, grid, OCR, placement


def scan_page(page: Any, number: int) -> list[TablePart | TextLine]:
    """OCR one PDF page (a pypdfium2 page) into table parts and outside-table text lines, top to
    bottom."""
    width, height = page.get_size()
    grey, seal = render_with_seal(page)
    return scan_image(grey, number, (float(width), float(height)), seal)


def scan_image(
    image: np.ndarray,
    number: int,
    size: tuple[float, float],
    seal: np.ndarray | None = None,
) -> list[TablePart | TextLine]:
    """OCR a page rendered at DPI (greyscale) whose size is `size` points: set upright and flat
    first (geometry.py), then levelled by its ruling lines; a seal left on it as a grey ring
    (a grey scan's) taken out round its tables once they are found (colour.py). Whether it lies
    upside down (geometry.is_upside_down: a few text lines read by the recogniser) is asked in
    the background while the page is levelled and its grid found as it lies; only a page that
    was upside down is levelled again, turned. `seal`: the page's red seals' ink as a layer
    (colour.seal_layer), set flat with the page: text read under it is never sure."""
    sideways = runs_sideways(image)  # its text runs up or down the image: turned a quarter
    turns: list[Callable[[np.ndarray], np.ndarray]] = [quarter_turned] if sideways else []
    grey = replayed(image, turns)
    turned = _background().submit(is_upside_down, grey, recognise)
    flat = flat_page(grey, size, turns, seal)
    if turned.result():
        flat = flat_page(half_turned(grey), size, [*turns, half_turned], seal)
    boxes = read_text(flat.clean, flat.tables, flat.lines)
    if seal is not None:
        boxes = doubted_under_seal(boxes, replayed(seal, flat.turns))
    else:
        boxes = read_under_grey_seal(boxes, flat.clean, flat.tables, _recognised)
    if flat.grey_seal is not None:
        boxes = doubted_under_seal(boxes, flat.grey_seal)
    to_points = flat.size[0] / flat.clean.shape[1], flat.size[1] / flat.clean.shape[0]
    return page_items(flat.tables, boxes, number, to_points, flat.size)


_backgrounds: dict[int, Any] = {}


def _background() -> Any:
    """This process's one thread for work a page waits on later (made anew in a forked child:
    threads do not survive the fork)."""
    from concurrent.futures import ThreadPoolExecutor

    if os.getpid() not in _backgrounds:
        _backgrounds[os.getpid()] = ThreadPoolExecutor(1, thread_name_prefix="selfeval-scan")
    return _backgrounds[os.getpid()]


def read_text(
    grey: np.ndarray, tables: list[Table], lines: np.ndarray | None = None
) -> list[TextBox]:
    """Every text line on the page: found from the ink where there is a grid (the lines of each
    cell from its row profile, and of the rest of the page the same way), by the detector on a
    page without one; each crop widened a little within its cell and read by the recogniser. Ink
    in a cell that no line covers is read as well, so no value is lost without a word. `lines`:
    the page's line ink before its ruling lines were taken out, where a line of text a column
    edge cut in two is looked for (crops.lines_across_edges); its reading is unsure."""
    ink = strokes(grey)
    glyph = ink_glyph(ink, tables) if tables else None
    from_ink = glyph is not None
    if glyph is None:  # no grid to find the lines in: the detector finds them
        rects = detect_lines(grey)
        glyph = float(np.median([r.height for r in rects])) * 0.7 if rects else DPI / 8
    else:
        rects = ink_lines(ink, ink_mask(grey), tables, glyph)
    cut = lines_across_edges(rects, tables, lines, glyph) if from_ink and lines is not None else []
    crops = widen(rects, tables, grey.shape, glyph, from_ink)
    crops += unread_ink(ink, tables, crops, glyph)
    if not crops:
        return []
    dashes: list[TextBox] = []
    jobs: list[tuple[Rect, np.ndarray]] = []
    slashes: list[bool] = []  # the job's ink is one leaning stroke: a / whatever is read
    for unit in reading_units(crops, tables, glyph):
        if len(unit) == 1 and is_dash(_ink_under(ink, unit[0]), glyph):
            dashes.append(TextBox(rect=unit[0], text=DASH, score=DASH_SCORE))
        else:
            jobs.append(_unit_image(grey, ink, unit, glyph))
            slashes.append(len(unit) == 1 and is_slash(_ink_under(ink, unit[0]), glyph))
    read = _recognised(jobs)
    return dashes + [
        _cut_doubted(_slash_doubted(box) if s else box, cut)
        for box, s in zip(read, slashes, strict=True)
    ]


def _cut_doubted(box: TextBox, cut: list[Rect]) -> TextBox:
    """A box read from a line a column edge cut in two (crops.lines_across_edges): what it
    holds is part of a text the cell beside it holds the rest of, unsure."""
    if not any(box.rect.holds(r.cx, r.cy) or r.holds(box.rect.cx, box.rect.cy) for r in cut):
        return box
    return TextBox(rect=box.rect, text=box.text, score=min(box.score, SUSPECT_SCORE))


def _slash_doubted(box: TextBox) -> TextBox:
    """A placeholder / read as something else (most often 1): unsure, never a number."""
    if box.text == "/":
        return box
    return TextBox(rect=box.rect, text=box.text, score=min(box.score, SUSPECT_SCORE))


def _ink_under(ink: np.ndarray, rect: Rect) -> np.ndarray:
    return ink[int(rect.y0) : math.ceil(rect.y1), int(rect.x0) : math.ceil(rect.x1)]


def _unit_image(
    grey: np.ndarray, ink: np.ndarray, unit: list[Rect], glyph: float
) -> tuple[Rect, np.ndarray]:
    """A reading unit's box and the image the recogniser reads of it."""
    if len(unit) == 1:
        return unit[0], line_image(grey, ink, unit[0], glyph)
    return union(unit), joined_image(grey, ink, unit, glyph)


def _recognised(jobs: list[tuple[Rect, np.ndarray]]) -> list[TextBox]:
    """Each job's image read, as a text box of the job's rect."""
    read_all = recognise([image for _, image in jobs]) if jobs else []
    return [
        TextBox(
            rect=rect,
            text=clean_text(text),
            score=min(text_score(text, score, confs), MAX_SCORE),
            chars=char_scores(text, clean_text(text), confs),
        )
        for (rect, _), (text, score, confs) in zip(jobs, read_all, strict=True)
    ]


def char_scores(raw: str, cleaned: str, confs: list[float]) -> tuple[float, ...]:
    """Each character's score of a cleaned reading (clean_text: spaces beside CJK dropped,
    marks made full-width), no higher than what doubts the whole line (a number of a shape no
    form writes, a sentence mark read unsure); empty where the cleaning moved characters
    otherwise or the recogniser gave no score per character."""
    if len(confs) != len(raw) or not raw:
        return ()
    whole = text_score(raw, 1.0, confs)  # the line's own caps; a character's is its score
    kept = [min(c, whole) if whole < min(confs) else c for c in confs]
    if len(cleaned) == len(raw):
        return tuple(kept)
    stripped = [(ch, c) for ch, c in zip(raw, kept, strict=True) if ch != " "]
    if len(stripped) == len(cleaned):
        return tuple(c for _, c in stripped)
    return ()


def page_items(
    tables: list[Table],
    boxes: list[TextBox],
    number: int,
    scale: tuple[float, float],
    size: tuple[float, float],
) -> list[TablePart | TextLine]:
    """Place the text boxes into the tables' cells; the rest become text lines."""
    by_cell, outside = _boxes_by_cell(tables, boxes)

    def pts(rect: Rect) -> Points:
        return _to_points(rect, scale, size)

    keyed: list[tuple[float, TablePart | TextLine]] = []
    for t, table in enumerate(tables):
        found = [by_cell.get((t, c), []) for c in range(len(table.cells))]
        part = _table_part(table, found, number, pts)
        keyed.append((part.bbox[1], part))
    for line in _group_lines(outside):
        text_line = _text_line(line, number, pts)
        if text_line is not None:
            keyed.append((text_line.bbox.top, text_line))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


def _boxes_by_cell(
    tables: list[Table], boxes: list[TextBox]
) -> tuple[dict[tuple[int, int], list[TextBox]], list[TextBox]]:
    """The boxes by the (table, cell) holding their centre, and those outside every table."""
    by_cell: dict[tuple[int, int], list[TextBox]] = {}
    outside: list[TextBox] = []
    for box in boxes:
        slot = cell_of(tables, box.rect.cx, box.rect.cy)
        if slot is None:
            outside.append(box)
        else:
            by_cell.setdefault(slot, []).append(box)
    return by_cell, outside


def _to_points(rect: Rect, scale: tuple[float, float], size: tuple[float, float]) -> Points:
    """A rect in pixels as a box in points on the page, kept within it."""
    return (
        round(min(max(rect.x0 * scale[0], 0.0), size[0]), 2),
        round(min(max(rect.y0 * scale[1], 0.0), size[1]), 2),
        round(min(max(rect.x1 * scale[0], 0.0), size[0]), 2),
        round(min(max(rect.y1 * scale[1], 0.0), size[1]), 2),
    )


def _table_part(
    table: Table, found: list[list[TextBox]], number: int, pts: Callable[[Rect], Points]
) -> TablePart:
    """A table and the boxes found in each of its cells as a table part in points."""
    texts = [cell_text(boxes, cell) for boxes, cell in zip(found, table.cells, strict=True)]
    confidences = tuple(
        min(cell_score(t, b), SUSPECT_SCORE) if c in table.guessed else cell_score(t, b)
        for c, (t, b) in enumerate(zip(texts, found, strict=True))
    )
    return TablePart(
        page=number,
        boxes=tuple(pts(cell) for cell in table.cells),
        texts=tuple(texts),
        bbox=pts(table.rect),
        confidences=confidences,
        char_confidences=tuple(
            cell_char_scores(t, b, c) for t, b, c in zip(texts, found, confidences, strict=True)
        ),
    )


def cell_char_scores(text: str, boxes: list[TextBox], confidence: float) -> tuple[float, ...]:
    """Each character's score of a cell read as one box, as the recogniser read it: what
    doubts the whole cell beyond its box (a guessed region, words run into a number) is the
    cell's `confidence`, lower than its characters' (keys.py keeps it); empty for a cell of
    several boxes or one whose text the joining changed."""
    if len(boxes) != 1 or boxes[0].text != text or len(boxes[0].chars) != len(text):
        return ()
    return tuple(boxes[0].chars)


def _text_line(line: list[TextBox], number: int, pts: Callable[[Rect], Points]) -> TextLine | None:
    """One line of boxes outside the tables as a text line; None if it reads as nothing."""
    text = _join_line(line).strip()
    if not text:
        return None
    return TextLine(
        text=text,
        page=number,
        bbox=BBox(*pts(union([b.rect for b in line]))),
        confidence=min(min(b.score for b in line), MAX_SCORE),
        char_confidences=line_char_scores(line, text),
    )


def line_char_scores(line: list[TextBox], text: str) -> tuple[float, ...]:
    """Each character's score of a line of boxes joined as `text` (_join_line, stripped): a
    space put between two boxes as sure as the less sure of its neighbours; empty unless
    every box has its characters' scores."""
    if any(len(b.chars) != len(b.text) for b in line):
        return ()
    scores: list[float] = []
    joined = ""
    for box in line:
        if joined and _is_latin(joined[-1]) and _is_latin(box.text[:1]):
            joined += " "
            scores.append(min(scores[-1], box.chars[0]))
        joined += box.text
        scores.extend(box.chars)
    start = len(joined) - len(joined.lstrip())
    scores = scores[start : start + len(text)]
    return tuple(min(c, MAX_SCORE) for c in scores) if len(scores) == len(text) else ()


def cell_score(text: str, boxes: list[TextBox]) -> float:
    """A cell's confidence: its least sure line's, and low when a bracket opens and never
    closes (`效益指标(30` is a cell whose last line was lost; a closing one alone is fine, as
    in the enumeration `1）… 2）…`), or when a label's words run straight into a number
    (`2022年决算数\n36.07`, `公务接待7.76`: two cells a lost ruling line made one)."""
    score = min((b.score for b in boxes), default=MAX_SCORE)
    if _RUN_TOGETHER.search(text):
        return min(score, SUSPECT_SCORE)
    depth = 0
    for char in text:
        if char in "(（[［【":
            depth += 1
        elif char in ")）]］】":
            depth = max(depth - 1, 0)
    return min(score, SUSPECT_SCORE) if depth else score


def clean_text(text: str) -> str:
    """What the OCR read, with only the fixes of form: no space next to a CJK character, the
    punctuation of Chinese text full-width (the recogniser cannot see the difference and gives
    `;` for `；`, `~` for `～`), and no point after a number (a speck on the scan: `9.80.`,
    `1756.50.万元`; its score stays low, so the value is still flagged) nor between a year
    and its 年 (`2023.年决算数`: no form writes a year so; `1.年度目标` is an enumeration), a
    point read as a middle dot between digits made a point again (`89·42`, flagged the same
    way); letters and digits are never changed."""
    text = _MIDDLE_DOT.sub(".", _CJK_SPACE.sub("", text.strip()))  # its score stays low
    text = _YEAR_POINT.sub(r"\1", text)
    if _HAS_CJK.search(text):
        text = _CJK_PUNCT.sub(lambda m: _FULL_WIDTH[m.group(0)], text)
        text = _DIGIT_TILDE.sub("～", text)
    stray = _STRAY_POINT.fullmatch(text)
    if stray and (not stray["unit"] or _DECIMAL.search(stray["number"])):
        text = stray["number"] + stray["unit"]  # but `1.完成` is an enumeration
    return text


# ---------------------------------------------------------------------------------------------
# Text of a cell


def _group_lines(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into lines (centres within half a line height), top to bottom, each line
    left to right."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.rect.cy):
        if lines:
            last = lines[-1]
            centre = sum(b.rect.cy for b in last) / len(last)
            height = max(b.rect.height for b in last)
            if abs(box.rect.cy - centre) < 0.5 * min(height, box.rect.height):
                last.append(box)
                continue
        lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.rect.x0)
    return lines


def _join_line(line: list[TextBox]) -> str:
    text = ""
    for box in line:
        if text and _is_latin(text[-1]) and _is_latin(box.text[:1]):
            text += " "
        text += box.text
    return text


def cell_text(boxes: list[TextBox], cell: Rect) -> str:
    """A cell's boxes as text: lines the writer broke keep a line break, lines the layout
    wrapped are joined (a space only between Latin words or numbers), by the joiner pdf.py uses
    for a text layer."""
    lines = _group_lines(boxes)
    wrapped = [
        _wrapped_line(line, cell, lines[i - 1] if i else line) for i, line in enumerate(lines)
    ]
    return clean_text(join_wrapped_lines(wrapped, _is_latin))  # its punctuation across boxes


def _wrapped_line(line: list[TextBox], cell: Rect, previous: list[TextBox]) -> WrappedLine:
    """One line of boxes measured in pixels: the room left after it before the cell's padding,
    a character's width from its height, its first unbreakable run in the previous line's
    characters (the one it would have had to fit on)."""
    text = _join_line(line)
    return WrappedLine(
        text=text,
        room_left=cell.x1 - CELL_PADDING_PX - line[-1].rect.x1,
        char_width=_char_width(line),
        first_unit=_first_unit_width(text, _char_width(previous)),
    )


def _char_width(line: list[TextBox]) -> float:
    return max(b.rect.height for b in line) * 0.75


def _first_unit_width(text: str, char: float) -> float:
    """Rough width of a line's first unbreakable run: a Latin word or one CJK character (with
    punctuation that may not start a line)."""
    match = re.match(r"[A-Za-z0-9.,+\-/%]+|.[、。，；：？！）%％]*", text)
    unit = match.group(0) if match else text[:1]
    return sum(char * (0.55 if c.isascii() else 1.0) for c in unit)


def _is_latin(char: str) -> bool:
    return bool(char) and char.isascii() and char.isalnum()
