"""A colour page image made into the grey image the rest of the scan path reads, with the seals
taken out: a red seal is light in the colour it is inked in, the black print under it is dark
in every channel.

The grey value of a pixel is its brightest channel (HSV's V): black print stays black whatever
lies over it, a red seal's ring, star and characters and a blue pen's signature become light
paper, and a grey scan (three equal channels) is read exactly as it was. The channels' spread
(HSV's S) tells a colour page from a grey one, and which pixels are the seal's.
"""

from __future__ import annotations

import numpy as np

COLOUR_SPREAD = 30  # channel spread (0-255) above which a pixel is coloured ink
MIN_COLOURED_SHARE = 0.001  # of a page's pixels: fewer coloured ones and it is read as grey
PAPER_WINDOW = 9  # px of the quarter-size copy: wider than a stroke, narrower than a shadow
PAPER_PERCENTILE = 90  # the paper's brightness: most of a form's page is paper
FULL_INK_PERCENTILE = 10  # of a seal's pixels' brightness: where its ink is pressed fullest
UNDER_SHARE = 0.88  # of that: a coloured pixel darker than this is print under the seal


def coloured(rgb: np.ndarray) -> np.ndarray:
    """The pixels whose channels differ enough to be coloured ink (a seal, a pen), as bool."""
    wide = rgb.astype(np.int16)
    spread = wide.max(axis=2) - wide.min(axis=2)
    return spread > COLOUR_SPREAD


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
    if rgb.ndim == 2:
        return rgb
    grey = rgb.max(axis=2)
    if not is_colour(rgb):
        return np.ascontiguousarray(grey)
    import cv2

    inked = coloured(rgb)
    paper = float(np.percentile(grey[:: max(1, grey.shape[0] // 200)], PAPER_PERCENTILE))
    # the ink's own brightest channel where it is pressed fullest: anything the seal lies over
    # is darker than that, the seal's own worn and light parts are lighter
    seal = float(np.percentile(grey[inked], FULL_INK_PERCENTILE))
    # JPEG keeps colour at half resolution: a seal's edge pixels are greyer than its ink
    under = cv2.dilate(inked.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    print_under = under & (grey < np.uint8(min(UNDER_SHARE * seal, 255)))
    lifted = np.minimum(grey[print_under].astype(np.float32) * paper / max(seal, 1.0), 255.0)
    grey[under] = local_paper(grey)[under]  # a shadow's paper is darker than the rest
    grey[print_under] = lifted.astype(np.uint8)
    return np.ascontiguousarray(grey)
