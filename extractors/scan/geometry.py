"""A page image set upright and flat before its grid is looked for: the page cut out of a desk
around it and its perspective warped back to a rectangle (a phone photo), turned by quarter
turns so its text runs left to right the right way up, and levelled (any tilt up to MAX_TILT,
found from the ink's row profile, then refined by the ruling lines in ruling.deskew).

All on the grey image (ruling.DPI); each step leaves an image it has nothing to do on as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from extractors.scan.colour import spread

MAX_TILT = 6.0  # degrees: the steepest tilt looked for by the row profile
COARSE_STEP, FINE_STEP = 0.5, 0.1  # degrees
PROFILE_WIDTH = 600  # px: the small copy the tilt and the orientation are judged on
MIN_PAGE_SHARE = 0.35  # of the image: a smaller bright region is no page
DESK_MARGIN = 0.01  # of the image's side: a page nearer every edge than this fills the image
MIN_KEYSTONE = 0.004  # of a side: opposite sides differing less are parallel (no warp)
MAX_KEYSTONE = 0.08  # of a side: a table frame's sides never differ more in a photo of a page
# of a side: nor a page's own (its edges, nearer the lens, slant more than a table's); a bright
# region whose sides differ more is no page but a page a shadow cut into (one corner cut off)
MAX_PAGE_KEYSTONE = 0.2
UPSIDE_DOWN_MARGIN = 0.08  # mean score: how much better turned text must read to turn the page
PAGE_TOLERANCE = 0.02  # of the perimeter: a page side's raggedness let pass
MIN_FRAME_SHARE = 0.1  # of the image: a smaller ruled frame is no table's
FRAME_SIDE_SHARE = 0.5  # of the frame's width (height): a shorter line is no side of it
ORIENTATION_SAMPLES = 6  # text lines read to tell upside down from upright
FIRST_SAMPLES = 3  # the widest of them read first (and the fewest that tell anything)
READS_UPRIGHT = 0.85  # their mean score: upright text reads at least this well


# ---------------------------------------------------------------------------------------------
# The page in the image: a desk around it, its perspective


def cut_from_desk(image: np.ndarray) -> np.ndarray:
    """The page of a grey or colour image cut from what lies around it and flattened to a
    rectangle (as it is where the page fills the image square on)."""
    import cv2

    # the page told from the desk by brightness, and by brightness less colour: a shadow can
    # make either cut into the page, so the larger quad is the page
    candidates = [page_quad(image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))]
    if image.ndim == 3:
        candidates.append(page_quad(paper_likeness(image)))
    found = [c for c in candidates if c is not None]
    corners = max(found, key=lambda c: cv2.contourArea(c), default=None)
    if corners is None or _fills_image(corners, image.shape):
        return image
    return flatten(image, corners)


def paper_likeness(image: np.ndarray) -> np.ndarray:
    """How much each pixel looks like paper, as grey: its brightness, less its colour where
    there is colour (paper in a shadow is still grey, a wooden desk is brown)."""
    import cv2

    if image.ndim == 2:
        return image
    colour = spread(image)
    # grey less twice the spread, at least 0 (OpenCV's subtraction stops at 0)
    return cv2.subtract(cv2.subtract(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), colour), colour)


def page_quad(grey: np.ndarray) -> np.ndarray | None:
    """The page's four corners (top-left, top-right, bottom-right, bottom-left; float32, px):
    the largest bright region's, where it is a quadrilateral (the image's own frame where the
    page fills it); None where there is none."""
    import cv2

    scale = PROFILE_WIDTH / grey.shape[1]
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _t, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _h = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    if cv2.contourArea(largest) < MIN_PAGE_SHARE * small.shape[0] * small.shape[1]:
        return None
    quad = four_corners(largest, PAGE_TOLERANCE)
    if quad is None:
        return None
    corners = order_corners(quad / scale)
    return None if is_keystoned(corners, MAX_PAGE_KEYSTONE) else corners


def four_corners(contour: np.ndarray, tolerance: float) -> np.ndarray | None:
    """The four corners of a contour that is a quadrilateral: its hull simplified by
    `tolerance` of its perimeter; None unless that leaves four points (a looser tolerance
    makes a quad of what is none, and a page warped to it is worse than one left as it is)."""
    import cv2

    hull = cv2.convexHull(contour)
    quad = cv2.approxPolyDP(hull, tolerance * cv2.arcLength(hull, True), True)
    return quad.reshape(4, 2).astype(np.float32) if len(quad) == 4 else None


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    total = points.sum(axis=1)
    diff = points[:, 1] - points[:, 0]
    return np.float32(
        [
            points[np.argmin(total)],
            points[np.argmin(diff)],
            points[np.argmax(total)],
            points[np.argmax(diff)],
        ]
    )


def _fills_image(corners: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Is the quad the image's own frame (within DESK_MARGIN) with parallel sides?"""
    height, width = shape[:2]
    margin = DESK_MARGIN * max(height, width)
    frame = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    return bool(np.abs(corners - frame).max() <= margin) and not is_keystoned(corners)


