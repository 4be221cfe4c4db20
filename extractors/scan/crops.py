"""The crops a scanned page's text is read from: text lines found by the detector widened
within their cells, ink no detected line covers, each crop without the slivers of its
neighbouring lines, and the lines of a narrow cell laid side by side as one reading unit.

All in pixels of the deskewed page; `glyph` is a character's height there (from the detected
lines' median height).
"""

from __future__ import annotations

import math

import numpy as np

from extractors.scan.ruling import Rect, Table, cell_of, ink_mask

LINE_MARGIN_PX = 4  # a ruling line's half width and its blur
WIDEN_LEFT, WIDEN_RIGHT = 0.3, 0.6  # of a line's height: room given to a detected line's crop
# a line found from the ink of a cell already reaches over its last marks (a trailing 、 or .):
# it is widened on the left only (0.6 on the right too read no value better on the fixture and
# unseen scans, and cost the recogniser an eighth more columns), and there by a third of the
# detector's room (its box already has BOX_MARGIN_X_PX round the ink): a twentieth fewer
# recogniser columns on the scan fixtures, as many values read right on the fixture and unseen
# scans and fewer flagged (with none at all the unseen scans read far fewer)
WIDEN_RIGHT_INK_CELL = 0.0
WIDEN_LEFT_INK_CELL = 0.1
MIN_INK_PX = 30  # a cell with fewer dark pixels (after despeckling) is blank
MIN_BLOB_PX, MIN_BLOB_SIDE_PX = 12, 6  # smaller dark blobs are specks, not strokes
NARROW_CELL_GLYPHS = 8  # a cell narrower than this many characters holds fragments of one phrase
# a line box found from the ink: its margin round the ink (near the detector's: 5-6 px; these
# read the fixture and unseen scans best of the margins tried, 4-6), and the gap in characters
# that splits a line into two boxes (at 1 a label's ：leaves it for its value)
BOX_MARGIN_X_PX, BOX_MARGIN_Y_PX = 6, 4
LINE_GAP_GLYPHS = 2.0
# a line box ending this close to its cell's side (in characters) runs up to it; a ruling line
# runs along this much of a text line's height at least (the strokes of text much less)
EDGE_TOUCH_GLYPHS, EDGE_LINE_COVER = 0.5, 0.9
MAX_BLOB_GLYPHS = 4  # a blob of ink outside the tables taller than this many characters is no text


# ---------------------------------------------------------------------------------------------
# Where the text is: detected lines widened, ink nothing covers


def strokes(grey: np.ndarray) -> np.ndarray:
    """The ink of a page without specks: only blobs the size of a pen stroke."""
    import cv2

    ink = ink_mask(grey)
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = (stats[:, cv2.CC_STAT_AREA] < MIN_BLOB_PX) | (
        np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) < MIN_BLOB_SIDE_PX
    )
    small[0] = False
    ink[small[labels]] = 0
    return ink


def ink_glyph(ink: np.ndarray, tables: list[Table]) -> float | None:
    """A character's height, from the ink of the cells: the height of a text line's row run
    (the upper quartile: digits and 、 are shorter than a CJK character) and the detector's
    margin round it, as the detector's boxes give it (0.7 of their height). None without ink."""
    heights: list[int] = []
    for table in tables:
        for cell in table.cells:
            patch = _patch(ink, _inner(cell))
            if np.count_nonzero(patch) >= MIN_INK_PX:
                heights += [b - a for a, b in _row_runs(patch.any(axis=1)) if b - a >= 4]
    if not heights:
        return None
    return 0.7 * (float(np.percentile(heights, 75)) + 2 * BOX_MARGIN_Y_PX)


