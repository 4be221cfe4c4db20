"""The ruling lines of a page image as masks: horizontal and vertical lines found with OpenCV
morphology in the ink a line may be made of (fainter than print), rejoined across the gaps that
blur, JPEG, a seal taken out or a fold leave in them.
"""

from __future__ import annotations

import numpy as np

from extractors.scan.colour import local_paper

MIN_LINE_PX = 50  # a horizontal ruling segment is at least this long (longer than any stroke)
MIN_VLINE_PX = 25  # a vertical ruling segment: longer than a character is high
LINE_INK_C = 10  # a ruling line's pixel is this much darker than its neighbourhood's mean
LINE_PAPER_SHARE = 0.85  # or darker than this share of the paper around it (text beside it)
PAPER_LINE_PX = 100  # a line found so runs this long: text's strokes blur into shorter runs
LINE_GAP_PX = 30  # a gap in a horizontal ruling line this long or shorter is closed
VLINE_GAP_PX = 15  # and in a vertical one


def line_ink(grey: np.ndarray) -> np.ndarray:
    """The ink a ruling line may be made of: fainter than print (a thin line blurred and
    compressed is a light grey), darker than its neighbourhood's mean."""
    import cv2

    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, LINE_INK_C
    )


def below_paper(grey: np.ndarray) -> np.ndarray:
    """What is darker than LINE_PAPER_SHARE of the paper around it (255 on 0): a faint line
    that text runs along, whose neighbourhood's mean the text darkens (a photo's blurred
    line under a row of characters), in a shadow as in the light."""
    dark = grey.astype(np.float32) < LINE_PAPER_SHARE * local_paper(grey)
    return dark.astype(np.uint8) * 255


def line_masks(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The horizontal and vertical ruling-line masks of a page, and both joined (thickened a
    little, so lines that nearly meet do). A horizontal line is looked for in fainter ink
    (line_ink), or where it runs long, in ink darker than the paper around it (below_paper),
    and rejoined across a gap of up to
    LINE_GAP_PX (a line broken by blur, JPEG, a seal taken out or a fold); a vertical one the
    same, a pixel's step along a tilt tolerated, across VLINE_GAP_PX (never thickened across:
    the strokes of a bold title would make a line)."""
    import cv2

    rect = cv2.getStructuringElement
    faint = line_ink(grey)
    horizontal = cv2.morphologyEx(faint, cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (MIN_LINE_PX, 1)))
    horizontal |= cv2.morphologyEx(
        below_paper(grey), cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (PAPER_LINE_PX, 1))
    )
    horizontal = cv2.morphologyEx(
        horizontal, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (LINE_GAP_PX, 1))
    )
    thick_v = cv2.dilate(faint, rect(cv2.MORPH_RECT, (3, 1)))  # a pixel's step along a tilt
    vertical = cv2.morphologyEx(thick_v, cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (1, MIN_VLINE_PX)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (1, VLINE_GAP_PX)))
    close = rect(cv2.MORPH_RECT, (5, 5))
    return horizontal, vertical, cv2.dilate(horizontal | vertical, close)


ARC_SHARE = 0.7  # of a line's pixels in a seal's ring band: the ring's arc, no ruling line


def without_arcs(
    masks: tuple[np.ndarray, np.ndarray, np.ndarray], rings: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """line_masks' masks without the lines that lie along a seal's ring (`rings`: the band of
    each ring, 255 on 0; colour.grey_seals_out): near its leftmost and rightmost points a
    ring runs upright for a line's length, near its top and bottom level, and a grey seal's
    ink is as dark as a thin ruling line. A ruling line through a seal runs on beyond its
    ring, so most of it lies outside the band, and is kept."""
    import cv2

    if rings is None:
        return masks
    horizontal, vertical = (_off_rings(mask, rings > 0) for mask in masks[:2])
    close = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    return horizontal, vertical, cv2.dilate(horizontal | vertical, close)


def _off_rings(mask: np.ndarray, band: np.ndarray) -> np.ndarray:
    """The mask without its pieces lying ARC_SHARE or more within the band."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask
    inside = np.bincount(labels[band], minlength=count)
    arcs = np.nonzero(inside >= ARC_SHARE * stats[:, cv2.CC_STAT_AREA])[0]
    arcs = arcs[arcs > 0]
    if not len(arcs):
        return mask
    return np.where(np.isin(labels, arcs), 0, mask).astype(mask.dtype)


