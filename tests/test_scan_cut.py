"""Pages that lose whole forms: a table the page's edge cut (its last column's border or its
first row's top line lost, extractors/scan/cut.py), a form continued on a scanned page laid a
little to one side (extractors/tables.py), a photo whose shadow cut a corner off the page
(geometry.py) and a header whose letter note was misread (mapping/headers.py). Small synthetic
images and parts whose truth is known by construction."""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from extractors.scan.geometry import page_quad
from extractors.scan.ruling import find_tables
from extractors.tables import TablePart, parts_to_grid
from pipeline.definitions import load_catalog
from pipeline.forms.mapping.headers import HeaderIndex, resolve_header

PAPER = 245
XS = [100, 350, 600, 800]
YS = [150, 230, 310, 390, 470]


def _table(
    xs: list[int] = XS, ys: list[int] = YS, text_right: int = 30, open_right: bool = False
) -> np.ndarray:
    """A grey page with a ruled table and text-like marks in its cells (ending `text_right`
    px before each cell's right side); `open_right`: its right border lost, the row lines
    running on to where it was."""
    page = np.full((700, 900), PAPER, dtype=np.uint8)
    for x in xs[:-1] if open_right else xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 30, 2)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 30, 2)
    for y0, y1 in itertools.pairwise(ys):
        for x0, x1 in itertools.pairwise(xs):
            for k in range(x0 + 15, x1 - text_right - 15, 22):
                cv2.rectangle(page, (k, (y0 + y1) // 2 - 9), (k + 15, (y0 + y1) // 2 + 9), 20, 2)
    return page


def _right_column(table) -> list:
    return [(k, c) for k, c in enumerate(table.cells) if c.x0 > XS[-2] - 8]


def test_a_table_whose_right_border_the_page_cut_off_keeps_its_last_column():
    tables, _ruling = find_tables(_table(open_right=True))
    assert len(tables) == 1
    right = _right_column(tables[0])
    assert len(right) == len(YS) - 1  # one cell a row, closed along the lines' ends
    assert all(c.x1 >= XS[-1] - 6 for _k, c in right)
    assert not any(k in tables[0].guessed for k, _c in right)  # its text ends short of the cut


def test_a_cell_whose_text_runs_on_to_the_cut_is_guessed():
    tables, _ruling = find_tables(_table(text_right=-20, open_right=True))
    right = _right_column(tables[0])
    assert right and all(k in tables[0].guessed for k, _c in right)


def test_a_closed_table_has_no_cut_cells():
    tables, _ruling = find_tables(_table())
    assert len(tables[0].cells) == (len(XS) - 1) * (len(YS) - 1)
    assert not tables[0].guessed


def test_a_first_row_whose_top_line_was_on_the_page_before_is_read():
    page = _table()
    page[YS[0] - 2 : YS[0] + 3, :] = PAPER  # the top line lost: the columns run on to the cut
    tables, _ruling = find_tables(page)
    assert len(tables[0].cells) == (len(XS) - 1) * (len(YS) - 1)


def test_a_ring_touching_the_table_from_above_opens_no_side():
    page = _table()
    cv2.circle(page, (450, 110), 60, 90, 4)  # a grey seal's ring over the title and the top
    tables, _ruling = find_tables(page)
    assert min(c.y0 for c in tables[0].cells) >= YS[0] - 6


def test_a_title_touching_the_table_under_a_ring_opens_no_side():
    page = _table()
    for k in range(300, 560, 26):  # the title's strokes, standing on the table's top line
        cv2.rectangle(page, (k, YS[0] - 34), (k + 3, YS[0]), 30, -1)
    cv2.circle(page, (450, YS[0] + 20), 90, 90, 4)
    tables, _ruling = find_tables(page)
    assert min(c.y0 for c in tables[0].cells) >= YS[0] - 6


def _part(page: int, xs: list[float], top: float) -> TablePart:
    boxes = tuple((x0, top + 20 * r, x1, top + 20 * r + 20) for r in range(2) for x0, x1 in xs)
    return TablePart(
        page=page,
        boxes=boxes,
        texts=tuple(f"{page}-{k}" for k in range(len(boxes))),
        bbox=(xs[0][0], top, xs[-1][1], top + 40),
        confidences=(0.99,) * len(boxes),
    )


def test_a_scanned_continuation_laid_to_one_side_keeps_the_columns():
    columns = [(40.0, 120.0), (120.0, 300.0), (300.0, 560.0)]
    shifted = [(a + 3.8, b + 3.8) for a, b in columns]  # the next page lay 3.8 pt to the right
    grid = parts_to_grid([_part(1, columns, 100.0), _part(2, shifted, 40.0)])
    assert grid.n_cols == 3
    second = [c for c in grid.cells if c.page == 2]
    assert [c.bbox.x0 for c in second[:3]] == [a for a, _b in shifted]  # shown where they are


def test_a_text_layers_continuation_laid_out_anew_keeps_the_columns():
    # a browser lays a table's fragment on the next page out anew: its rules a few points off
    columns = [(40.0, 120.0), (120.0, 300.0), (300.0, 560.0)]
    anew = [(40.0, 117.0), (117.0, 303.5), (303.5, 560.0)]
    parts = [
        TablePart(p.page, p.boxes, p.texts, p.bbox)
        for p in (_part(1, columns, 100.0), _part(2, anew, 40.0))
    ]
    grid = parts_to_grid(parts)
    assert grid.n_cols == 3
    second = sorted((c for c in grid.cells if c.page == 2 and c.row == 2), key=lambda c: c.col)
    assert [(c.col, c.bbox.x0) for c in second] == [(0, 40.0), (1, 117.0), (2, 303.5)]


def test_a_text_layers_continuation_with_columns_of_its_own_keeps_them():
    # a column edge well away from every edge above it is a column of its own
    columns = [(40.0, 120.0), (120.0, 300.0), (300.0, 560.0)]
    own = [(40.0, 120.0), (120.0, 210.0), (210.0, 300.0), (300.0, 560.0)]
    parts = [
        TablePart(p.page, p.boxes, p.texts, p.bbox)
        for p in (_part(1, columns, 100.0), _part(2, own, 40.0))
    ]
    assert parts_to_grid(parts).n_cols == 4


def test_a_shadow_cutting_a_corner_off_the_page_makes_no_page_quad():
    image = np.full((1000, 700), 60, dtype=np.uint8)  # a dark desk
    page = np.array([[80, 60], [640, 70], [650, 940], [70, 930]], dtype=np.int32)
    cv2.fillPoly(image, [page], 235)
    # hard-edged, as dark as the desk, from the top right corner down to the foot: what is
    # bright is four-sided still, but no page (its foot a third of its head)
    shadow = np.array([[645, 0], [700, 0], [700, 1000], [260, 1000]], dtype=np.int32)
    cv2.fillPoly(image, [shadow], 60)
    assert page_quad(image) is None


def test_a_photographed_page_is_still_a_page_quad():
    image = np.full((1000, 700), 60, dtype=np.uint8)
    page = np.array([[80, 60], [640, 70], [650, 940], [70, 930]], dtype=np.int32)
    cv2.fillPoly(image, [page], 235)
    assert page_quad(image) is not None


def test_a_header_whose_letter_note_was_misread_names_its_measure_unsure():
    index = HeaderIndex.of(load_catalog().vocabulary)
    for text, name in (
        ("全年预算数A)", "budget_full_year"),
        ("全年执行数(Bi", "executed"),
        ("执行率(B/A|", "execution_rate"),
    ):
        meaning = resolve_header(text, index)
        assert (meaning.name, meaning.guessed) == (name, True), text
    assert not resolve_header("全年执行数(B)", index).guessed