def ink_lines(ink: np.ndarray, raw: np.ndarray, tables: list[Table], glyph: float) -> list[Rect]:
    """The text lines of a page found from its ink where the grid is known, as the detector
    would box them: in each cell with ink, its lines (the row profile's bands), each split where
    a gap of more than LINE_GAP_GLYPHS characters opens, boxed round their own ink with the
    detector's margin and kept within the cell; outside the tables the same over the page.
    `ink` is the page's strokes, `raw` all its dark pixels: a box reaches out over the small
    marks next to its strokes (、 , . are too small to be strokes)."""
    lines: list[Rect] = []
    for table in tables:
        for c, cell in enumerate(table.cells):
            if c in table.guessed:  # its own ink only: the cells inside it read their own
                own, own_raw = _without(ink, table.inside(c)), _without(raw, table.inside(c))
                lines += _lines_in(own, own_raw, _inner(cell), cell, glyph)
            else:
                lines += _lines_in(ink, raw, _inner(cell), cell, glyph)
    outside, raw_outside = ink.copy(), raw.copy()
    for table in tables:
        r = table.rect
        rows = slice(max(int(r.y0) - LINE_MARGIN_PX, 0), math.ceil(r.y1) + LINE_MARGIN_PX)
        cols = slice(max(int(r.x0) - LINE_MARGIN_PX, 0), math.ceil(r.x1) + LINE_MARGIN_PX)
        outside[rows, cols] = 0
        raw_outside[rows, cols] = 0
    page = Rect(0, 0, ink.shape[1], ink.shape[0])
    outside, raw_outside = _without_blobs(outside, glyph), _without_blobs(raw_outside, glyph)
    return lines + _lines_in(outside, raw_outside, page, page, glyph)


def lines_across_edges(
    lines: list[Rect], tables: list[Table], line_ink: np.ndarray, glyph: float
) -> list[Rect]:
    """The lines found in a cell that run up to its side (within EDGE_TOUCH_GLYPHS) where a line
    in the cell beside it starts, on the same row, and the edge between them is no ruling line
    along that row (its line ink, `line_ink`, on less than EDGE_LINE_COVER of the row's pixel
    rows): one line of text cut in two by a column edge the grid found in the text's own
    strokes (a column line of the rows above carried on through the upright strokes of a
    merged row's text). Each such line, on both sides of the edge."""
    by_cell: dict[tuple[int, int], list[Rect]] = {}
    for rect in lines:
        slot = cell_of(tables, rect.cx, rect.cy)
        if slot is not None:
            by_cell.setdefault(slot, []).append(rect)
    touch = EDGE_TOUCH_GLYPHS * glyph
    cut: list[Rect] = []
    for (t, c), rects in by_cell.items():
        cell = tables[t].cells[c]
        for (u, d), others in by_cell.items():
            beside = tables[u].cells[d]
            if u != t or abs(beside.x0 - cell.x1) > LINE_MARGIN_PX:
                continue
            for left in (r for r in rects if r.x1 >= cell.x1 - touch):
                for right in (r for r in others if r.x0 <= beside.x0 + touch):
                    top, bottom = max(left.y0, right.y0), min(left.y1, right.y1)
                    if bottom - top > 0.5 * min(left.height, right.height) and not _ruled(
                        line_ink, cell.x1, top, bottom
                    ):
                        cut += [left, right]
    return cut


def _ruled(line_ink: np.ndarray, x: float, top: float, bottom: float) -> bool:
    """Does line ink run down column `x` (within LINE_MARGIN_PX) over most of rows
    [top, bottom)?"""
    band = line_ink[
        max(int(top), 0) : max(math.ceil(bottom), 0),
        max(int(x) - LINE_MARGIN_PX, 0) : int(x) + LINE_MARGIN_PX + 1,
    ]
    return band.size == 0 or float(band.any(axis=1).mean()) >= EDGE_LINE_COVER


def _without_blobs(ink: np.ndarray, glyph: float) -> np.ndarray:
    """The ink without blobs taller than MAX_BLOB_GLYPHS characters: no text line is (a
    desk's edge or a shadow left beside the page, a photo), and one would make the text lines
    beside it one band."""
    import cv2

    _n, labels, stats, _c = cv2.connectedComponentsWithStats(ink, connectivity=8)
    tall = stats[:, cv2.CC_STAT_HEIGHT] > MAX_BLOB_GLYPHS * glyph
    tall[0] = False
    if not tall.any():
        return ink
    out = ink.copy()
    out[tall[labels]] = 0
    return out


def _without(ink: np.ndarray, cells: list[Rect]) -> np.ndarray:
    """The ink with the boxes of `cells` blanked."""
    out = ink.copy()
    for cell in cells:
        out[
            max(int(cell.y0), 0) : math.ceil(cell.y1), max(int(cell.x0), 0) : math.ceil(cell.x1)
        ] = 0
    return out


def _patch(ink: np.ndarray, box: Rect) -> np.ndarray:
    return ink[max(int(box.y0), 0) : max(int(box.y1), 0), max(int(box.x0), 0) : max(int(box.x1), 0)]


