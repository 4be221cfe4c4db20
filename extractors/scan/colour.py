"""A colour page image made into the grey image the rest of the scan path reads, with the seals
taken out: a red seal is light in the colour it is inked in, the black print under it is dark
in every channel.

The grey value of a pixel is its brightest channel (HSV's V): black print stays black whatever
lies over it, a red seal's ring, star and characters and a blue pen's signature become light
paper, and a grey scan (three equal channels) is read exactly as it was. The channels' spread
(HSV's S) tells a colour page from a grey one, and which pixels are the seal's: measured with
the paper made white first (a yellow sheet or a lamp's warm cast is no ink), and against the
paper around each pixel (a seal in a photo's shadow is as light a share of its paper as one in
the light). A red seal and a blue pen are each measured by their own ink.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]

COLOUR_SPREAD = 30  # channel spread (0-255) above which a pixel is coloured ink
MIN_COLOURED_SHARE = 0.001  # of a page's pixels: fewer coloured ones and it is read as grey
PAPER_WINDOW = 9  # px of the quarter-size copy: wider than a stroke, narrower than a shadow
FULL_INK_PERCENTILE = 10  # of a seal's pixels' share of the paper: where its ink is fullest
MIN_INK_PX = 200  # fewer pixels of one colour: JPEG's fringes, no ink
UNDER_SHARE = 0.88  # of that: a coloured pixel darker than this is print under the seal


def brightest(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's brightest channel (HSV's V) of a uint8 colour image."""
    import cv2

    red, green, blue = cv2.split(np.ascontiguousarray(rgb))
    return cv2.max(cv2.max(red, green), blue)


def spread(rgb: np.ndarray) -> np.ndarray:
    """How far each pixel's channels lie apart (its brightest less its darkest, uint8): 0 on
    grey, large on coloured ink. By channel planes (OpenCV), not along numpy's last axis,
    which walks the image a byte at a time and cost a colour page a second."""
    import cv2

    red, green, blue = cv2.split(np.ascontiguousarray(rgb))
    return cv2.subtract(cv2.max(cv2.max(red, green), blue), cv2.min(cv2.min(red, green), blue))


def coloured(rgb: np.ndarray) -> np.ndarray:
    """The pixels whose channels differ enough to be coloured ink (a seal, a pen), as bool."""
    return spread(rgb) > COLOUR_SPREAD


def balanced(rgb: np.ndarray) -> np.ndarray:
    """The page with its paper made white channel by channel (each divided by its own paper
    around it): a yellow paper or a lamp's warm cast is no colour, a seal's red still is. By
    channel planes (OpenCV's split and merge), not numpy's strided channel views."""
    import cv2

    planes = [
        np.minimum(plane.astype(np.float32) * 255 / np.maximum(local_paper(plane), 1), 255).astype(
            np.uint8
        )
        for plane in cv2.split(np.ascontiguousarray(rgb))
    ]
    return cv2.merge(planes)


def is_colour(rgb: np.ndarray) -> bool:
    """Does the page hold coloured ink (beyond JPEG's colour fringes)?"""
    step = max(1, rgb.shape[0] // 400)  # a sample of rows is enough to tell
    return bool(coloured(rgb[::step]).mean() >= MIN_COLOURED_SHARE)


def local_paper(grey: np.ndarray) -> np.ndarray:
    """The paper's brightness around each pixel (under a shadow, in a vignette): the brightest
    of its neighbourhood, on a copy a quarter the size."""
    import cv2

    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, np.ones((PAPER_WINDOW, PAPER_WINDOW), np.uint8))
    paper = cv2.blur(paper, (PAPER_WINDOW, PAPER_WINDOW))
    return cv2.resize(paper, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)


def without_colour(rgb: np.ndarray) -> np.ndarray:
    """The page as grey with coloured ink taken out: each pixel its brightest channel, so black
    print is as dark as it was; under coloured ink that channel is divided by what the ink
    itself takes from it (as a filter's colour is divided out), so a seal's ring, star and
    characters come out as light as the paper and a ruling line or text under them as dark as
    beside them."""
    return without_colour_and_seal(rgb)[0]


