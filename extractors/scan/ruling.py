"""A scanned page as an image, and its ruled tables: rendering, ink, deskew, ruling lines, cells.

A page is rendered grey at DPI and deskewed (the angle from the slope of the table's long
horizontal ruling lines); its ruled grid is found with OpenCV morphology (horizontal and
vertical line masks, lines.py; the regions they enclose are the cells). Cells come back as
`Rect`s in pixels of the deskewed image, snapped to the ruling lines so neighbours share their
edges.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from extractors.scan.colour import without_colour_and_seal
from extractors.scan.cut import OpenSides, closed_region, open_sides, text_at_cut, with_cut_edges
from extractors.scan.geometry import cut_from_desk, rotate
from extractors.scan.lines import MIN_LINE_PX, MIN_VLINE_PX, line_ink, line_masks

DPI = 150  # render resolution: 9 pt text is ~19 px high, which PP-OCR reads well
MIN_ANGLE = 0.05  # degrees: a page tilted less is read as it is
MAX_SKEW = 3.0  # degrees: a steeper "line" is not a ruling line
MERGE_SHARE = 0.5  # of the smaller box: two line components overlapping more are one table
SNAP_PX = 6  # a cell edge this close to a ruling line's centre lies on it
FAINT_COVER = 0.6  # of a cell's width: the broken line's ink along it
FAINT_MARGIN = 0.4  # and this much more than a few pixels off it (a row of text is ink there too)


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
class Table:
    """A ruled table found on the image: its outer box and its cells' boxes."""

    rect: Rect
    cells: tuple[Rect, ...]
    # cells the grid only guessed: a region holding other cells, where a ruling line was lost
    guessed: frozenset[int] = frozenset()

    def inside(self, c: int) -> list[Rect]:
        """The other cells whose centre cell `c` holds (none but for a guessed region)."""
        outer = self.cells[c]
        return [
            cell for k, cell in enumerate(self.cells) if k != c and outer.holds(cell.cx, cell.cy)
        ]


def union(rects: list[Rect]) -> Rect:
    """The smallest Rect holding all of `rects`."""
    return Rect(
        min(r.x0 for r in rects),
        min(r.y0 for r in rects),
        max(r.x1 for r in rects),
        max(r.y1 for r in rects),
    )


def cell_of(tables: list[Table], x: float, y: float) -> tuple[int, int] | None:
    """(table, cell) indices of the cell holding a point (the smallest, where a region the grid
    only guessed holds others); on a ruling line, the nearest cell of the table holding it;
    None outside every table."""
    for t, table in enumerate(tables):
        if not table.rect.holds(x, y):
            continue
        holding = [c for c, cell in enumerate(table.cells) if cell.holds(x, y)]
        if holding:
            return t, min(holding, key=lambda c: _area(table.cells[c]))
        # on a ruling line: the cell whose box is nearest
        nearest = min(
            range(len(table.cells)),
            key=lambda c: _distance(table.cells[c], x, y),
            default=None,
        )
        return None if nearest is None else (t, nearest)
    return None


def _area(rect: Rect) -> float:
    return (rect.x1 - rect.x0) * (rect.y1 - rect.y0)


def _distance(rect: Rect, x: float, y: float) -> float:
    dx = max(rect.x0 - x, 0.0, x - rect.x1)
    dy = max(rect.y0 - y, 0.0, y - rect.y1)
    return math.hypot(dx, dy)


# ---------------------------------------------------------------------------------------------
# The image: render, ink, deskew


def render(page: Any) -> np.ndarray:
    """A pypdfium2 page as a greyscale image at DPI (render_with_seal's)."""
    return render_with_seal(page)[0]


