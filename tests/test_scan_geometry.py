"""Seal removal, orientation and perspective of a scanned page, on small synthetic images whose
truth is known by construction (colour.py, geometry.py, ruling.py)."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from extractors.scan.colour import grey_seals, is_colour, without_colour, without_grey_seals
from extractors.scan.geometry import (
    flatten,
    is_keystoned,
    page_quad,
    rotate,
    row_profile_tilt,
    runs_sideways,
)
from extractors.scan.lines import bridged_under_seals, line_masks, seal_zone, without_arcs
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


def _grey_stamped(grey: np.ndarray, centre: tuple[int, int]) -> np.ndarray:
    """The page with a grey seal (a ring and a star, half as dark as the paper: a grey scan's
    red seal) pressed over it at `centre`."""
    seal = np.zeros(grey.shape, dtype=np.uint8)
    cv2.circle(seal, centre, 100, 255, 7)
    cv2.circle(seal, centre, 25, 255, -1)
    return np.where(seal > 0, grey * 0.5, grey).astype(np.uint8)


def test_a_grey_seal_over_the_title_is_taken_out_and_the_title_kept():
    grey = np.vstack([np.full((120, 900), PAPER, dtype=np.uint8), _form()])  # room above
    stamped = _grey_stamped(grey, (450, 200))  # over the title, its foot on the table
    tables, _ = find_tables(stamped)
    boxes = [(t.rect.x0, t.rect.y0, t.rect.x1, t.rect.y1) for t in tables]
    clean = without_grey_seals(stamped, 150, boxes)
    ring = np.zeros(grey.shape, dtype=np.uint8)
    cv2.circle(ring, (450, 200), 100, 255, 3)
    top = int(min(b[1] for b in boxes))
    above = np.zeros(grey.shape, dtype=bool)
    above[: top - 10] = True
    near_print = cv2.dilate((grey < 100).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    bare = (ring > 0) & ~near_print & above  # the ring where nothing was printed near it
    assert bare.any() and clean[bare].min() >= PAPER - 10
    title = (grey < 100) & above  # the title's marks, some under the ring and the star
    assert clean[title].max() < 100
    # from the table down the page is as it was, and the grid is whole
    assert np.array_equal(clean[top:], stamped[top:])
    assert _cells(clean) == _cells(grey) == 12


def _rows_of_cells(grey: np.ndarray, masks=None) -> list[int]:
    """How many cells each row of the page's one table has, top to bottom."""
    tables, _ = find_tables(grey, masks)
    rows: dict[float, int] = {}
    for cell in tables[0].cells:
        rows[cell.y0] = rows.get(cell.y0, 0) + 1
    return [rows[y] for y in sorted(rows)]


