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
PAPER_PERCENTILE = 90  # the paper's brightness: most of a form's page is paper
LIGHT_SHARE = 0.6  # of the paper's brightness: a coloured pixel darker than this is print


def coloured(rgb: np.ndarray) -> np.ndarray:
    """The pixels whose channels differ enough to be coloured ink (a seal, a pen), as bool."""
    wide = rgb.astype(np.int16)
    spread = wide.max(axis=2) - wide.min(axis=2)
    return spread > COLOUR_SPREAD


def is_colour(rgb: np.ndarray) -> bool:
    """Does the page hold coloured ink (beyond JPEG's colour fringes)?"""
    step = max(1, rgb.shape[0] // 400)  # a sample of rows is enough to tell
    return bool(coloured(rgb[::step]).mean() >= MIN_COLOURED_SHARE)


def without_colour(rgb: np.ndarray) -> np.ndarray:
    """The page as grey with coloured ink taken out: each pixel its brightest channel, so black
    print is as dark as it was, and a coloured pixel bright in that channel (a red seal's ink,
    a blue signature's) made the paper's own brightness (no ring left for a threshold to see).
    """
    if rgb.ndim == 2:
        return rgb
    grey = rgb.max(axis=2)
    if not is_colour(rgb):
        return np.ascontiguousarray(grey)
    paper = np.uint8(np.percentile(grey[:: max(1, grey.shape[0] // 200)], PAPER_PERCENTILE))
    ink_through = grey < np.uint8(LIGHT_SHARE * paper)  # print under the seal stays
    import cv2

    # JPEG keeps colour at half resolution: a seal's edge pixels are greyer than its ink
    seal = cv2.dilate(coloured(rgb).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    grey[seal & ~ink_through] = paper
    return np.ascontiguousarray(grey)