def render_with_seal(page: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """A pypdfium2 page as a greyscale image at DPI, and its red seals' ink as a layer (paper
    255, ink 0: colour.seal_layer; None on a grey page), embedded scan included (without
    anti-aliasing, as pdfplumber's `to_image` renders it): the page cut from a desk around it
    and flattened (judged by brightness, in colour: a brown desk is no seal), then its coloured
    ink (seals, pen) taken out (colour.py; a grey page comes out as it is)."""
    bitmap = page.render(
        scale=DPI / 72, no_smoothtext=True, no_smoothpath=True, no_smoothimage=True
    )
    image = bitmap.to_pil()
    if image.mode == "L":
        return cut_from_desk(np.asarray(image, dtype=np.uint8)), None
    return without_colour_and_seal(cut_from_desk(np.asarray(image.convert("RGB"), dtype=np.uint8)))


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Dark pixels as 255 on 0, robust to grey paper and sensor noise."""
    import cv2

    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20
    )


def skew_angle(grey: np.ndarray) -> float:
    """The page's rotation in degrees (OpenCV's sense: positive is counter-clockwise), from the
    slope of the long horizontal ruling lines, each weighted by its length; 0 without any."""
    import cv2

    ink = ink_mask(grey)
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


def deskew_angle(grey: np.ndarray) -> float:
    """The angle the image is turned level by, from its ruling lines' slope; 0 for one tilted
    less than MIN_ANGLE."""
    angle = skew_angle(grey)
    return angle if abs(angle) > MIN_ANGLE else 0.0


def deskew(grey: np.ndarray) -> np.ndarray:
    """The image turned level by its ruling lines' slope (as it is when tilted less than
    MIN_ANGLE)."""
    return rotate(grey, deskew_angle(grey))


# ---------------------------------------------------------------------------------------------
# The ruled grid


def find_tables(
    grey: np.ndarray, masks: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> tuple[list[Table], np.ndarray]:
    """The ruled tables on a deskewed page, each with its cells' boxes snapped to the ruling
    lines so that neighbouring cells share their edges, and the mask of the ruling lines.
    `masks`: the page's line_masks where they are at hand already (found anew without)."""
    import cv2

    ink = ink_mask(grey)
    horizontal, vertical, lines = line_masks(grey) if masks is None else masks
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    tables: list[Table] = []
    boxes = [
        Rect(x, y, x + w, y + h)
        for x, y, w, h, _area in stats[1:count]
        if w >= grey.shape[1] / 4 and h >= 20
    ]
    faint = line_ink(grey)
    for box in _merged(boxes):  # a table's lines a break cut in pieces: one table again
        table = _table_cells(lines, horizontal, vertical, box, faint)
        if table is not None:
            tables.append(table)
    tables.sort(key=lambda t: t.rect.y0)
    ruling = np.zeros_like(ink)
    for table in tables:  # strokes of large type outside the tables are no ruling lines
        y0, y1 = max(int(table.rect.y0) - 3, 0), int(table.rect.y1) + 4
        x0, x1 = max(int(table.rect.x0) - 3, 0), int(table.rect.x1) + 4
        ruling[y0:y1, x0:x1] = ((horizontal | vertical) & ink)[y0:y1, x0:x1]  # the lines own ink
    ruling = cv2.dilate(ruling, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return tables, ruling


def _overlap(a: Rect, b: Rect) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _merged(boxes: list[Rect]) -> list[Rect]:
    """Boxes that overlap by most of the smaller one joined into the box round them, until
    none does (a title's strokes touching a table's top line overlap it by a sliver only)."""
    merged = list(boxes)
    joined = True
    while joined:
        joined = False
        for i, a in enumerate(merged):
            for j in range(i + 1, len(merged)):
                b = merged[j]
                if _overlap(a, b) >= MERGE_SHARE * min(_area(a), _area(b)):
                    merged[i] = union([a, b])
                    del merged[j]
                    joined = True
                    break
            if joined:
                break
    return merged


def _table_cells(
    lines: np.ndarray, horizontal: np.ndarray, vertical: np.ndarray, rect: Rect, faint: np.ndarray
) -> Table | None:
    """The cells of one table: the regions its ruling lines enclose, each parted where a
    neighbour's row edge crosses it along a line too broken to be found whole (_parted)."""
    import cv2

    x0, y0, x1, y1 = int(rect.x0), int(rect.y0), int(rect.x1), int(rect.y1)
    xs = _line_centres(vertical[y0:y1, x0:x1].sum(axis=0) / 255, MIN_VLINE_PX)
    ys = _line_centres(horizontal[y0:y1, x0:x1].sum(axis=1) / 255, MIN_LINE_PX)
    cut = open_sides(horizontal[y0:y1, x0:x1], vertical[y0:y1, x0:x1], xs, ys)
    region = closed_region(lines[y0:y1, x0:x1], cut)  # a side the page's edge cut, closed
    xs, ys = with_cut_edges(xs, ys, region.shape, cut)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(
        (region == 0).astype(np.uint8), connectivity=4
    )
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
    cells = _parted(cells, faint)
    outer = Rect(
        min(c.x0 for c in cells),
        min(c.y0 for c in cells),
        max(c.x1 for c in cells),
        max(c.y1 for c in cells),
    )
    cells.sort(key=lambda c: (c.y0, c.x0))
    cut_text = _cells_cut(cells, cut, faint[y0:y1, x0:x1], lines[y0:y1, x0:x1], (x0, y0))
    guessed = frozenset(
        k
        for k, cell in enumerate(cells)
        if any(o is not cell and cell.holds(o.cx, o.cy) for o in cells)
        or _line_lost_across(cell, cells)
        or k in cut_text
    )
    return Table(rect=outer, cells=tuple(cells), guessed=guessed)


def _cells_cut(
    cells: list[Rect],
    cut: OpenSides,
    faint: np.ndarray,
    lines: np.ndarray,
    origin: tuple[int, int],
) -> set[int]:
    """The cells (indices in `cells`, in page pixels) whose text reaches a side of the table
    the page's edge cut: part of it may be lost past the cut."""
    if not cut.any():
        return set()
    text_ink = (faint > 0) & (lines == 0)
    ox, oy = origin
    return {
        k
        for k, c in enumerate(cells)
        if text_at_cut((c.x0 - ox, c.y0 - oy, c.x1 - ox, c.y1 - oy), text_ink, cut, SNAP_PX)
    }


def _parted(cells: list[Rect], faint: np.ndarray) -> list[Rect]:
    """The cells parted along lines too broken to be found whole (a thin line blurred and
    compressed into pieces shorter than MIN_LINE_PX; a line under a seal taken out): at the
    row edges of each cell's left and right neighbours, then at the column edges of those above
    and below it, where a faint line runs along most of it with paper either side."""
    rows = _parted_rows(cells, faint)
    columns = _parted_rows([_transposed(c) for c in rows], faint.T)
    return [_transposed(c) for c in columns]


def _transposed(rect: Rect) -> Rect:
    """The rect with x and y swapped (a column looked at as a row)."""
    return Rect(rect.y0, rect.x0, rect.y1, rect.x1)


def _parted_rows(cells: list[Rect], faint: np.ndarray) -> list[Rect]:
    """The cells, each parted at the row edges of its left and right neighbours that cross it
    where a faint line runs along most of its width with paper above and below it (no row of
    text)."""
    parted: list[Rect] = []
    for cell in cells:
        cuts = [y for y in _neighbour_edges(cell, cells) if _faint_line_at(faint, cell, y)]
        bounds = [cell.y0, *cuts, cell.y1]
        parted += [Rect(cell.x0, a, cell.x1, b) for a, b in itertools.pairwise(bounds)]
    return parted


def _neighbour_edges(cell: Rect, cells: list[Rect]) -> list[float]:
    """The row edges of the cells beside `cell` that lie inside its height, top to bottom,
    one of each few pixels."""
    beside = [
        c
        for c in cells
        if c.y0 < cell.y1
        and cell.y0 < c.y1
        and (abs(c.x1 - cell.x0) <= SNAP_PX or abs(c.x0 - cell.x1) <= SNAP_PX)
    ]
    inside = sorted(
        y for c in beside for y in (c.y0, c.y1) if cell.y0 + 2 * SNAP_PX < y < cell.y1 - 2 * SNAP_PX
    )
    edges: list[float] = []
    for y in inside:
        if not edges or y - edges[-1] > 2 * SNAP_PX:
            edges.append(y)
    return edges


def _faint_line_at(faint: np.ndarray, cell: Rect, y: float) -> bool:
    """Does line ink run across most of the cell's width within two pixels of `y`, with much
    less of it a few pixels above and below (a row of characters is ink there too)?"""
    x0, x1, at = int(cell.x0) + SNAP_PX, int(cell.x1) - SNAP_PX, round(y)
    if x1 - x0 < MIN_VLINE_PX:
        return False

    def cover(top: int, bottom: int) -> float:
        return float(faint[max(top, 0) : bottom, x0:x1].any(axis=0).mean())

    line = cover(at - 2, at + 3)
    near = max(cover(at - 7, at - 4), cover(at + 5, at + 8))
    return line >= FAINT_COVER and line - near >= FAINT_MARGIN


def _line_lost_across(cell: Rect, cells: list[Rect]) -> bool:
    """Does a ruling line run through the cells on both sides of `cell` but not through it
    (a row edge of its left and its right neighbours inside its height)? Then the line was
    most likely lost in it (a shadow, a seal), and it is two cells read as one."""

    def inner_edges(side: list[Rect]) -> list[float]:
        return [y for c in side for y in (c.y0, c.y1) if cell.y0 + SNAP_PX < y < cell.y1 - SNAP_PX]

    overlapping = [c for c in cells if c.y0 < cell.y1 and cell.y0 < c.y1]
    left = inner_edges([c for c in overlapping if abs(c.x1 - cell.x0) <= SNAP_PX])
    right = inner_edges([c for c in overlapping if abs(c.x0 - cell.x1) <= SNAP_PX])
    return any(abs(a - b) <= SNAP_PX for a in left for b in right)


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
    at = bisect.bisect_left(centres, value)  # the centres are in order
    near = centres[max(at - 1, 0) : at + 1]
    best = min(near, key=lambda c: abs(c - value), default=None)
    if best is not None and abs(best - value) <= SNAP_PX:
        return best
    return float(value)