def without_colour_and_seal(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """without_colour's page, and where its red seals' ink lay, as a layer: paper 255, ink 0
    (white where the page is turned or warped and its corners filled with paper, as the page
    itself), None on a grey page or one with no red ink. Text read under a seal's ink is read
    through it, as well as can be, but never for sure."""
    if rgb.ndim == 2:
        return rgb, None
    grey = brightest(rgb)
    if not is_colour(rgb):
        return np.ascontiguousarray(grey), None

    white = balanced(rgb)
    inked = coloured(white)
    paper = local_paper(grey)
    # each pixel's brightness as a share of the paper around it: a seal's ink in a shadow is
    # as light a share of its paper as in the light
    share = grey.astype(np.float32) / np.maximum(paper, 1).astype(np.float32)
    reddish = white[:, :, 0] >= white[:, :, 2]
    out = grey.copy()
    for ink in (inked & reddish, inked & ~reddish):  # a red seal, a blue pen: each its own
        if np.count_nonzero(ink) >= MIN_INK_PX:
            _lift_print_under(out, ink, share, paper)
    return np.ascontiguousarray(out), seal_layer(inked & reddish)


def seal_layer(red: np.ndarray) -> np.ndarray | None:
    """Red ink (bool) as a layer the page's turns carry along: paper 255, ink 0."""
    if np.count_nonzero(red) < MIN_INK_PX:
        return None
    return np.where(red, 0, 255).astype(np.uint8)


def _lift_print_under(
    grey: np.ndarray, ink: np.ndarray, share: np.ndarray, paper: np.ndarray
) -> None:
    """Coloured ink of one colour made paper in `grey`, and the print under it lifted to what
    it is beside it: the ink's own share of the paper where it is pressed fullest is what it
    takes from anything under it (anything darker is print under it, the ink's own worn and
    light parts are lighter)."""
    import cv2

    seal = float(np.percentile(share[ink], FULL_INK_PERCENTILE))
    # JPEG keeps colour at half resolution: a seal's edge pixels are greyer than its ink
    under = cv2.dilate(ink.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    print_under = under & (share < UNDER_SHARE * seal)
    lifted = np.minimum(grey[print_under].astype(np.float32) / max(seal, 0.01), 255.0)
    grey[under] = paper[under]  # a shadow's paper is darker than the rest
    grey[print_under] = lifted.astype(np.uint8)


# A grey page's seal: its ink a mid grey (no channel tells it from print), a ring found as a
# circle of mid-grey ink that is no print's edge and no ruling line
SEAL_MM = (24.0, 60.0)  # a seal's diameter on paper
DARK_SHARE, MID_SHARE = 0.3, 0.8  # of the paper: print's core is darker, a seal's ink between
# HoughCircles' HOUGH_GRADIENT_ALT passes: (blur, accumulator step, perfectness a ring reaches)
HOUGH_PASSES = ((2.0, 1.0, 0.4), (1.0, 1.5, 0.5), (1.0, 2.0, 0.3))
RING_COVER = 0.3  # of a ring's rim over seal-grey ink: a seal's, worn, crossed by print
RULING_RUN_MM = 18.0
RING_BAND = (0.9, 1.08)  # of the radius found: where the ring's ink lies (and its rim)
ARC_BAND = (0.82, 1.18)  # and where a line found along it is the ring's (its radius a guess)
STAR_RADIUS = 0.4  # of the radius: the star in its middle, whose points run level or upright
BESIDE_PX = 5  # a print core's neighbourhood kept (its soft edge, a thin stroke's grey sides)
UNDER_SEAL = 0.85  # of the ring's usual grey: anything darker in the seal is print under it
TABLE_MARGIN_MM = 1.0  # above a table's frame: its top ruling line's width and blur
STRAIGHT_MM = 8.5  # a straight run of seal-grey ink this long is no ring's (on a level page)  # a straight run of ink this long is a ruling line, kept under a seal


def without_grey_seals(
    grey: np.ndarray,
    dpi: float,
    tables: Sequence[Box] = (),
    circles: Sequence[tuple[float, float, float]] | None = None,
) -> np.ndarray:
    """A grey page with its seals' mid-grey ink made paper above its tables (`tables`: their
    (x0, y0, x1, y1)), where the title and the head lines that name the form stand: in a
    circle a seal's ring draws (found on a half-size copy), each pixel lighter than the print
    under the seal but darker than paper, and not beside print (a stroke's soft edge) nor on a
    ruling line, is the seal's, so a title under a seal is read apart from its ring, not lost
    with the form. From the first table down the page is left as it is: the grid is found
    already, and print there as grey as the seal (a phone number under the signature's seal)
    is read through it, flagged where it suffers, rather than wiped with the seal.
    `circles`: the page's seals where they are found already (grey_seals)."""
    if not tables:
        return grey
    top = max(min(int(box[1]) for box in tables) - int(TABLE_MARGIN_MM * dpi / 25.4), 0)
    if circles is None:  # only a seal reaching above the table: on the page to its radius below
        found = _seal_circles(grey[: top + int(SEAL_MM[1] / 2 * dpi / 25.4)], dpi)
    else:
        found = [(x, y, r) for x, y, r in circles if y - r * RING_BAND[1] < top]
    if not found:
        return grey
    out = grey.copy()
    paper = local_paper(grey)
    kept = np.zeros(grey.shape, dtype=bool)
    kept[top:] = True
    for x, y, r in found:
        _wipe_seal(out, paper, kept, (x, y, r), dpi)
    return out


Circle = tuple[float, float, float]


@dataclass(frozen=True)
class GreySeals:
    """Where a grey page's seals lie: their rings (centre and radius, px), their discs
    (`discs`: 0 on paper 255) and the band each ring's arcs draw with the star in its middle
    (`rings`: 255 on 0)."""

    circles: tuple[Circle, ...]
    discs: np.ndarray
    rings: np.ndarray


def grey_seals(grey: np.ndarray, dpi: float) -> GreySeals | None:
    """Where the seals of a grey page lie (None: no seal found), over a table as above it: a
    ring's arcs are never taken for ruling lines (lines.without_arcs: a column edge through
    a row, a row edge through a column), and text the seal lies over, read through its ink
    (as dark as print where it is fullest, so never all of it told and wiped), is never sure,
    as under a red seal."""
    import cv2

    found = _seal_circles(grey, dpi)
    if not found:
        return None
    discs = np.full(grey.shape, 255, dtype=np.uint8)
    rings = np.zeros(grey.shape, dtype=np.uint8)
    for x, y, r in found:
        centre = (round(x), round(y))
        cv2.circle(discs, centre, round(r * ARC_BAND[1]), 0, -1)  # its ring a guess too
        band = max(round(r * (ARC_BAND[1] - ARC_BAND[0])), 1)
        cv2.circle(rings, centre, round(r * sum(ARC_BAND) / 2), 255, band)
        cv2.circle(rings, centre, round(r * STAR_RADIUS), 255, -1)
    return GreySeals(tuple(found), discs, rings)


def without_seals_in_tables(
    grey: np.ndarray, dpi: float, seals: GreySeals, tables: Sequence[Box], ruling: np.ndarray
) -> np.ndarray:
    """A grey page with its seals' mid-grey ink made paper in its tables (`tables`: their
    (x0, y0, x1, y1)) too, once their grid is found (`ruling`: its lines' mask, kept): the
    seal's own characters and star read as no cell's text, a label's strokes apart from the
    ring over them. What it lay over is doubted all the same (GreySeals.discs). Below the
    tables (the footer's lines, their print as grey as the seal) it is left."""
    out = grey.copy()
    paper = local_paper(grey)
    kept = np.ones(grey.shape, dtype=bool)
    for x0, y0, x1, y1 in tables:
        kept[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1] = False
    kept |= ruling > 0
    for circle in seals.circles:
        _wipe_seal(out, paper, kept, circle, dpi)
    return out


def _mid_grey(grey: np.ndarray, paper: np.ndarray, dark: float = DARK_SHARE) -> np.ndarray:
    """The pixels of seal-grey ink (uint8 0/1): between print's core (darker than `dark` of
    the paper) and the paper, not beside a print core."""
    import cv2

    share = grey.astype(np.float32) / np.maximum(paper, 1).astype(np.float32)
    core = (share < dark).astype(np.uint8)
    beside = cv2.dilate(core, np.ones((BESIDE_PX, BESIDE_PX), np.uint8)) > 0
    return ((share >= dark) & (share < MID_SHARE) & ~beside).astype(np.uint8)


def _seal_circles(grey: np.ndarray, dpi: float) -> list[tuple[float, float, float]]:
    """Centres and radii (px of `grey`) of the seals' rings on a grey page: circles of
    mid-grey ink found by OpenCV's HoughCircles in two ways (each misses a ring the other
    finds: one crossed by a table's print, one worn thin), each kept where seal-grey ink runs
    along RING_COVER of its rim (no chance curve of a table's text does)."""
    import cv2

    small = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    mid = _mid_grey(small, local_paper(small)) * 255
    run = int(STRAIGHT_MM * dpi / 2 / 25.4)  # straight runs out: a ring has none so long
    mid &= ~(
        cv2.morphologyEx(mid, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
        | cv2.morphologyEx(mid, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    )
    mm = dpi / 2 / 25.4
    found: list[tuple[float, float, float, float]] = []  # x, y, r, cover on the half size
    for blur, step, roundness in HOUGH_PASSES:
        circles = cv2.HoughCircles(
            cv2.GaussianBlur(mid, (0, 0), blur),
            cv2.HOUGH_GRADIENT_ALT,
            dp=step,
            minDist=SEAL_MM[0] * mm,
            param1=100,
            param2=roundness,
            minRadius=int(SEAL_MM[0] / 2 * mm),
            maxRadius=int(SEAL_MM[1] / 2 * mm),
        )
        for x, y, r in [] if circles is None else circles[0]:
            cover = _ring_cover(mid, float(x), float(y), float(r))
            if cover >= RING_COVER:
                found.append((float(x), float(y), float(r), cover))
    kept: list[tuple[float, float, float, float]] = []
    for circle in sorted(found, key=lambda c: -c[3]):  # the best of those about one centre
        if all(math.hypot(circle[0] - k[0], circle[1] - k[1]) > k[2] / 2 for k in kept):
            kept.append(circle)
    return [(x * 2, y * 2, r * 2) for x, y, r, _ in kept]


def _ring_cover(mid: np.ndarray, x: float, y: float, r: float) -> float:
    """The share of a circle's rim (the best of its radius and a pixel or two about it) that
    runs over seal-grey ink (`mid`, 255 on 0)."""
    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    best = 0.0
    for radius in (r - 2, r - 1, r, r + 1, r + 2):
        xs = np.clip((x + radius * np.cos(angles)).astype(int), 0, mid.shape[1] - 1)
        ys = np.clip((y + radius * np.sin(angles)).astype(int), 0, mid.shape[0] - 1)
        best = max(best, float((mid[ys, xs] > 0).mean()))
    return best


def _ruling_runs(ink: np.ndarray, dpi: float) -> np.ndarray:
    """The straight horizontal and vertical runs of `ink` (0/255) long enough to be ruling
    lines (longer than a seal's ring stays within its own width)."""
    import cv2

    run = max(3, int(RULING_RUN_MM * dpi / 25.4))
    lines = []
    for across, along in (((3, 1), (1, run)), ((1, 3), (run, 1))):
        # thickened across (a pixel's step along a tilted line), small breaks closed along
        thick = cv2.dilate(ink, np.ones(across, np.uint8))
        thick = cv2.morphologyEx(thick, cv2.MORPH_CLOSE, np.ones(along, np.uint8)[:, :9][:9])
        lines.append(cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones(along, np.uint8)))
    return lines[0] | lines[1]


def _wipe_seal(
    grey: np.ndarray,
    paper: np.ndarray,
    kept: np.ndarray,
    circle: tuple[float, float, float],
    dpi: float,
) -> None:
    """The seal-grey ink within a ring (and a little beyond: its rim) made paper in `grey`,
    the ruling lines through it kept (their runs measured beyond the ring too)."""

    (ys, xs), seal = _seal_ink(grey, paper, circle, dpi)
    wipe = seal & ~kept[ys, xs]
    grey[ys, xs][wipe] = paper[ys, xs][wipe]


def _seal_ink(
    grey: np.ndarray, paper: np.ndarray, circle: tuple[float, float, float], dpi: float
) -> tuple[tuple[slice, slice], np.ndarray]:
    """A grey seal's own ink (bool) in the patch round its ring (and the patch's slices): the
    seal-grey pixels within the ring and a little beyond (its rim), not the ruling lines
    through it (their runs measured beyond the ring too) nor print darker than its ring."""
    x, y, r = circle
    reach = r * RING_BAND[1] + int(RULING_RUN_MM * dpi / 25.4)
    y0, y1 = max(int(y - reach), 0), min(int(y + reach) + 1, grey.shape[0])
    x0, x1 = max(int(x - reach), 0), min(int(x + reach) + 1, grey.shape[1])
    patch, patch_paper = grey[y0:y1, x0:x1], paper[y0:y1, x0:x1]
    share = patch.astype(np.float32) / np.maximum(patch_paper, 1).astype(np.float32)
    inked = share < MID_SHARE
    rows, cols = np.ogrid[y0 - y : y1 - y, x0 - x : x1 - x]
    distance = np.sqrt(rows * rows + cols * cols)
    ring = inked & (distance > RING_BAND[0] * r) & (distance < RING_BAND[1] * r)
    # print is darker than the seal's own ink (its ring's usual grey), however grey it is
    dark = max(DARK_SHARE, UNDER_SEAL * float(np.median(share[ring]))) if ring.any() else 0.0
    lines = _ruling_runs(inked.astype(np.uint8) * 255, dpi)
    seal = (_mid_grey(patch, patch_paper, dark) > 0) & (lines == 0)
    return (slice(y0, y1), slice(x0, x1)), seal & (distance < RING_BAND[1] * r)


def grey_seal_layer(grey: np.ndarray, dpi: float) -> np.ndarray | None:
    """Where a grey page's seals' ink lies, anywhere on it, as a layer (paper 255, ink 0, as
    seal_layer gives a red seal's): text read under it is never sure. None without a seal."""
    found = _seal_circles(grey, dpi)
    if not found:
        return None
    paper = local_paper(grey)
    layer = np.full(grey.shape, 255, dtype=np.uint8)
    for circle in found:
        (ys, xs), seal = _seal_ink(grey, paper, circle, dpi)
        layer[ys, xs][seal] = 0
    return layer
