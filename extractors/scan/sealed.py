"""Text read under a seal: never sure. A red seal's ink is a layer the page's turns carry
(colour.seal_layer), a grey seal's ring one found on the page set flat
(colour.grey_seal_layer); a text box either lies over is read at most UNDER_SEAL_SCORE sure,
and so is each of its characters the seal lies over or beside. A line read unsure under a grey
ring is read twice more without it, and the re-reading taken only where the two agree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol, TypeVar

import numpy as np

from extractors.scan.colour import grey_seal_layer, local_paper
from extractors.scan.crops import ink_glyph, line_image, strokes
from extractors.scan.flat import UNDER_SEAL_SHARE, under_seal
from extractors.scan.ruling import DPI, Rect, Table


class _Line(Protocol):
    """What is read of a text line (page.TextBox): where, what, how sure, each character."""

    @property
    def rect(self) -> Rect: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def chars(self) -> tuple[float, ...]: ...


TextBox = TypeVar("TextBox", bound=_Line)
# the recogniser's reading of (box, image) jobs as text boxes (page._recognised)
Read = Callable[[list[tuple[Rect, np.ndarray]]], list]
_DASHES = re.compile(r"[—\-─\s]")  # a placeholder's bar: nothing to read again


UNDER_SEAL_SCORE = 0.7  # below LOW_CONFIDENCE: read through a seal, never for sure
REREAD_BELOW = 0.8  # a line under a seal read less sure than this (LOW_CONFIDENCE) is re-read


def doubted_under_seal(boxes: list[TextBox], seal: np.ndarray) -> list[TextBox]:
    """Text read where a red seal's ink lies over it: the ink is taken out before reading and
    the print under it lifted, but a stroke the seal hid is lost (`…管护经` for `…管护经费`,
    a character dropped from a unit's name at 0.9999), so its reading is unsure; and so is
    each character the seal lies over or beside (a title's unit under the seal, its project's
    name beyond it read clear: sealed_chars)."""
    ink = seal < 128
    return [
        replace(
            box,
            score=min(box.score, UNDER_SEAL_SCORE),
            chars=tuple(
                min(c, UNDER_SEAL_SCORE) if sealed else c
                for c, sealed in zip(box.chars, sealed_chars(ink, box), strict=True)
            ),
        )
        if under_seal(ink, box.rect)
        else box
        for box in boxes
    ]


def sealed_chars(ink: np.ndarray, box: TextBox) -> list[bool]:
    """Which of a box's characters a seal's ink (bool, the page set flat) lies over or
    beside: each character's place along the box by its width (a wide one a pitch, a Latin
    one half), and the seal's ink over UNDER_SEAL_SHARE of that stretch widened by a pitch
    either side (a character the seal hid is lost without a trace, and the places of those
    after it shift by its width)."""
    widths = [1.0 if not c.isascii() else 0.5 for c in box.text]
    total = sum(widths)
    if not total or not box.chars:
        return [False] * len(box.chars)
    rect = box.rect
    band = ink[int(rect.y0) : math.ceil(rect.y1), :]
    pitch = (rect.x1 - rect.x0) / total
    out, at = [], rect.x0
    for width in widths:
        x0, x1 = int(at - pitch), math.ceil(at + width * pitch + pitch)
        under = band[:, max(x0, 0) : max(x1, 0)]
        out.append(bool(under.size) and np.count_nonzero(under) >= UNDER_SEAL_SHARE * under.size)
        at += width * pitch
    return out


def read_under_grey_seal(
    boxes: list[TextBox], clean: np.ndarray, tables: list[Table], read: Read
) -> list[TextBox]:
    """A grey page's text under a seal's mid-grey ring (colour.grey_seal_layer; above the
    tables it is taken out already) doubted as under a red seal's ink, and each doubted line
    read again from the page with the ring's grey made paper (reread_doubted)."""
    layer = grey_seal_layer(clean, DPI)
    if layer is None:
        return boxes
    boxes = doubted_under_seal(boxes, layer)
    ink = layer < 128
    wiped = np.where(ink, local_paper(clean), clean)
    return reread_doubted(boxes, wiped, tables, ink, read)


REREAD_STRETCH = 1.5  # the second re-reading drawn this much wider: repeated digits stay apart


def reread_doubted(
    boxes: list[TextBox],
    wiped: np.ndarray,
    tables: list[Table],
    seal: np.ndarray,
    read: Read,
) -> list[TextBox]:
    """Each line read unsure under a seal read twice more from `wiped` (the page without the
    seal's ink), as it is and drawn REREAD_STRETCH wider (CTC merges a run of the same digit
    drawn narrow: `000000` read `00000`); taken where the two agree, and still unsure (the
    seal's print is damaged: its reading is never sure), else the first reading is kept. A
    re-reading that disagrees with itself says nothing (the name `少年宫` under a grey ring
    read 管, 宫, 复 by turns)."""
    import cv2

    doubted = [
        i
        for i, box in enumerate(boxes)
        if box.score < REREAD_BELOW and _DASHES.sub("", box.text) and under_seal(seal, box.rect)
    ]
    if not doubted:
        return boxes
    ink = strokes(wiped)
    glyph = ink_glyph(ink, tables) or DPI / 8
    jobs: list[tuple[Rect, np.ndarray]] = []
    for i in doubted:
        image = line_image(wiped, ink, boxes[i].rect, glyph)
        stretched = cv2.resize(image, None, fx=REREAD_STRETCH, fy=1, interpolation=cv2.INTER_CUBIC)
        jobs += [(boxes[i].rect, image), (boxes[i].rect, stretched)]
    again = read(jobs)
    out = list(boxes)
    for k, i in enumerate(doubted):
        first, second = again[2 * k], again[2 * k + 1]
        if first.text and first.text == second.text and first.text != boxes[i].text:
            out[i] = replace(
                boxes[i],
                text=first.text,
                score=min(first.score, second.score, UNDER_SEAL_SCORE),
                chars=tuple(
                    min(a, b, UNDER_SEAL_SCORE)
                    for a, b in zip(first.chars, second.chars, strict=False)
                )
                if len(first.chars) == len(second.chars) == len(first.text)
                else (),
            )
    return out