def is_keystoned(corners: np.ndarray, share: float = MIN_KEYSTONE) -> bool:
    """Do opposite sides of the quad differ in length by more than `share` (a photo taken at
    a slant; more than MAX_KEYSTONE: no frame of one table, lines of something else in it)?"""
    tl, tr, br, bl = corners
    top, bottom = np.linalg.norm(tr - tl), np.linalg.norm(br - bl)
    left, right = np.linalg.norm(bl - tl), np.linalg.norm(br - tr)
    return bool(
        abs(top - bottom) > share * max(top, bottom) or abs(left - right) > share * max(left, right)
    )


def flatten(grey: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The quad of a grey or colour image warped to an upright rectangle as long as its longer
    opposite sides, white where the quad reached past the image."""
    import cv2

    tl, tr, br, bl = corners
    width = round(float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    height = round(float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(
        grey,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(255, 255, 255),
    )


def frame_quad(
    horizontal: np.ndarray, vertical: np.ndarray, lines: np.ndarray
) -> np.ndarray | None:
    """The four corners of the largest ruled frame (a table's outer lines) where it is
    keystoned; None if there is none or it is square. Each side is a straight line fitted to the
    ruling pixels of the frame's outermost long line that way (horizontal and vertical line
    masks, and both joined), and the corners are where the sides meet: a corner lost under a
    seal or a signature, or a line that a blur broke, moves no side."""
    import cv2

    count, labels, stats, _c = cv2.connectedComponentsWithStats(lines, connectivity=8)
    if count < 2:
        return None
    frame = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (int(v) for v in stats[frame, :4])
    if w * h < MIN_FRAME_SHARE * lines.shape[0] * lines.shape[1]:
        return None
    own = labels[y : y + h, x : x + w] == frame
    rows = _outer_lines(horizontal[y : y + h, x : x + w] & own, along=1, reach=w)
    columns = _outer_lines(vertical[y : y + h, x : x + w] & own, along=0, reach=h)
    if rows is None or columns is None:
        return None
    (top, bottom), (left, right) = rows, columns
    corners = np.float32(
        [
            _crossing(top, left),
            _crossing(top, right),
            _crossing(bottom, right),
            _crossing(bottom, left),
        ]
    ) + np.float32([x, y])
    return corners if is_keystoned(corners) and not is_keystoned(corners, MAX_KEYSTONE) else None


Line = tuple[
    float, float
]  # across = slope * along + offset (y of x for a row, x of y for a column)


def _outer_lines(mask: np.ndarray, along: int, reach: int) -> tuple[Line, Line] | None:
    """The first and the last ruling line of a mask that way (along=1: rows, their y as a line
    of x; along=0: columns, x of y) of those running at least FRAME_SIDE_SHARE of `reach`, each
    fitted to its own pixels; None unless there are two."""
    import cv2

    _count, labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    length = stats[1:, cv2.CC_STAT_WIDTH if along == 1 else cv2.CC_STAT_HEIGHT]
    long = [1 + k for k in np.flatnonzero(length >= FRAME_SIDE_SHARE * reach)]
    if len(long) < 2:
        return None
    fitted = []
    for label in long:
        ys, xs = _pixels_of(labels, stats[label], label)
        run, across = (xs, ys) if along == 1 else (ys, xs)
        slope, offset = np.polyfit(run.astype(np.float64), across.astype(np.float64), 1)
        fitted.append((float(slope), float(offset)))
    middle = reach / 2
    fitted.sort(key=lambda line: line[0] * middle + line[1])
    return fitted[0], fitted[-1]


def _pixels_of(labels: np.ndarray, box: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows and columns of a component's pixels (in the order np.nonzero gives them),
    looked for only within its bounding box (`box`: its stats row), not over the whole mask."""
    import cv2

    x, y = int(box[cv2.CC_STAT_LEFT]), int(box[cv2.CC_STAT_TOP])
    w, h = int(box[cv2.CC_STAT_WIDTH]), int(box[cv2.CC_STAT_HEIGHT])
    ys, xs = np.nonzero(labels[y : y + h, x : x + w] == label)
    return ys + y, xs + x


def _crossing(row: Line, column: Line) -> tuple[float, float]:
    """Where a row line (y = a x + b) meets a column line (x = c y + d)."""
    a, b = row
    c, d = column
    y = (a * d + b) / (1 - a * c)
    return c * y + d, y


# ---------------------------------------------------------------------------------------------
# Quarter turns and tilt


def _small_ink(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The page's ink on a copy PROFILE_WIDTH wide (by its longer side), and that scale."""
    import cv2

    scale = PROFILE_WIDTH / max(grey.shape)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 15
    )
    return ink, scale


def _text_only(ink: np.ndarray) -> np.ndarray:
    """The ink without long straight lines either way (the ruling lines)."""
    import cv2

    long_h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, 25), np.uint8))
    long_v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((25, 1), np.uint8))
    return cv2.subtract(ink, cv2.dilate(long_h | long_v, np.ones((3, 3), np.uint8)))