SEAL_BRIDGE_PX = 400  # a ruling line broken over this much of a seal's area is joined again
SEAL_REACH_PX = 12  # past a seal's outermost ink its area ends (the ink dilated by this)
SEAL_ZONE_MM = (30.0, 60.0)  # a seal's diameter on paper (its ink's circle)
INK_NEAR_PX = 4  # a gap's pixel this near the seal's ink lay under it
BRIDGE_INK_SHARE = 0.6  # of a gap's pixels under the seal's ink: the seal broke the line there


def seal_zone(ink: np.ndarray, dpi: float) -> np.ndarray:
    """The area each seal covers (255 on 0), from its ink (bool): each piece of ink, grown a
    little, as the circle round it, where that is a seal's size (SEAL_ZONE_MM across; not
    a pen's stroke, nor a spread of colour fringes over the page)."""
    import cv2

    grown = cv2.dilate(ink.astype(np.uint8) * 255, np.ones((2 * SEAL_REACH_PX + 1,) * 2, np.uint8))
    zone = np.zeros(ink.shape, dtype=np.uint8)
    smallest, largest = (mm / 2 * dpi / 25.4 + SEAL_REACH_PX for mm in SEAL_ZONE_MM)
    contours, _ = cv2.findContours(grown, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        (x, y), radius = cv2.minEnclosingCircle(contour)
        if smallest <= radius <= largest:
            cv2.circle(zone, (round(x), round(y)), round(radius), 255, -1)
    return zone


def bridged_under_seals(
    masks: tuple[np.ndarray, np.ndarray, np.ndarray], ink: np.ndarray | None, dpi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """line_masks' masks with each ruling line a red seal broke joined across it: where the
    seal's ink (`ink`, bool, the page set flat) was taken out, the thin print of a line under
    it went with it (lighter under the ink than a character's stroke), and the cells either
    side were lost into one region. A gap is joined only within the seal's circle
    (seal_zone), between a line's pieces either side, in line, and where the seal's ink lay
    over most of it (not across a merged cell the seal happens to lie on)."""
    import cv2

    if ink is None or not ink.any():
        return masks
    inside = seal_zone(ink, dpi) > 0
    if not inside.any():
        return masks
    near = cv2.dilate(ink.astype(np.uint8), np.ones((2 * INK_NEAR_PX + 1,) * 2, np.uint8)) > 0
    rect = cv2.getStructuringElement
    horizontal = _joined(masks[0], rect(cv2.MORPH_RECT, (SEAL_BRIDGE_PX, 1)), inside, near)
    vertical = _joined(masks[1], rect(cv2.MORPH_RECT, (1, SEAL_BRIDGE_PX)), inside, near)
    close = rect(cv2.MORPH_RECT, (5, 5))
    return horizontal, vertical, cv2.dilate(horizontal | vertical, close)


def _joined(mask: np.ndarray, kernel: np.ndarray, inside: np.ndarray, near: np.ndarray):
    """The mask with its gaps up to the kernel's length closed where a gap lies in the seal's
    circle (`inside`) with its ink over BRIDGE_INK_SHARE of it (`near`)."""
    import cv2

    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    gaps = ((closed > 0) & (mask == 0) & inside).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(gaps, connectivity=8)
    if count <= 1:
        return mask
    inked = np.bincount(labels[near & (gaps > 0)], minlength=count)
    keep = np.nonzero(inked >= BRIDGE_INK_SHARE * stats[:, cv2.CC_STAT_AREA])[0]
    keep = keep[keep > 0]
    return np.where(np.isin(labels, keep), 255, mask).astype(mask.dtype)
