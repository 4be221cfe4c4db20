"""Seal removal, orientation and perspective of a scanned page, on small synthetic images whose
truth is known by construction (colour.py, geometry.py, ruling.py)."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from extractors.scan.colour import is_colour, without_colour
from extractors.scan.geometry import (
    flatten,
    is_keystoned,
    page_quad,
    rotate,
    row_profile_tilt,
    runs_sideways,
)
from extractors.scan.ruling import find_tables

PAPER = 245


def _form(width: int = 900, height: int = 700) -> np.ndarray:
    """A grey page with a 4 × 3 ruled table and rows of text-like marks in its cells."""
    page = np.full((height, width), PAPER, dtype=np.uint8)
    xs = [100, 350, 600, 800]
    ys = [150, 230, 310, 390, 470]
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 30, 2)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 30, 2)
    for y0, y1 in itertools.pairwise(ys):
        for x0, x1 in itertools.pairwise(xs):
            for k in range(x0 + 15, x1 - 30, 22):  # characters: blocks 16 px wide, 18 high
                cv2.rectangle(page, (k, (y0 + y1) // 2 - 9), (k + 15, (y0 + y1) // 2 + 9), 20, 2)
                cv2.line(page, (k + 3, (y0 + y1) // 2), (k + 12, (y0 + y1) // 2), 20, 2)
    for k in range(300, 600, 22):  # a title line above the table
        cv2.rectangle(page, (k, 90), (k + 16, 110), 20, -1)
    return page


def _cells(grey: np.ndarray) -> int:
    tables, _ruling = find_tables(grey)
    return sum(len(t.cells) for t in tables)


def _stamped(grey: np.ndarray) -> np.ndarray:
    """The page in colour with a red seal ring and star over the table's top left corner."""
    rgb = np.repeat(grey[:, :, None], 3, axis=2).astype(np.float32)
    seal = np.zeros(grey.shape, dtype=np.uint8)
    cv2.circle(seal, (220, 180), 110, 255, 7)
    cv2.circle(seal, (220, 180), 30, 255, -1)
    m = (seal > 0)[:, :, None]
    red = np.array([200, 30, 40], dtype=np.float32) / 255
    return np.where(m, rgb * red, rgb).clip(0, 255).astype(np.uint8)


def test_a_red_seal_is_taken_out_and_the_print_under_it_kept():
    grey = _form()
    stamped = _stamped(grey)
    assert is_colour(stamped)
    clean = without_colour(stamped)
    ring = np.zeros(grey.shape, dtype=np.uint8)
    cv2.circle(ring, (220, 180), 110, 255, 3)
    bare = (ring > 0) & (grey == PAPER)  # the seal's ring where nothing was printed
    assert clean[bare].min() >= PAPER - 10  # paper again
    printed = grey < 100  # the ruling line and marks under the seal stay dark
    assert clean[printed].max() < 150
    assert _cells(clean) == _cells(grey) == 12


def test_a_grey_page_comes_out_as_it_was():
    grey = _form()
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    assert not is_colour(rgb)
    assert np.array_equal(without_colour(rgb), grey)


@pytest.mark.parametrize("angle", [-4.5, -2.0, 1.2, 3.0, 5.0])
def test_a_tilt_is_found_from_the_row_profile(angle):
    tilted = rotate(_form(), angle)
    assert row_profile_tilt(tilted) == pytest.approx(-angle, abs=0.25)


def test_a_page_scanned_sideways_is_told_from_an_upright_one():
    page = _form()
    assert not runs_sideways(page)
    assert runs_sideways(np.ascontiguousarray(np.rot90(page, 1)))
    assert runs_sideways(np.ascontiguousarray(np.rot90(page, 3)))


def test_a_photographed_page_is_cut_from_its_desk_and_flattened():
    page = _form()
    height, width = page.shape
    desk = np.full((height + 160, width + 160), 70, dtype=np.uint8)
    src = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    corners = np.float32(
        [[100, 80], [width + 50, 80], [width + 80, height + 80], [80, height + 80]]
    )
    matrix = cv2.getPerspectiveTransform(src, corners)
    photo = cv2.warpPerspective(
        page, matrix, desk.shape[::-1], dst=desk.copy(), borderMode=cv2.BORDER_TRANSPARENT
    )
    found = page_quad(photo)
    assert found is not None
    assert np.abs(found - corners).max() < 12
    assert is_keystoned(found)
    flat = flatten(photo, found)
    assert abs(flat.shape[1] - width) < 30 and abs(flat.shape[0] - height) < 30
    assert _cells(flat) == 12


def test_a_page_filling_the_image_square_on_is_left_as_it_is():
    from extractors.scan.geometry import cut_from_desk

    page = _form()
    assert cut_from_desk(page) is page


def test_a_page_upside_down_is_told_by_how_its_lines_read():
    import pypdfium2
    from conftest import SEASON

    from extractors.scan.geometry import is_upside_down
    from extractors.scan.recognise import recognise
    from extractors.scan.ruling import render

    page = render(pypdfium2.PdfDocument(SEASON / "yueyang-2024.pdf")[2])
    assert not is_upside_down(page, recognise)
    assert is_upside_down(np.ascontiguousarray(np.rot90(page, 2)), recognise)


def test_a_box_read_as_nothing_joins_its_line_without_a_fault():
    from extractors.scan.page import TextBox, _join_line
    from extractors.scan.ruling import Rect

    line = [
        TextBox(Rect(0, 0, 10, 10), "A1", 0.9),
        TextBox(Rect(12, 0, 20, 10), "", 0.0),
        TextBox(Rect(22, 0, 30, 10), "B", 0.9),
    ]
    assert _join_line(line) == "A1 B"  # a space between Latin words, as on any line


def test_a_fault_of_the_ocr_on_a_page_is_said_and_kept_to_that_page(monkeypatch):
    from extractors import pdf

    def broken(page, number):
        raise IndexError("string index out of range")

    monkeypatch.setattr(pdf, "scan_page", broken)
    faults = []
    assert pdf.scan_contained(object(), 3, faults) == []
    (note,) = faults
    assert (note.rule, note.page) == ("unread_page", 3)
    assert (
        "第 3 页" in note.message and "string index" not in note.message
    )  # library text: the debug log