def runs_sideways(grey: np.ndarray) -> bool:
    """Does the page's text run up or down the image (scanned sideways)? Its characters
    smeared along the rows make long flat bars where it runs along them, along the columns
    long tall bars where it runs across."""
    import cv2

    text = _text_only(_small_ink(grey)[0])
    along = _bar_length(cv2.dilate(text, np.ones((1, 5), np.uint8)), horizontal=True)
    across = _bar_length(cv2.dilate(text, np.ones((5, 1), np.uint8)), horizontal=False)
    return across > 1.5 * along


def _bar_length(mask: np.ndarray, horizontal: bool) -> float:
    """The summed length of the mask's blobs at least four times as long as thick, that way."""
    import cv2

    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    long, thick = (w, h) if horizontal else (h, w)
    keep = (long >= 4 * thick) & (thick >= 2)
    return float(long[keep].sum())


def text_line_crops(grey: np.ndarray, count: int) -> list[np.ndarray]:
    """Up to `count` crops of text lines of an upright or upside-down page (the widest bars of
    its text smeared along the rows), at full resolution."""
    import cv2

    ink, scale = _small_ink(grey)
    bars = cv2.dilate(_text_only(ink), np.ones((1, 5), np.uint8))
    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(bars, connectivity=8)
    found = [
        (int(x), int(y), int(w), int(h))
        for x, y, w, h, _a in stats[1:]
        if 3 * h <= w and 4 <= h <= 20
    ]
    found.sort(key=lambda b: -b[2])
    crops = []
    for x, y, w, h in found[:count]:
        x0, y0 = int(x / scale) - 4, int(y / scale) - 4
        x1, y1 = int((x + min(w, 8 * h)) / scale) + 4, int((y + h) / scale) + 4
        crop = grey[max(y0, 0) : y1, max(x0, 0) : x1]
        if crop.size:
            crops.append(crop)
    return crops


