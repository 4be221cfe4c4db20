"""OCR of scanned PDF pages into the same table parts and text lines as a born-digital page.

A page is rendered, made grey and deskewed (the angle from the slope of the table's long
horizontal ruling lines), its ruled grid found with OpenCV morphology (horizontal and vertical
line masks; the regions they enclose are the cells), and its text read by RapidOCR (PP-OCR models
shipped inside the `rapidocr` wheel, run by onnxruntime on the CPU). Each text box goes to the
cell holding its centre; a cell's boxes are joined in reading order. Boxes outside every table
become text lines (titles, 附件N, the 填表人 line).

Coordinates given back are PDF points on the deskewed page (origin top-left), so cell edges
shared by neighbours stay equal and pdf.py's grid building serves scans unchanged. A cell's
confidence is the lowest OCR score of its boxes.

`SELFEVAL_OCR_THREADS` sets onnxruntime's threads per process; unset, each worker takes its share
of the cores (one each when there are as many workers as cores).
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .model import BBox, TextLine

if TYPE_CHECKING:
    from .pdf import _TablePart

DPI = 150  # render resolution: 9 pt text is ~19 px high, which PP-OCR reads well
REC_HEIGHT = 48  # the recogniser's input height (PP-OCR rec_img_shape)
PACK_WIDTH = 320  # and its least width: a shorter line is padded to it with grey
PACK_GAP = 32  # grey between two crops packed into one recogniser run
DET_SIDE_PX = 1280  # the text detector's view of an A4 page at DPI: 0.73×, its lines ~14 px high
MAX_SKEW = 3.0  # degrees: a steeper "line" is not a ruling line
MIN_LINE_PX = 50  # a horizontal ruling segment is at least this long (longer than any stroke)
MIN_VLINE_PX = 25  # a vertical ruling segment: longer than a character is high
SNAP_PX = 6  # a cell edge this close to a ruling line's centre lies on it
CELL_PADDING_PX = 11  # the inner margin of a Word cell at DPI (5.4 pt)
LINE_MARGIN_PX = 4  # a ruling line's half width and its blur
WIDEN_LEFT, WIDEN_RIGHT = 0.3, 0.6  # of a line's height: room given to a detected line's crop
MIN_INK_PX = 30  # a cell with fewer dark pixels (after despeckling) is blank
MIN_BLOB_PX, MIN_BLOB_SIDE_PX = 12, 6  # smaller dark blobs are specks, not strokes
NARROW_CELL_GLYPHS = 8  # a cell narrower than this many characters holds fragments of one phrase
_NUMBER_CHARS = frozenset("0123456789.,:;%％．，·•∙")
# a digit then : or ; then a digit, a number or percentage ending in a point, a comma not
# before three digits
_SUSPECT_NUMBER = re.compile(r"\d[:;：；·•∙]\d|[\d%％][.．](?!\d)|\d[,，]\d{1,2}(?!\d)")
_NUMBER_LIKE = re.compile(
    r"\s*[≥≤<>=]?\s*[\d.,:;：；．，·•∙]+\s*(%|％|[\u4e00-\u9fff]{0,3})[.．]?\s*"
)
_MIDDLE_DOT = re.compile(r"(?<=\d)[·•∙](?=\d)")  # 89·42: a decimal point read as a middle dot
SUSPECT_SCORE = 0.5
DASH, DASH_SCORE = "——", 0.95  # a flat bar alone: the placeholder, by its shape
MAX_SCORE = 0.9999  # an OCR reading is never as sure as a text layer (1.0), blank cells included
THREADS_ENV = "SELFEVAL_OCR_THREADS"
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) +| +(?=[^\x00-\x7f])")
_CJK_PUNCT = re.compile(r"(?<=[\u4e00-\u9fff%）])[;:,!?]|[;:,!?](?=[\u4e00-\u9fff\n]|$)")
_FULL_WIDTH = {";": "；", ":": "：", ",": "，", "!": "！", "?": "？"}
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGIT_TILDE = re.compile(r"(?<=\d)~(?=\d)")
_STRAY_POINT = re.compile(
    r"(?P<number>[≥≤<>=]?\d[\d,，]*(?:[.．]\d+)?[%％]?)[.．](?P<unit>[\u4e00-\u9fff]{0,3})"
)
_DECIMAL = re.compile(r"[.．]\d")


@dataclass(frozen=True)
class Rect:
    """An axis-parallel rectangle in pixels of the deskewed page image."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def holds(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


@dataclass(frozen=True)
class TextBox:
    """One line of text as the OCR read it: where, what and how sure."""

    rect: Rect
    text: str
    score: float


@dataclass(frozen=True)
class Table:
    """A ruled table found on the image: its outer box and its cells' boxes."""

    rect: Rect
    cells: tuple[Rect, ...]


# ---------------------------------------------------------------------------------------------
# Detection: which pages need OCR


def needs_ocr(page: Any) -> bool:
    """True for a page with images but no text layer, or a text layer that is garbage: glyphs
    without a Unicode mapping (`(cid:123)`, private-use code points, U+FFFD) for most of it."""
    chars = page.chars
    if not chars:
        return bool(page.images)
    bad = sum(1 for ch in chars if _is_garbage(ch["text"]))
    return bad >= 0.3 * len(chars)


def _is_garbage(text: str) -> bool:
    if text.startswith("(cid:"):
        return True
    return any(
        0xE000 <= ord(c) <= 0xF8FF or c == "\ufffd" or (ord(c) < 0x20 and c not in "\t\n\r")
        for c in text
    )


# ---------------------------------------------------------------------------------------------
# The page: render, deskew, grid, OCR, placement


def scan_page(page: Any, number: int) -> list[_TablePart | TextLine]:
    """OCR one PDF page into table parts and outside-table text lines, top to bottom."""
    grey = render(page)
    angle = skew_angle(grey)
    if abs(angle) > 0.05:
        grey = rotate(grey, angle)
    tables, ruling = find_tables(grey)
    clean = np.where(ruling > 0, np.uint8(255), grey)  # the ruling lines out of the OCR's way
    boxes = read_text(clean, tables)
    to_points = float(page.width) / grey.shape[1], float(page.height) / grey.shape[0]
    return page_items(tables, boxes, number, to_points, (float(page.width), float(page.height)))


def page_items(
    tables: list[Table],
    boxes: list[TextBox],
    number: int,
    scale: tuple[float, float],
    size: tuple[float, float],
) -> list[_TablePart | TextLine]:
    """Place the text boxes into the tables' cells; the rest become text lines."""
    from .pdf import _TablePart

    by_cell: dict[tuple[int, int], list[TextBox]] = {}
    outside: list[TextBox] = []
    for box in boxes:
        slot = _cell_of(tables, box.rect.cx, box.rect.cy)
        if slot is None:
            outside.append(box)
        else:
            by_cell.setdefault(slot, []).append(box)

    def pts(rect: Rect) -> tuple[float, float, float, float]:
        return (
            round(min(max(rect.x0 * scale[0], 0.0), size[0]), 2),
            round(min(max(rect.y0 * scale[1], 0.0), size[1]), 2),
            round(min(max(rect.x1 * scale[0], 0.0), size[0]), 2),
            round(min(max(rect.y1 * scale[1], 0.0), size[1]), 2),
        )

    keyed: list[tuple[float, _TablePart | TextLine]] = []
    for t, table in enumerate(tables):
        texts, scores = [], []
        for c, cell in enumerate(table.cells):
            found = by_cell.get((t, c), [])
            texts.append(cell_text(found, cell))
            scores.append(cell_score(texts[-1], found))
        part = _TablePart(
            page=number,
            boxes=tuple(pts(cell) for cell in table.cells),
            texts=tuple(texts),
            bbox=pts(table.rect),
            confidences=tuple(scores),
        )
        keyed.append((part.bbox[1], part))
    for line in _group_lines(outside):
        rect = Rect(
            min(b.rect.x0 for b in line),
            min(b.rect.y0 for b in line),
            max(b.rect.x1 for b in line),
            max(b.rect.y1 for b in line),
        )
        text = _join_line(line).strip()
        if not text:
            continue
        box = pts(rect)
        keyed.append(
            (
                box[1],
                TextLine(
                    text=text,
                    page=number,
                    bbox=BBox(*box),
                    confidence=min(min(b.score for b in line), MAX_SCORE),
                ),
            )
        )
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


def cell_score(text: str, boxes: list[TextBox]) -> float:
    """A cell's confidence: its least sure line's, and low when a bracket opens and never
    closes (`效益指标(30` is a cell whose last line was lost; a closing one alone is fine, as
    in the enumeration `1）… 2）…`)."""
    score = min((b.score for b in boxes), default=MAX_SCORE)
    depth = 0
    for char in text:
        if char in "(（[［【":
            depth += 1
        elif char in ")）]］】":
            depth = max(depth - 1, 0)
    return min(score, SUSPECT_SCORE) if depth else score


def _cell_of(tables: list[Table], x: float, y: float) -> tuple[int, int] | None:
    for t, table in enumerate(tables):
        if not table.rect.holds(x, y):
            continue
        for c, cell in enumerate(table.cells):
            if cell.holds(x, y):
                return t, c
        # on a ruling line: the cell whose box is nearest
        nearest = min(
            range(len(table.cells)),
            key=lambda c: _distance(table.cells[c], x, y),
            default=None,
        )
        return None if nearest is None else (t, nearest)
    return None


def _distance(rect: Rect, x: float, y: float) -> float:
    dx = max(rect.x0 - x, 0.0, x - rect.x1)
    dy = max(rect.y0 - y, 0.0, y - rect.y1)
    return math.hypot(dx, dy)


# ---------------------------------------------------------------------------------------------
# Image steps


def render(page: Any) -> np.ndarray:
    """The page as a greyscale image at DPI (pdfium renders it, embedded scan included)."""
    image = page.to_image(resolution=DPI).original.convert("L")
    return np.asarray(image, dtype=np.uint8)


def _ink(grey: np.ndarray) -> np.ndarray:
    """Dark pixels as 255 on 0, robust to grey paper and sensor noise."""
    import cv2

    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20
    )


def skew_angle(grey: np.ndarray) -> float:
    """The page's rotation in degrees (OpenCV's sense: positive is counter-clockwise), from the
    slope of the long horizontal ruling lines, each weighted by its length; 0 without any."""
    import cv2

    ink = _ink(grey)
    # short horizontal runs survive a crooked line (a 1° slope still gives 50+ px runs)
    runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (30, 1)))
    runs = cv2.dilate(runs, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    slopes: list[tuple[float, float]] = []
    min_width = grey.shape[1] / 4
    for label in range(1, count):
        x, y, w, h, _area = stats[label]
        if w < min_width or h > w * math.tan(math.radians(MAX_SKEW)) + 12:
            continue
        ys, xs = np.nonzero(
            (labels[y : y + h, x : x + w] == label) & (ink[y : y + h, x : x + w] > 0)
        )
        if len(xs) < w / 2:
            continue
        slope = float(np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0])
        slopes.append((math.degrees(math.atan(slope)), float(w)))
    if not slopes:
        return 0.0
    return _weighted_median(slopes)


def _weighted_median(pairs: list[tuple[float, float]]) -> float:
    pairs = sorted(pairs)
    half = sum(w for _, w in pairs) / 2
    total = 0.0
    for value, weight in pairs:
        total += weight
        if total >= half:
            return value
    return pairs[-1][0]


def rotate(grey: np.ndarray, angle: float) -> np.ndarray:
    """The image turned by `angle` degrees about its centre, the corners filled white."""
    import cv2

    h, w = grey.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(
        grey,
        matrix,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )


def find_tables(grey: np.ndarray) -> tuple[list[Table], np.ndarray]:
    """The ruled tables on a deskewed page, each with its cells' boxes snapped to the ruling
    lines so that neighbouring cells share their edges, and the mask of the ruling lines."""
    import cv2

    ink = _ink(grey)
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (MIN_LINE_PX, 1))
    )
    vertical = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, MIN_VLINE_PX))
    )
    close = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    lines = cv2.dilate(horizontal | vertical, close)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    tables: list[Table] = []
    for label in range(1, count):
        x, y, w, h, _area = stats[label]
        if w < grey.shape[1] / 4 or h < 20:
            continue
        table = _table_cells(lines, horizontal, vertical, Rect(x, y, x + w, y + h))
        if table is not None:
            tables.append(table)
    tables.sort(key=lambda t: t.rect.y0)
    ruling = np.zeros_like(ink)
    for table in tables:  # strokes of large type outside the tables are no ruling lines
        y0, y1 = max(int(table.rect.y0) - 3, 0), int(table.rect.y1) + 4
        x0, x1 = max(int(table.rect.x0) - 3, 0), int(table.rect.x1) + 4
        ruling[y0:y1, x0:x1] = (horizontal | vertical)[y0:y1, x0:x1]
    ruling = cv2.dilate(ruling, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return tables, ruling


def _table_cells(
    lines: np.ndarray, horizontal: np.ndarray, vertical: np.ndarray, rect: Rect
) -> Table | None:
    """The cells of one table: the regions its ruling lines enclose."""
    import cv2

    x0, y0, x1, y1 = int(rect.x0), int(rect.y0), int(rect.x1), int(rect.y1)
    region = lines[y0:y1, x0:x1]
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(
        (region == 0).astype(np.uint8), connectivity=4
    )
    xs = _line_centres(vertical[y0:y1, x0:x1].sum(axis=0) / 255, MIN_VLINE_PX)
    ys = _line_centres(horizontal[y0:y1, x0:x1].sum(axis=1) / 255, MIN_LINE_PX)
    cells: list[Rect] = []
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        touches = x == 0 or y == 0 or x + w >= region.shape[1] or y + h >= region.shape[0]
        if touches or w < 8 or h < 8 or area < 0.7 * w * h:
            continue
        cells.append(
            Rect(
                x0 + _snap(xs, x - 1),
                y0 + _snap(ys, y - 1),
                x0 + _snap(xs, x + w),
                y0 + _snap(ys, y + h),
            )
        )
    if len(cells) < 2:
        return None
    outer = Rect(
        min(c.x0 for c in cells),
        min(c.y0 for c in cells),
        max(c.x1 for c in cells),
        max(c.y1 for c in cells),
    )
    cells.sort(key=lambda c: (c.y0, c.x0))
    return Table(rect=outer, cells=tuple(cells))


def _line_centres(profile: np.ndarray, min_count: float) -> list[float]:
    """Centres of the runs of positions where a line mask has at least `min_count` pixels."""
    centres: list[float] = []
    start = None
    for i, value in enumerate([*profile.tolist(), 0.0]):
        if value >= min_count and start is None:
            start = i
        elif value < min_count and start is not None:
            centres.append((start + i - 1) / 2)
            start = None
    return centres


def _snap(centres: list[float], value: float) -> float:
    """The ruling line's centre nearest to `value` if one is within SNAP_PX, else `value`."""
    best = min(centres, key=lambda c: abs(c - value), default=None)
    if best is not None and abs(best - value) <= SNAP_PX:
        return best
    return float(value)


# ---------------------------------------------------------------------------------------------
# OCR


def load_libraries() -> None:
    """Import RapidOCR (most of making an engine is its import: it parses its YAML configs), so
    that worker processes forked afterwards only open the model sessions."""
    import rapidocr.main  # noqa: F401


@functools.cache
def engine() -> Any:
    """The RapidOCR engine on the models shipped inside the rapidocr wheel (nothing downloaded),
    one per process, made on first use (after the fork: onnxruntime sessions do not survive it)."""
    import rapidocr
    from rapidocr import RapidOCR

    models = Path(rapidocr.__file__).resolve().parent / "models"
    params: dict[str, Any] = {
        "Global.log_level": "critical",
        "Global.use_cls": False,
        "Det.model_path": str(models / "PP-OCRv6_det_small.onnx"),
        "Rec.model_path": str(models / "PP-OCRv6_rec_small.onnx"),
        "Cls.model_path": str(models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
        # the detector sees the page at most DET_SIDE_PX on its long side (never scaled up);
        # only where the lines are comes from it: the recogniser reads crops of the full image
        "Det.limit_type": "max",
        "Det.limit_side_len": DET_SIDE_PX,
        # keep onnxruntime's buffers between runs instead of asking the kernel for them anew
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
    }
    threads = ocr_threads()
    if threads > 0:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)


_threads_share: int | None = None


def share_cores(threads: int) -> None:
    """The onnxruntime threads this process may use when SELFEVAL_OCR_THREADS is not set: the
    pipeline gives each worker its share of the cores before it reads a file."""
    global _threads_share
    _threads_share = max(1, threads)


def ocr_threads() -> int:
    """onnxruntime's threads: SELFEVAL_OCR_THREADS if set; else the share of the cores given
    by share_cores(); else 1 in a worker process and onnxruntime's default (0) elsewhere."""
    import multiprocessing

    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            return max(0, int(value))
        except ValueError:
            pass
    if _threads_share is not None:
        return _threads_share
    return 1 if multiprocessing.parent_process() is not None else 0


def read_text(grey: np.ndarray, tables: list[Table]) -> list[TextBox]:
    """Every text line on the page: found by the detector, each crop widened a little within
    its cell (the detector cuts off a line's trailing 、 or ，) and read by the recogniser. Ink in a
    cell that no detected line covers is read as well, so no value is lost without a word."""
    import cv2

    image = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    ocr = engine()
    ink = strokes(grey)
    found = ocr._load_det_model()(image)
    rects = [] if found.boxes is None else [_rect_of(quad) for quad in found.boxes]
    glyph = float(np.median([r.height for r in rects])) * 0.7 if rects else DPI / 8
    crops = _widen(rects, tables, grey.shape, glyph)
    crops += _unread_ink(ink, tables, crops, glyph)
    if not crops:
        return []
    boxes: list[TextBox] = []
    jobs: list[tuple[Rect, np.ndarray]] = []
    for rects_of_cell in _reading_units(crops, tables, glyph):
        if len(rects_of_cell) == 1:
            rect = rects_of_cell[0]
            patch = ink[int(rect.y0) : math.ceil(rect.y1), int(rect.x0) : math.ceil(rect.x1)]
            if _is_dash(patch, glyph):
                boxes.append(TextBox(rect=rect, text=DASH, score=DASH_SCORE))
                continue
            jobs.append((rect, _line_image(grey, ink, rect, glyph)))
        else:
            jobs.append((_union(rects_of_cell), _joined_image(grey, ink, rects_of_cell, glyph)))
    read_all = recognise([image for _, image in jobs]) if jobs else []
    for (rect, _), (text, score, confs) in zip(jobs, read_all, strict=True):
        boxes.append(
            TextBox(
                rect=rect,
                text=clean_text(text),
                score=min(text_score(text, score, confs), MAX_SCORE),
            )
        )
    return boxes


def recognise(images: list[np.ndarray]) -> list[tuple[str, float, list[float]]]:
    """Each grey line image read: its text, mean character probability and each character's.

    The recogniser reads an image REC_HEIGHT px high and at least PACK_WIDTH wide (a shorter
    one is padded with grey, as in training); most crops in a form are short (a number, a
    label), so several are packed side by side into one PACK_WIDTH image, PACK_GAP of grey
    apart, and the output columns under each crop are decoded as its own line.
    """
    rec = engine()._load_rec_model()
    charset: list[str] = rec.postprocess_op.character
    lines = [_rec_input(image) for image in images]
    results: list[tuple[str, float, list[float]]] = [("", 0.0, [])] * len(lines)
    for group in _pack([line.shape[2] for line in lines]):
        width = max(PACK_WIDTH, sum(lines[i].shape[2] for i in group) + PACK_GAP * (len(group) - 1))
        canvas = np.zeros((1, 3, REC_HEIGHT, width), dtype=np.float32)
        spans: list[tuple[int, int]] = []
        x = 0
        for i in group:
            canvas[0, :, :, x : x + lines[i].shape[2]] = lines[i]
            spans.append((x, x + lines[i].shape[2]))
            x += lines[i].shape[2] + PACK_GAP
        preds = rec.session(canvas)[0]  # (steps, classes): probabilities per column
        step = width / preds.shape[0]
        centres = (np.arange(preds.shape[0]) + 0.5) * step
        for i, (x0, x1) in zip(group, spans, strict=True):
            own = preds[(centres >= x0 - PACK_GAP / 2) & (centres < x1 + PACK_GAP / 2)]
            results[i] = _ctc_decode(own, charset)
    return results


def _rec_input(grey: np.ndarray) -> np.ndarray:
    """A grey line image as the recogniser takes it: REC_HEIGHT px high at its aspect ratio,
    values in [-1, 1], three equal channels."""
    import cv2

    height, width = grey.shape
    new_width = max(1, math.ceil(REC_HEIGHT * width / max(height, 1)))
    resized = cv2.resize(grey, (new_width, REC_HEIGHT)).astype(np.float32) / 127.5 - 1.0
    return np.broadcast_to(resized, (3, REC_HEIGHT, new_width))


def _pack(widths: list[int]) -> list[list[int]]:
    """Indices of the images grouped into recogniser runs: each image wider than PACK_WIDTH
    alone, the others first-fit, widest first, into PACK_WIDTH (the run is that wide anyway)."""
    groups: list[list[int]] = []
    room: list[int] = []
    for i in sorted(range(len(widths)), key=lambda i: -widths[i]):
        if widths[i] <= PACK_WIDTH:
            for g, free in enumerate(room):
                if widths[i] + PACK_GAP <= free:
                    groups[g].append(i)
                    room[g] = free - widths[i] - PACK_GAP
                    break
            else:
                groups.append([i])
                room.append(PACK_WIDTH - widths[i])
        else:
            groups.append([i])
            room.append(0)
    return groups


def _ctc_decode(preds: np.ndarray, charset: list[str]) -> tuple[str, float, list[float]]:
    """CTC columns to text: the best class per column, repeats merged, blanks (class 0)
    dropped; with the mean and each character's probability."""
    best = preds.argmax(axis=1)
    probs = preds.max(axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    keep &= best != 0
    text = "".join(charset[k] for k in best[keep])
    confs = [float(p) for p in probs[keep]]
    return text, float(np.mean(confs)) if confs else 0.0, confs


def text_score(text: str, mean: float, confs: list[float]) -> float:
    """How sure the recogniser is of a line: its mean character probability, but no more than
    its least sure digit or number sign (one misread digit is what must not pass unflagged),
    and low for a number of a shape no form writes (`1352:66`, `0.` , `12,34`). Nothing read at
    all scores 0."""
    if not text.strip():
        return 0.0
    cap = SUSPECT_SCORE if _NUMBER_LIKE.fullmatch(text) and _SUSPECT_NUMBER.search(text) else 1.0
    if len(confs) != len(text):
        return min(float(mean), cap)
    numeric = [c for ch, c in zip(text, confs, strict=True) if ch in _NUMBER_CHARS]
    return float(min([mean, cap, *numeric]))


def _reading_units(crops: list[Rect], tables: list[Table], glyph: float) -> list[list[Rect]]:
    """What the recogniser reads in one go: each line on its own, but all lines of a narrow cell
    together, laid side by side (`（30` + `分）` read alone loses its bracket)."""
    by_cell: dict[tuple[int, int], list[Rect]] = {}
    units: list[list[Rect]] = []
    for rect in crops:
        slot = _cell_of(tables, rect.cx, rect.cy)
        if slot is None:
            units.append([rect])
        else:
            by_cell.setdefault(slot, []).append(rect)
    for (t, c), rects in by_cell.items():
        cell = tables[t].cells[c]
        if len(rects) > 1 and cell.x1 - cell.x0 < NARROW_CELL_GLYPHS * glyph:
            units.append(sorted(rects, key=lambda r: (r.cy, r.x0)))
        else:
            units.extend([r] for r in rects)
    return units


def _union(rects: list[Rect]) -> Rect:
    return Rect(
        min(r.x0 for r in rects),
        min(r.y0 for r in rects),
        max(r.x1 for r in rects),
        max(r.y1 for r in rects),
    )


def _joined_image(grey: np.ndarray, ink: np.ndarray, rects: list[Rect], glyph: float) -> np.ndarray:
    """Several line crops set side by side, vertically centred, as one line."""
    import cv2

    parts = [_line_image(grey, ink, r, glyph) for r in rects]
    height = max(p.shape[0] for p in parts)
    padded = []
    for part in parts:
        top = (height - part.shape[0]) // 2
        padded.append(
            cv2.copyMakeBorder(
                part, top, height - part.shape[0] - top, 0, 8, cv2.BORDER_CONSTANT, value=255
            )
        )
    return np.hstack(padded)


def _is_dash(ink: np.ndarray, glyph: float) -> bool:
    """A crop whose only ink is one flat bar at least a character wide: the placeholder ——
    (the recogniser reads it as 一, _ or —, or not at all)."""
    if ink.size == 0:
        return False
    rows = np.nonzero(ink.sum(axis=1) >= 2 * 255)[0]
    cols = np.nonzero(ink.sum(axis=0) > 0)[0]
    if len(rows) == 0 or len(cols) == 0:
        return False
    height = rows[-1] - rows[0] + 1
    width = cols[-1] - cols[0] + 1
    return height <= max(3.0, 0.3 * glyph) and width >= 1.5 * glyph


def _line_image(grey: np.ndarray, ink: np.ndarray, rect: Rect, glyph: float) -> np.ndarray:
    """The crop the recogniser reads: a text line without what it holds of the lines above and
    below it; a box of several lines (a column of characters written top to bottom in a narrow
    cell) laid out as one line."""
    y0, y1, x0, x1 = int(rect.y0), math.ceil(rect.y1), int(rect.x0), math.ceil(rect.x1)
    crop = grey[y0:y1, x0:x1].copy()
    crop_ink = ink[y0:y1, x0:x1]
    pieces, slivers = _text_rows(crop_ink, glyph)
    for a, b in slivers:  # there is a line beside any sliver
        crop[a:b] = 255
    if len(pieces) > 1 and crop.shape[0] > 1.7 * glyph / 0.7:
        crop = _restack(crop, crop_ink, pieces)
    return crop


def _text_rows(
    ink: np.ndarray, glyph: float
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The row ranges of the lines of text in a crop, cut at the blank rows between them, and
    apart from them the slivers at its top or bottom edge: the foot or head of a neighbouring
    line that the box overlaps (short, and with the line next to it taller than a character,
    where the top bar of a 三 with the rest of it is not)."""
    dark = (ink > 0).sum(axis=1) >= 2
    runs = _row_runs(dark)
    slivers: list[tuple[int, int]] = []
    if len(runs) > 1:
        top, bottom = runs[0], runs[-1]
        if top[0] == 0 and top[1] < 0.6 * glyph and _lines(runs[1:], glyph)[0][1] > glyph:
            slivers.append(top)
        rest = [r for r in runs[:-1] if r not in slivers]
        if (
            rest
            and bottom[1] >= len(dark)
            and bottom[1] - bottom[0] < 0.6 * glyph
            and bottom[1] - _lines(rest, glyph)[-1][0] > glyph
        ):
            slivers.append(bottom)
    return _lines([r for r in runs if r not in slivers], glyph), slivers


def _lines(runs: list[tuple[int, int]], glyph: float) -> list[tuple[int, int]]:
    """Runs of inked rows joined into lines: the strokes of 三 or 二 are one character."""
    lines: list[tuple[int, int]] = []
    for a, b in runs:
        if lines and b - lines[-1][0] <= 1.25 * glyph:
            lines[-1] = (lines[-1][0], b)
        else:
            lines.append((a, b))
    return lines


def _restack(crop: np.ndarray, ink: np.ndarray, pieces: list[tuple[int, int]]) -> np.ndarray:
    """The lines of a crop (row ranges) set side by side."""
    height = max(b - a for a, b in pieces) + 8
    parts = []
    for a, b in pieces:
        cols = np.nonzero(ink[a:b].sum(axis=0) > 0)[0]
        left, right = (
            (max(cols[0] - 4, 0), min(cols[-1] + 5, crop.shape[1]))
            if len(cols)
            else (0, crop.shape[1])
        )
        part = np.full((height, right - left + 6), 255, dtype=np.uint8)
        top = (height - (b - a)) // 2
        part[top : top + b - a, 0 : right - left] = crop[a:b, left:right]
        parts.append(part)
    return np.hstack(parts)


def _rect_of(quad: Any) -> Rect:
    points = np.asarray(quad, dtype=np.float64)
    return Rect(
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()),
        float(points[:, 1].max()),
    )


def _inner(cell: Rect) -> Rect:
    """A cell's box without its ruling lines and what is left of them."""
    return Rect(
        cell.x0 + LINE_MARGIN_PX,
        cell.y0 + LINE_MARGIN_PX,
        cell.x1 - LINE_MARGIN_PX,
        cell.y1 - LINE_MARGIN_PX,
    )


def _widen(
    rects: list[Rect], tables: list[Table], shape: tuple[int, ...], glyph: float
) -> list[Rect]:
    """Each detected line widened by part of a character on either side, never past its cell's
    ruling lines nor into a neighbour on the same line."""
    page = Rect(0, 0, shape[1], shape[0])
    widened: list[Rect] = []
    for rect in rects:
        slot = _cell_of(tables, rect.cx, rect.cy)
        bound = page if slot is None else tables[slot[0]].cells[slot[1]]
        left, right = bound.x0, bound.x1
        for other in rects:
            if other is rect or not _same_line(rect, other):
                continue
            if other.cx < rect.cx:
                left = max(left, other.x1)
            else:
                right = min(right, other.x0)
        h = min(rect.height, glyph / 0.7)  # a line's height, also for a box of several lines
        x0 = max(min(rect.x0, max(left, rect.x0 - WIDEN_LEFT * h)), bound.x0)
        x1 = min(max(rect.x1, min(right, rect.x1 + WIDEN_RIGHT * h)), bound.x1)
        y0, y1 = max(rect.y0, bound.y0), min(rect.y1, bound.y1)
        if x1 - x0 >= 4 and y1 - y0 >= 4:
            widened.append(Rect(x0, y0, x1, y1))
    return widened


def _same_line(a: Rect, b: Rect) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap > 0.5 * min(a.height, b.height)


def strokes(grey: np.ndarray) -> np.ndarray:
    """The ink of a page without specks: only blobs the size of a pen stroke."""
    import cv2

    ink = _ink(grey)
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = (stats[:, cv2.CC_STAT_AREA] < MIN_BLOB_PX) | (
        np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) < MIN_BLOB_SIDE_PX
    )
    small[0] = False
    ink[small[labels]] = 0
    return ink


def _unread_ink(
    ink: np.ndarray, tables: list[Table], crops: list[Rect], glyph: float
) -> list[Rect]:
    """Ink in a cell that no crop covers, as one crop per line of it: a cell the detector found
    nothing in, or a line it missed (the last `分）` of a narrow cell), so that no text a cell
    holds is lost without a word."""
    extra: list[Rect] = []
    for table in tables:
        for cell in table.cells:
            inner = _inner(cell)
            x0, y0 = int(inner.x0), int(inner.y0)
            patch = ink[y0 : int(inner.y1), x0 : int(inner.x1)].copy()
            if patch.size == 0:
                continue
            for crop in crops:
                if cell.holds(crop.cx, crop.cy):
                    patch[
                        max(int(crop.y0) - y0, 0) : max(math.ceil(crop.y1) - y0, 0),
                        max(int(crop.x0) - x0, 0) : max(math.ceil(crop.x1) - x0, 0),
                    ] = 0
            if np.count_nonzero(patch) < MIN_INK_PX:
                continue
            for top, bottom in _ink_bands(patch, glyph):
                cols = np.nonzero(patch[top:bottom].any(axis=0))[0]
                pad = 4
                extra.append(
                    Rect(
                        max(inner.x0, x0 + cols[0] - pad),
                        max(inner.y0, y0 + top - pad),
                        min(inner.x1, x0 + cols[-1] + 1 + pad),
                        min(inner.y1, y0 + bottom + pad),
                    )
                )
    return extra


def _ink_bands(patch: np.ndarray, glyph: float) -> list[tuple[int, int]]:
    """The lines of text in a patch of ink, each at least half a character high and holding
    MIN_INK_PX dark pixels (what a crop's edge leaves of a character is neither)."""
    rows = np.count_nonzero(patch, axis=1)
    return [
        (top, bottom)
        for top, bottom in _lines(_row_runs(rows > 0), glyph)
        if bottom - top >= glyph / 2 and int(rows[top:bottom].sum()) >= MIN_INK_PX
    ]


def _row_runs(on: np.ndarray) -> list[tuple[int, int]]:
    """The runs of consecutive true rows, as (first, past-last)."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, value in enumerate([*on.tolist(), False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            runs.append((start, i))
            start = None
    return runs


def clean_text(text: str) -> str:
    """What the OCR read, with only the fixes of form: no space next to a CJK character, the
    punctuation of Chinese text full-width (the recogniser cannot see the difference and gives
    `;` for `；`, `~` for `～`), and no point after a number (a speck on the scan: `9.80.`,
    `1756.50.万元`; its score stays low, so the value is still flagged), a point read as a
    middle dot between digits made a point again (`89·42`, flagged the same way); letters and
    digits are never changed."""
    text = _MIDDLE_DOT.sub(".", _CJK_SPACE.sub("", text.strip()))  # its score stays low
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
        if text and _is_latin(text[-1]) and _is_latin(box.text[0]):
            text += " "
        text += box.text
    return text


def cell_text(boxes: list[TextBox], cell: Rect) -> str:
    """A cell's boxes as text: lines the writer broke keep a line break, lines the layout
    wrapped are joined (a space only between Latin words), as pdf.py does for a text layer."""
    lines = _group_lines(boxes)
    text = ""
    for i, line in enumerate(lines):
        line_text = _join_line(line)
        if i > 0:
            previous = lines[i - 1]
            room = cell.x1 - CELL_PADDING_PX - previous[-1].rect.x1
            char = max(b.rect.height for b in previous) * 0.75
            if _first_unit_width(line_text, char) <= room - 0.5 * char:
                text += "\n"
            elif _is_latin(text[-1:]) and _is_latin(line_text[:1]):
                text += " "
        text += line_text
    return clean_text(text)  # a cell's Chinese punctuation, also across its boxes


def _first_unit_width(text: str, char: float) -> float:
    """Rough width of a line's first unbreakable run: a Latin word or one CJK character (with
    punctuation that may not start a line)."""
    match = re.match(r"[A-Za-z0-9.,+\-/%]+|.[、。，；：？！）%％]*", text)
    unit = match.group(0) if match else text[:1]
    return sum(char * (0.55 if c.isascii() else 1.0) for c in unit)


def _is_latin(char: str) -> bool:
    return bool(char) and char.isascii() and char.isalnum()
