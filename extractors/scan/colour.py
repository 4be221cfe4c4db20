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

import numpy as np

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
    around it): a yellow paper or a lamp's warm cast is no colour, a seal's red still is."""
    channels = [
        np.minimum(
            rgb[:, :, k].astype(np.float32) * 255 / np.maximum(local_paper(rgb[:, :, k]), 1),
            255,
        )
        for k in range(3)
    ]
    return np.stack(channels, axis=2).astype(np.uint8)


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
    grey = brightest(rgb)
    if not is_colour(rgb):
        return np.ascontiguousarray(grey)

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
    return np.ascontiguousarray(out)


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
