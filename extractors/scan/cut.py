"""A ruled table the page's edge cut through: its lines run to the cut and no line closes it.

A form printed wider than the paper (its last column past the printer's margin), a row split
over a page break (its top line on the page before), a page laid askew on the scanner's glass:
the ruling lines then end at the cut, open, and the cells along it enclose nothing. Here such a
side is found (two or more of the table's own lines, which go on into the table, reach the
table's box on that side, while no crossing line runs along it) and closed along the lines'
ends, so its cells are read; a cell whose text reaches the cut may have lost part of it with
the paper, so it is doubted (ruling.py marks it as a cell the grid only guessed).

Positions are in pixels of the table's own box (its region of the line masks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OPEN_SIDE_PX = 15  # the lines run on this far past the last crossing line: a side left open
END_PX = 4  # a line reaching this close to the box's side ends at it
LONG_SHARE = 0.5  # of the box's height (width): a line this long is the table's own
MIN_OPEN_LINES = 2  # lines ending so: one could be a stray stroke, two are the table's
OPEN_SHARE = 0.6  # of the table's lines crossing near that side: a cut stops them all
CUT_STRIP_PX = 12  # text ink this close to the cut: the text ran on past it
CUT_INK_SPAN = 5  # across this many of the strip's pixels: a lost line's remnant is 1-3 wide


@dataclass(frozen=True)
class OpenSides:
    """The sides of a table's box no ruling line closes, its lines running on to the cut."""

    top: bool = False
    bottom: bool = False
    left: bool = False
    right: bool = False

    def any(self) -> bool:
        return self.top or self.bottom or self.left or self.right


def open_sides(
    horizontal: np.ndarray, vertical: np.ndarray, xs: list[float], ys: list[float]
) -> OpenSides:
    """The open sides of a table's box: `horizontal`/`vertical` are the line masks over the
    box, `xs`/`ys` the centres of its vertical and horizontal lines, in order."""
    if not xs or not ys:
        return OpenSides()
    height, width = horizontal.shape
    return OpenSides(
        top=ys[0] >= OPEN_SIDE_PX and _lines_to_end(vertical, xs, 0),
        bottom=height - 1 - ys[-1] >= OPEN_SIDE_PX and _lines_to_end(vertical, xs, height - 1),
        left=xs[0] >= OPEN_SIDE_PX and _lines_to_end(horizontal.T, ys, 0),
        right=width - 1 - xs[-1] >= OPEN_SIDE_PX and _lines_to_end(horizontal.T, ys, width - 1),
    )


def _lines_to_end(mask: np.ndarray, centres: list[float], end: int) -> bool:
    """Do most (OPEN_SHARE, and at least MIN_OPEN_LINES) of the table's long lines at
    `centres` (columns of `mask`, each running along its rows over LONG_SHARE of them) run on
    to row `end`? A page's cut stops them all; a seal's ring or a title's strokes that touch
    the table reach past its side, but are no long lines of it."""
    rows = mask.shape[0]
    near = slice(max(end - END_PX, 0), min(end + END_PX + 1, rows))
    long = reaching = 0
    for centre in centres:
        c0, c1 = max(int(centre) - 2, 0), int(centre) + 3
        band = mask[:, c0:c1].any(axis=1)
        if band.sum() >= LONG_SHARE * rows:
            long += 1
            reaching += bool(band[near].any())
    return reaching >= MIN_OPEN_LINES and reaching >= OPEN_SHARE * long


def closed_region(region: np.ndarray, sides: OpenSides) -> np.ndarray:
    """The table's line mask with a line drawn along each open side (a copy)."""
    closed = region.copy()
    if sides.top:
        closed[0, :] = 255
    if sides.bottom:
        closed[-1, :] = 255
    if sides.left:
        closed[:, 0] = 255
    if sides.right:
        closed[:, -1] = 255
    return closed


def with_cut_edges(
    xs: list[float], ys: list[float], shape: tuple[int, ...], sides: OpenSides
) -> tuple[list[float], list[float]]:
    """The line centres with the cut sides among them, so cells snap to the cut as to a line."""
    height, width = shape[:2]
    xs = ([0.0] if sides.left else []) + xs + ([float(width - 1)] if sides.right else [])
    ys = ([0.0] if sides.top else []) + ys + ([float(height - 1)] if sides.bottom else [])
    return xs, ys


def text_at_cut(
    box: tuple[float, float, float, float], text_ink: np.ndarray, sides: OpenSides, margin: float
) -> bool:
    """Does the text of a cell (its box x0, y0, x1, y1 in the table's box) reach a cut side it
    lies on, so part of it may be lost with the paper past the cut? `text_ink` is the ink that
    is no ruling line; `margin` keeps the cell's own lines out of the strip looked at. What is
    left of a line lost along the cut (a dotted thread a pixel or two wide) is no text: text
    runs on across the strip, its ink in CUT_INK_SPAN of the strip's rows or columns."""
    height, width = text_ink.shape
    x0, y0, x1, y1 = (round(v) for v in box)
    inner_x = slice(max(x0 + int(margin), 0), max(x1 - int(margin), 0))
    inner_y = slice(max(y0 + int(margin), 0), max(y1 - int(margin), 0))
    spans = []  # how many of the strip's rows (columns) across the cut hold ink
    if sides.top and y0 <= END_PX:
        spans.append(text_ink[:CUT_STRIP_PX, inner_x].any(axis=1).sum())
    if sides.bottom and y1 >= height - 1 - END_PX:
        spans.append(text_ink[height - CUT_STRIP_PX :, inner_x].any(axis=1).sum())
    if sides.left and x0 <= END_PX:
        spans.append(text_ink[inner_y, :CUT_STRIP_PX].any(axis=0).sum())
    if sides.right and x1 >= width - 1 - END_PX:
        spans.append(text_ink[inner_y, width - CUT_STRIP_PX :].any(axis=0).sum())
    return any(int(span) >= CUT_INK_SPAN for span in spans)