def _lines_in(
    ink: np.ndarray, raw: np.ndarray, inner: Rect, bound: Rect, glyph: float
) -> list[Rect]:
    """The line boxes of the ink within `inner`, clipped to `bound`."""
    patch = _patch(ink, inner)
    raw_patch = _patch(raw, inner)
    if patch.size == 0 or np.count_nonzero(patch) < MIN_INK_PX:
        return []  # an ink-free cell: nothing to read
    x0, y0 = max(int(inner.x0), 0), max(int(inner.y0), 0)
    boxes: list[Rect] = []
    rows = np.count_nonzero(patch, axis=1)
    bands = [
        (top, bottom)
        for top, bottom in _separate_lines(_row_runs(rows > 0), glyph)
        if bottom - top >= glyph / 2 and int(rows[top:bottom].sum()) >= MIN_INK_PX
    ]
    for top, bottom in bands:
        band = patch[top:bottom]
        cols = np.nonzero(band.any(axis=0))[0]
        starts = [0, *(np.nonzero(np.diff(cols) > LINE_GAP_GLYPHS * glyph)[0] + 1)]
        ends = [*starts[1:], len(cols)]
        for a, b in zip(starts, ends, strict=True):
            left, right = _reach(
                raw_patch[top:bottom].any(axis=0), int(cols[a]), int(cols[b - 1]) + 1, glyph
            )
            piece = band[:, left:right]
            if np.count_nonzero(piece) < MIN_INK_PX:
                continue
            rows = np.nonzero(piece.any(axis=1))[0]
            boxes.append(
                Rect(
                    max(bound.x0, x0 + left - BOX_MARGIN_X_PX),
                    max(bound.y0, y0 + top + int(rows[0]) - BOX_MARGIN_Y_PX),
                    min(bound.x1, x0 + right + BOX_MARGIN_X_PX),
                    min(bound.y1, y0 + top + int(rows[-1]) + 1 + BOX_MARGIN_Y_PX),
                )
            )
    return boxes


def widen(
    rects: list[Rect],
    tables: list[Table],
    shape: tuple[int, ...],
    glyph: float,
    from_ink: bool = False,
) -> list[Rect]:
    """Each line widened by part of a character on either side (a line in a cell found from the
    ink `from_ink`: on the left only), never past its cell's ruling lines nor into a neighbour
    on the same line."""
    page = Rect(0, 0, shape[1], shape[0])
    widened: list[Rect] = []
    sides = np.array([(r.x0, r.y0, r.x1, r.y1) for r in rects], dtype=np.float64).reshape(-1, 4)
    x0s, y0s, x1s, y1s = sides.T
    heights, cxs = y1s - y0s, (x0s + x1s) / 2
    for k, rect in enumerate(rects):
        slot = cell_of(tables, rect.cx, rect.cy)
        bound = page if slot is None else tables[slot[0]].cells[slot[1]]
        # the other boxes on its line (overlapping it by half the shorter one's height), on
        # either side of it
        overlap = np.minimum(y1s, rect.y1) - np.maximum(y0s, rect.y0)
        same = overlap > 0.5 * np.minimum(heights, rect.height)
        same[k] = False
        before = same & (cxs < rect.cx)
        left = max([bound.x0, *x1s[before].tolist()])
        right = min([bound.x1, *x0s[same & ~before].tolist()])
        h = min(rect.height, glyph / 0.7)  # a line's height, also for a box of several lines
        grow_left, grow_right = _widening(from_ink and slot is not None)
        x0 = max(min(rect.x0, max(left, rect.x0 - grow_left * h)), bound.x0)
        x1 = min(max(rect.x1, min(right, rect.x1 + grow_right * h)), bound.x1)
        y0, y1 = max(rect.y0, bound.y0), min(rect.y1, bound.y1)
        if x1 - x0 >= 4 and y1 - y0 >= 4:
            widened.append(Rect(x0, y0, x1, y1))
    return widened


def _widening(ink_cell: bool) -> tuple[float, float]:
    """How far a line is widened on the left and the right, in its height: a line found from
    a cell's ink less than one the detector boxed."""
    if ink_cell:
        return WIDEN_LEFT_INK_CELL, WIDEN_RIGHT_INK_CELL
    return WIDEN_LEFT, WIDEN_RIGHT