def is_upside_down(
    grey: np.ndarray, read: Callable[[list[np.ndarray]], list[tuple[str, float, list[float]]]]
) -> bool:
    """Does the page read better turned half round? A few of its widest text lines are read by
    `read` (the recogniser): upright text that reads well settles it; else they are read turned
    as well (upside down text reads as low-scored nonsense) and the better way wins."""
    crops = text_line_crops(grey, ORIENTATION_SAMPLES)
    if len(crops) < FIRST_SAMPLES:
        return False
    # the widest lines first: upright text that reads well there settles it, for half the
    # recogniser's columns (this read is on every page); else all of them as before
    scores = [score for _t, score, _c in read(crops[:FIRST_SAMPLES])]
    if float(np.mean(scores)) >= READS_UPRIGHT:
        return False
    scores += (
        [score for _t, score, _c in read(crops[FIRST_SAMPLES:])] if crops[FIRST_SAMPLES:] else []
    )
    upright = float(np.mean(scores))
    if upright >= READS_UPRIGHT:
        return False
    turned = [np.ascontiguousarray(np.rot90(c, 2)) for c in crops]
    flipped = float(np.mean([score for _t, score, _c in read(turned)]))
    return flipped > upright + UPSIDE_DOWN_MARGIN


def row_profile_tilt(grey: np.ndarray) -> float:
    """The page's tilt in degrees (OpenCV's sense: positive counter-clockwise) found as the
    turn that makes its ink's row profile sharpest (text lines and ruling lines level), within
    ±MAX_TILT; 0 on a blank page."""
    import cv2

    ink, _scale = _small_ink(grey)
    if not ink.any():
        return 0.0
    height, width = ink.shape
    centre = (width / 2, height / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
        rows = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    steps = int(MAX_TILT / COARSE_STEP)
    best = max((k * COARSE_STEP for k in range(-steps, steps + 1)), key=sharpness)
    fine = [best + k * FINE_STEP for k in range(-5, 6)]
    return float(max(fine, key=sharpness))


def rotate(grey: np.ndarray, angle: float) -> np.ndarray:
    """The image turned by `angle` degrees about its centre, the corners filled white; the
    image itself for no angle."""
    import cv2

    if angle == 0:
        return grey
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


def quarter_turned(grey: np.ndarray) -> np.ndarray:
    """The image turned a quarter, counter-clockwise (the page, or a layer drawn on it)."""
    return np.ascontiguousarray(np.rot90(grey, 1))


def along_rows(grey: np.ndarray) -> np.ndarray:
    """The page turned a quarter where its text runs up or down the image (runs_sideways)."""
    return quarter_turned(grey) if runs_sideways(grey) else grey


def half_turned(grey: np.ndarray) -> np.ndarray:
    """The page turned half round (upside down)."""
    return np.ascontiguousarray(np.rot90(grey, 2))


def level_angle(grey: np.ndarray) -> float:
    """The angle the page is turned level by (its row profile's tilt), 0 for a little one."""
    angle = row_profile_tilt(grey)
    return angle if abs(angle) >= 2 * FINE_STEP else 0.0


def levelled(grey: np.ndarray) -> np.ndarray:
    """The page turned level by its row profile where it is tilted more than a little."""
    return rotate(grey, level_angle(grey))


def square_frame(grey: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The whole image warped so that a keystoned table frame becomes the rectangle of its
    longer sides (the text around the table comes along)."""
    import cv2

    tl, tr, br, bl = corners
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    x0, y0 = float(min(tl[0], bl[0])), float(min(tl[1], tr[1]))
    target = np.float32([[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]])
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(
        grey,
        matrix,
        (grey.shape[1], grey.shape[0]),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )
