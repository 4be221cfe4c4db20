"""A scanned page set flat: levelled by its rows and its ruling lines, its perspective squared
by its table's frame, its grid found, and its ruling lines and grey seals taken out of the
text's way. Each turn and warp is kept, so that a layer drawn on the page as it came (where a
red seal's ink lay: colour.seal_layer) is set flat with it and told where it lies over text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from extractors.scan.colour import (
    GreySeals,
    grey_seals,
    local_paper,
    without_grey_seals,
    without_seals_in_tables,
)
from extractors.scan.geometry import frame_quad, level_angle, rotate, square_frame
from extractors.scan.lines import (
    bridged_under_seals,
    line_ink,
    line_masks,
    without_arcs,
)
from extractors.scan.ruling import DPI, Rect, Table, deskew_angle, find_tables

UNDER_SEAL_SHARE = 0.03  # of a text box's pixels: a seal's ink over this much of it


@dataclass(frozen=True)
class FlatPage:
    """A page levelled, its perspective squared and its grid found: the image the text is read
    from (without ruling lines nor grey seals), its tables, and its size in points."""

    clean: np.ndarray
    tables: list[Table]
    size: tuple[float, float]
    lines: np.ndarray | None = None  # the page's ruling ink (lines.line_ink), for read_text
    turns: tuple[Callable[[np.ndarray], np.ndarray], ...] = ()  # what set it flat, in order
    grey_seal: np.ndarray | None = None  # where a grey seal's ink lay (paper 255), set flat


def flat_page(
    grey: np.ndarray,
    size: tuple[float, float],
    turns: Sequence[Callable[[np.ndarray], np.ndarray]] = (),
    seal: np.ndarray | None = None,
) -> FlatPage:
    """A page turned the right way (by quarter and half turns: `turns`) levelled, its
    perspective squared, its grid found and its ruling lines and grey seals taken out; each
    turn and warp kept, so that a layer drawn on the page can be set flat with it. `seal`:
    where its red seals' ink lay on the page as it came (colour.seal_layer), whose lines
    under it are joined across it."""
    done = list(turns)

    def turned(step: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        done.append(step)
        return step(grey)

    grey = turned(partial(rotate, angle=level_angle(grey)))
    grey = turned(partial(rotate, angle=deskew_angle(grey)))
    seals = grey_seals(grey, DPI)  # before the lines: a ring's arcs are none
    masks, bridged = seal_proof_masks(grey, seals, None if seal is None else replayed(seal, done))
    corners = frame_quad(*masks)
    if corners is not None:  # a photo's perspective the page's edges did not show
        grey = turned(partial(square_frame, corners=corners))
        grey = turned(partial(rotate, angle=deskew_angle(grey)))
        seals = grey_seals(grey, DPI)
        masks, bridged = seal_proof_masks(
            grey, seals, None if seal is None else replayed(seal, done)
        )
    if (grey.shape[1] > grey.shape[0]) != (size[0] > size[1]):  # turned a quarter
        size = (size[1], size[0])
    tables, ruling = find_tables(grey, masks)  # the lines found once for both
    tables = guessed_where_bridged(tables, bridged)
    boxes = [(t.rect.x0, t.rect.y0, t.rect.x1, t.rect.y1) for t in tables]
    grey = without_grey_seals(grey, DPI, boxes, seals.circles if seals else ())
    if seals is not None:
        grey = without_seals_in_tables(grey, DPI, seals, boxes, ruling)
    return FlatPage(
        without_ruling(grey, ruling),
        tables,
        size,
        lines=line_ink(grey),
        turns=tuple(done),
        grey_seal=seals and seals.discs,
    )


def seal_proof_masks(
    grey: np.ndarray, seals: GreySeals | None, red: np.ndarray | None
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """The page's ruling-line masks (lines.line_masks) without a grey seal's arcs and with the
    lines a red seal broke joined across it (`red`: its ink's layer set flat), and the mask
    of what was so joined (a guess)."""
    masks = without_arcs(line_masks(grey), seals and seals.rings)
    if red is None:
        return masks, np.zeros(grey.shape, dtype=bool)
    joined = bridged_under_seals(masks, red < 128, DPI)
    return joined, ((joined[0] | joined[1]) > 0) & ((masks[0] | masks[1]) == 0)


GUESSED_EDGE_PX = 12  # of a cell's edge run along a joined line: its edge is a guess


def guessed_where_bridged(tables: list[Table], bridged: np.ndarray) -> list[Table]:
    """The tables with each cell whose edge runs along a line joined across a seal marked as
    guessed: where the line lies was inferred, so its values are unsure."""
    if not bridged.any():
        return tables
    marked = []
    for table in tables:
        extra = {k for k, cell in enumerate(table.cells) if _edge_bridged(cell, bridged)}
        marked.append(replace(table, guessed=table.guessed | extra) if extra else table)
    return marked


def _edge_bridged(cell: Rect, bridged: np.ndarray) -> bool:
    """Does GUESSED_EDGE_PX or more of any of the cell's edges run along joined line?"""
    x0, y0, x1, y1 = int(cell.x0), int(cell.y0), math.ceil(cell.x1), math.ceil(cell.y1)
    edges = (
        bridged[max(y0 - 3, 0) : y0 + 4, x0:x1].any(axis=0).sum(),
        bridged[max(y1 - 3, 0) : y1 + 4, x0:x1].any(axis=0).sum(),
        bridged[y0:y1, max(x0 - 3, 0) : x0 + 4].any(axis=1).sum(),
        bridged[y0:y1, max(x1 - 3, 0) : x1 + 4].any(axis=1).sum(),
    )
    return max(edges) >= GUESSED_EDGE_PX


def replayed(layer: np.ndarray, turns: Sequence[Callable[[np.ndarray], np.ndarray]]) -> np.ndarray:
    """A layer drawn on the page as it came, set flat by the page's own turns and warps."""
    for turn in turns:
        layer = turn(layer)
    return layer


def under_seal(ink: np.ndarray, rect: Rect) -> bool:
    """Does a seal's ink (bool, the page set flat) lie over UNDER_SEAL_SHARE of the box?"""
    under = ink[int(rect.y0) : math.ceil(rect.y1), int(rect.x0) : math.ceil(rect.x1)]
    return bool(under.size) and np.count_nonzero(under) >= UNDER_SEAL_SHARE * under.size


def without_ruling(grey: np.ndarray, ruling: np.ndarray) -> np.ndarray:
    """The page with its ruling lines (a mask) out of the OCR's way: made the paper around
    them, not white (on a shadowed photo a white stripe makes the paper beside it darker
    than its neighbourhood, and that reads as ink: an `L` at a corner of every cell)."""
    return np.where(ruling > 0, local_paper(grey), grey)