def _short_rows_form() -> np.ndarray:
    """A grey page with a table of 8 rows as low as a form's one-line rows (36 px) and three
    columns, a label of text-like marks in each row's first cell."""
    page = np.full((700, 900), PAPER, dtype=np.uint8)
    xs, ys = [100, 350, 600, 800], list(range(150, 150 + 9 * 36, 36))
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 30, 2)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 30, 2)
    for y0, y1 in itertools.pairwise(ys):
        for k in range(xs[0] + 15, xs[0] + 110, 22):  # bold characters: print's dark cores
            cv2.rectangle(page, (k, (y0 + y1) // 2 - 7), (k + 14, (y0 + y1) // 2 + 7), 20, -1)
    return page


def test_a_grey_seal_over_a_table_is_found_and_its_arcs_are_no_ruling_lines():
    grey = _short_rows_form()
    # a ring whose left and right sides run upright through a row, crossing no column line,
    # and whose middle a column line runs through
    stamped = _grey_stamped(grey, (600, 312))
    assert _rows_of_cells(stamped) != _rows_of_cells(grey)  # its arcs taken for column lines
    seals = grey_seals(stamped, 150)
    assert seals is not None
    [(x, y, r)] = seals.circles
    assert abs(x - 600) <= 6 and abs(y - 312) <= 6 and abs(r - 100) <= 8
    masks = without_arcs(line_masks(stamped), seals.rings)
    assert _rows_of_cells(stamped, masks) == _rows_of_cells(grey) == [3] * 8
    # text under the seal is doubted: its disc is marked, the paper far from it is not
    assert seals.discs[312, 600] == 0 and seals.discs[160, 150] == 255


def test_no_grey_seal_is_found_on_a_page_without_one():
    assert grey_seals(_form(), 150) is None


def test_a_grey_page_without_a_seal_is_left_as_it_is():
    grey = _form()
    assert without_grey_seals(grey, 150) is grey  # nor one without a table
    tables, _ = find_tables(grey)
    assert (
        without_grey_seals(
            grey, 150, [(t.rect.x0, t.rect.y0, t.rect.x1, t.rect.y1) for t in tables]
        )
        is grey
    )


@pytest.mark.parametrize("angle", [-4.5, -2.0, 1.2, 3.0, 5.0])
def test_a_tilt_is_found_from_the_row_profile(angle):
    tilted = rotate(_form(), angle)
    assert row_profile_tilt(tilted) == pytest.approx(-angle, abs=0.25)


def test_a_page_scanned_sideways_is_told_from_an_upright_one():
    page = _form()
    assert not runs_sideways(page)
    assert runs_sideways(np.ascontiguousarray(np.rot90(page, 1)))
    assert runs_sideways(np.ascontiguousarray(np.rot90(page, 3)))


def test_a_sideways_page_is_turned_to_run_along_its_rows_and_levelled():
    from extractors.scan.geometry import along_rows, half_turned, levelled

    page = _form()
    assert along_rows(page) is page  # upright already: left as it is
    turned = along_rows(np.ascontiguousarray(np.rot90(page, 3)))
    # a quarter turn back (or on, to upside down, which is_upside_down tells apart)
    assert turned.shape == page.shape and not runs_sideways(turned)
    assert any((turned == np.rot90(page, k)).all() for k in (0, 2))
    assert (half_turned(half_turned(page)) == page).all()
    assert levelled(page) is page  # level already
    assert row_profile_tilt(levelled(rotate(page, 3.0))) == pytest.approx(0.0, abs=0.25)


def test_a_colour_page_is_balanced_channel_by_channel():
    from extractors.scan.colour import balanced, local_paper

    rgb = _stamped(_form())
    rgb[:, :, 1] = (rgb[:, :, 1] * 0.9).astype(np.uint8)  # a green cast: paper not white
    expected = np.stack(
        [
            np.minimum(
                rgb[:, :, k].astype(np.float32) * 255 / np.maximum(local_paper(rgb[:, :, k]), 1),
                255,
            )
            for k in range(3)
        ],
        axis=2,
    ).astype(np.uint8)
    assert (balanced(rgb) == expected).all()


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
    from extractors.pdf import read as pdf

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


def _keystoned(page: np.ndarray, inset: float) -> tuple[np.ndarray, np.ndarray]:
    """The page photographed square on but with its top edge `inset` px shorter at each end
    (filling the image: no desk to cut it from), and where the table's corners went."""
    height, width = page.shape
    src = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    dst = np.float32([[inset, 0], [width - inset, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    photo = cv2.warpPerspective(page, matrix, (width, height), borderValue=PAPER)
    table = np.float32([[100, 150], [800, 150], [800, 470], [100, 470]])
    corners = cv2.perspectiveTransform(table[None], matrix)[0]
    return photo, corners


def _corner_lost(page: np.ndarray, x: int, y: int) -> np.ndarray:
    """The table's corner at (x, y) gone under a seal: the last 100 px of the side line and
    the first 25 px of the bottom line made paper (a contour's hull then cuts the corner off
    and looks keystoned)."""
    lost = page.copy()
    lost[y - 100 : y + 6, x - 6 : x + 6] = PAPER
    lost[y - 6 : y + 6, x - 6 : x + 25] = PAPER
    return lost


def test_a_keystoned_frame_is_found_from_its_sides_though_a_corner_is_lost():
    from extractors.scan.geometry import frame_quad
    from extractors.scan.lines import line_masks

    photo, corners = _keystoned(_form(), 18)
    found = frame_quad(*line_masks(_corner_lost(photo, 100, 470)))
    assert found is not None
    assert np.abs(found - corners).max() < 4  # the lost corner too: where its sides meet


def test_a_square_frame_with_a_corner_lost_is_not_taken_for_a_keystone():
    from extractors.scan.geometry import frame_quad
    from extractors.scan.lines import line_masks

    assert frame_quad(*line_masks(_corner_lost(_form(), 100, 470))) is None
    assert frame_quad(*line_masks(_form())) is None


def _shadowed(page: np.ndarray, share: float) -> np.ndarray:
    """The page under a shadow darkening its left side to `share` of its light, blurred as a
    phone's lens blurs."""
    ramp = np.linspace(share, 1.0, page.shape[1], dtype=np.float32)[None, :]
    return cv2.GaussianBlur((page.astype(np.float32) * ramp).astype(np.uint8), (5, 5), 1.0)


def test_ruling_taken_out_of_a_shadowed_page_leaves_no_ink_at_its_crossings():
    from extractors.scan.crops import strokes
    from extractors.scan.flat import without_ruling

    page = np.full((700, 900), PAPER, dtype=np.uint8)  # a ruled grid, no text
    for x in (100, 350, 600, 800):
        cv2.line(page, (x, 150), (x, 470), 30, 2)
    for y in (150, 230, 310, 390, 470):
        cv2.line(page, (100, y), (800, y), 30, 2)
    dim = _shadowed(page, 0.65)
    _tables, ruling = find_tables(dim)
    assert _cells(dim) == 12
    assert np.count_nonzero(strokes(without_ruling(dim, ruling))) == 0


def test_a_faint_line_with_text_along_it_still_parts_two_rows():
    page = _form()
    # the line between the first two rows made faint, a row of characters touching it below
    page[228:233, 101:800] = PAPER
    cv2.line(page, (101, 230), (799, 230), 150, 1)
    for k in range(110, 790, 19):
        cv2.rectangle(page, (k, 231), (k + 16, 249), 20, -1)
    dim = _shadowed(page, 0.75)
    assert _cells(dim) == 12


def _middle_line(page: np.ndarray, piece: int, gap: int) -> np.ndarray:
    """The page with the ruling line between its second and third rows, in the middle column
    only, broken into pieces `piece` px long with gaps of `gap` (0: gone)."""
    page = page.copy()
    page[308:313, 352:598] = PAPER
    for x in range(352, 598, piece + gap) if piece else ():
        cv2.line(page, (x, 310), (min(x + piece, 597), 310), 30, 2)
    return page


def test_a_cell_is_parted_where_its_neighbours_row_edge_runs_along_a_broken_line():
    broken = _middle_line(_form(), 40, 14)  # no piece as long as MIN_LINE_PX
    assert _cells(broken) == 12


def test_a_cell_spanning_two_rows_is_not_parted_by_its_own_text():
    merged = _middle_line(_form(), 0, 0)
    merged[231:389, 352:598] = PAPER  # one cell over two rows: its text in the middle
    for k in range(370, 580, 22):  # characters of three strokes across, the middle one at 310
        cv2.rectangle(merged, (k, 301), (k + 16, 319), 20, 2)
        for y in (304, 310, 316):
            cv2.line(merged, (k, y), (k + 16, y), 20, 1)
    assert _cells(merged) == 11


def test_a_seal_on_yellow_paper_with_a_blue_signature_is_taken_out_and_the_print_kept():
    grey = _form()
    yellow = np.array([250, 236, 206], dtype=np.float32) / 255  # the whole sheet a colour
    page = (_stamped(grey).astype(np.float32) * yellow).astype(np.uint8)
    cv2.line(page, (560, 600), (760, 640), (30, 40, 110), 3)  # a signature in blue ink
    clean = without_colour(page)
    ring = np.zeros(grey.shape, dtype=np.uint8)
    cv2.circle(ring, (220, 180), 110, 255, 3)
    bare = (ring > 0) & (grey == PAPER)
    paper = float(np.median(clean[grey == PAPER]))
    assert clean[bare].min() >= paper - 15  # the seal's ring is paper again
    assert clean[grey < 100].max() < 150  # the print under it and beside it stays dark
    assert _cells(clean) == 12


def test_a_ruling_line_a_seal_broke_is_joined_across_it_and_a_cell_it_lies_on_is_not_cut():
    grey = _short_rows_form()
    ink = np.zeros(grey.shape, dtype=np.uint8)  # a seal inked full, the lines under it lost
    cv2.circle(ink, (600, 310), 100, 1, -1)
    broken = np.where(ink > 0, PAPER, grey).astype(np.uint8)
    assert _rows_of_cells(broken) != _rows_of_cells(grey)
    zone = seal_zone(ink > 0, 150)
    assert zone[310, 600] == 255 and zone[310, 200] == 0
    masks = bridged_under_seals(line_masks(broken), ink > 0, 150)
    assert _rows_of_cells(broken, masks) == _rows_of_cells(grey)
    # a merged cell a seal's thin ring lies on: no line was there, none is made
    merged = grey.copy()
    merged[150 + 3 * 36 - 2 : 150 + 3 * 36 + 3, 352:598] = PAPER  # two rows' cells one
    ring = np.zeros(grey.shape, dtype=np.uint8)
    cv2.circle(ring, (470, 258), 100, 1, 5)
    masks = bridged_under_seals(line_masks(merged), ring > 0, 150)
    assert _rows_of_cells(merged, masks) == _rows_of_cells(merged)
    # a pen's stroke is no seal: no area, nothing joined
    stroke = np.zeros(grey.shape, dtype=bool)
    stroke[600, 100:160] = True
    assert not seal_zone(stroke, 150).any()