def unread_ink(ink: np.ndarray, tables: list[Table], crops: list[Rect], glyph: float) -> list[Rect]:
    """Ink in a cell that no crop covers, as one crop per line of it: a cell the detector found
    nothing in, or a line it missed (the last `分）` of a narrow cell), so that no text a cell
    holds is lost without a word."""
    extra: list[Rect] = []
    cxs = np.array([crop.cx for crop in crops], dtype=np.float64)
    cys = np.array([crop.cy for crop in crops], dtype=np.float64)
    for table in tables:
        for cell in table.cells:
            inner = _inner(cell)
            x0, y0 = int(inner.x0), int(inner.y0)
            patch = ink[y0 : int(inner.y1), x0 : int(inner.x1)].copy()
            if patch.size == 0:
                continue
            held = (cxs >= cell.x0) & (cxs <= cell.x1) & (cys >= cell.y0) & (cys <= cell.y1)
            for k in np.nonzero(held)[0]:  # the crops whose centre the cell holds
                crop = crops[k]
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


def _inner(cell: Rect) -> Rect:
    """A cell's box without its ruling lines and what is left of them."""
    return Rect(
        cell.x0 + LINE_MARGIN_PX,
        cell.y0 + LINE_MARGIN_PX,
        cell.x1 - LINE_MARGIN_PX,
        cell.y1 - LINE_MARGIN_PX,
    )


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


# ---------------------------------------------------------------------------------------------
# What the recogniser reads: reading units and their images


def reading_units(crops: list[Rect], tables: list[Table], glyph: float) -> list[list[Rect]]:
    """What the recogniser reads in one go: each line on its own, but all lines of a narrow cell
    together, laid side by side (`（30` + `分）` read alone loses its bracket)."""
    by_cell: dict[tuple[int, int], list[Rect]] = {}
    units: list[list[Rect]] = []
    for rect in crops:
        slot = cell_of(tables, rect.cx, rect.cy)
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


def is_dash(ink: np.ndarray, glyph: float) -> bool:
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


SLASH_LEAN = 0.25  # sideways per step down (a slash's /, bottom-left to top-right); a 1 stands


def is_slash(ink: np.ndarray, glyph: float) -> bool:
    """A crop whose only ink is one stroke about a character high leaning like the
    placeholder / (the recogniser reads it as 1 as often as not): its ink's columns move left
    as its rows go down. A 1 stands upright, its flag at the top leaning the other way."""
    if ink.size == 0:
        return False
    ys, xs = np.nonzero(ink)
    if len(ys) < MIN_INK_PX:
        return False
    height = int(ys.max() - ys.min()) + 1
    if height < glyph / 2 or height > 2 * glyph or xs.max() - xs.min() + 1 > height:
        return False
    slope = float(np.polyfit(ys.astype(np.float64), xs.astype(np.float64), 1)[0])
    return slope < -SLASH_LEAN


def line_image(grey: np.ndarray, ink: np.ndarray, rect: Rect, glyph: float) -> np.ndarray:
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


def joined_image(grey: np.ndarray, ink: np.ndarray, rects: list[Rect], glyph: float) -> np.ndarray:
    """Several line crops set side by side, vertically centred, as one line."""
    import cv2

    parts = [line_image(grey, ink, r, glyph) for r in rects]
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


def _reach(marks: np.ndarray, left: int, right: int, glyph: float) -> tuple[int, int]:
    """A line's columns [left, right) widened over the marks (columns with any dark pixel)
    less than a third of a character away on either side."""
    gap = max(1, int(glyph / 3))
    while left > 0 and marks[max(left - gap, 0) : left].any():
        left = max(left - gap, 0) + int(np.argmax(marks[max(left - gap, 0) : left]))
    while right < len(marks) and marks[right : right + gap].any():
        right += int(np.nonzero(marks[right : right + gap])[0][-1]) + 1
    return left, right


def _separate_lines(runs: list[tuple[int, int]], glyph: float) -> list[tuple[int, int]]:
    """Runs of inked rows joined into lines as by _lines, but a line already most of a
    character high takes no run across a gap of a seventh of a character: that is the head of the
    next line (the top bar of 元 under a line set tight)."""
    lines: list[tuple[int, int]] = []
    for a, b in runs:
        if (
            lines
            and b - lines[-1][0] <= 1.25 * glyph
            and not (lines[-1][1] - lines[-1][0] >= 0.6 * glyph and a - lines[-1][1] >= glyph / 7)
        ):
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
