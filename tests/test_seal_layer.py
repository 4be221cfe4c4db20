"""Text read under a red seal is never sure: the seal's ink is kept as a layer, set flat with
the page by the page's own turns and warps, and a text box it lies over is doubted."""

from __future__ import annotations

from functools import partial

import numpy as np
from test_scan_geometry import _form, _stamped

from extractors.scan.colour import without_colour, without_colour_and_seal
from extractors.scan.flat import replayed
from extractors.scan.geometry import quarter_turned, rotate
from extractors.scan.page import UNDER_SEAL_SCORE, TextBox, doubted_under_seal
from extractors.scan.ruling import Rect


def test_the_seal_layer_is_where_the_red_ink_lay():
    grey = _form()
    clean, seal = without_colour_and_seal(_stamped(grey))
    assert np.array_equal(clean, without_colour(_stamped(grey)))
    assert seal is not None and seal.shape == grey.shape
    assert seal[180, 220] == 0  # the star's centre
    assert seal[600, 800] == 255  # far from it: paper


def test_a_grey_page_has_no_seal_layer():
    grey = _form()
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    assert without_colour_and_seal(rgb)[1] is None


def test_the_layer_follows_the_page_turns():
    layer = np.full((60, 100), 255, dtype=np.uint8)
    layer[5:15, 80:95] = 0  # ink at the top right
    turned = replayed(layer, [quarter_turned])
    assert turned.shape == (100, 60)
    assert turned[5:20, 5:15].min() == 0  # a quarter turn counter-clockwise: now top left
    level = replayed(layer, [partial(rotate, angle=0.0)])
    assert level is layer  # no angle, no work
    tilted = replayed(layer, [partial(rotate, angle=2.0)])
    assert tilted.shape == layer.shape and tilted[0, 0] == 255  # corners filled with paper


def test_a_box_under_the_seal_is_doubted_and_one_beside_it_is_not():
    seal = np.full((200, 400), 255, dtype=np.uint8)
    seal[40:60, 100:140] = 0
    under = TextBox(rect=Rect(90, 40, 200, 60), text="管护经", score=0.9999)
    beside = TextBox(rect=Rect(250, 40, 390, 60), text="高标准", score=0.9999)
    got = doubted_under_seal([under, beside], seal)
    assert got[0].score == UNDER_SEAL_SCORE and got[0].text == "管护经"
    assert got[1] == beside


def test_only_the_characters_the_seal_lies_over_or_beside_are_doubted():
    seal = np.full((100, 600), 255, dtype=np.uint8)
    seal[20:40, 20:80] = 0  # over the first three of twenty 20-px characters
    text = "青禾县水务局乡镇污水管网维修养护资金项"
    box = TextBox(rect=Rect(20, 20, 420, 40), text=text, score=0.99, chars=(0.99,) * len(text))
    (got,) = doubted_under_seal([box], seal)
    assert got.score == UNDER_SEAL_SCORE
    assert got.chars[:3] == (UNDER_SEAL_SCORE,) * 3  # under it
    assert got.chars[3] == UNDER_SEAL_SCORE  # beside it: a character it hid shifts the rest
    assert got.chars[5:] == (0.99,) * (len(text) - 5)  # clear of it


def _grey_stamped(grey: np.ndarray) -> np.ndarray:
    """The page with a mid-grey seal ring over the table's top left corner (a grey scan's)."""
    import cv2

    out = grey.copy()
    ring = np.zeros(grey.shape, dtype=np.uint8)
    cv2.circle(ring, (220, 220), 110, 255, 7)
    out[(ring > 0) & (grey > 100)] = 150  # the print under it stays darker than the ring
    return out


def test_a_grey_seal_is_a_layer_where_its_ring_lies_and_not_the_print_under_it():
    from extractors.scan.colour import grey_seal_layer

    grey = _form()
    layer = grey_seal_layer(_grey_stamped(grey), 150)
    assert layer is not None
    assert layer[220, 110] == 0  # on the ring, left of its centre
    assert layer[600, 800] == 255  # far from it
    assert (layer[grey < 100] == 255).mean() > 0.99  # print under the ring is no seal
    assert grey_seal_layer(grey, 150) is None  # no ring, no layer
