"""The pieces that read PDFs other programs write, each on a small made-up page: a cut or a
missing frame closed, a text over its cell's edge given to its cell, a sheet's strips joined
side by side, a merged cell's text past a page break put back (end to end: test_printed.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from extractors.model import BBox, Grid, TextLine
from extractors.pdf.cell_bands import boxes_cut_at_label_lines
from extractors.pdf.cell_columns import boxes_cut_at_columns
from extractors.pdf.cell_gutters import boxes_cut_at_gutters
from extractors.pdf.cell_rows import cells_cut_at_rows
from extractors.pdf.cell_shades import boxes_cut_in_shades
from extractors.pdf.cells import UNCERTAIN, table_to_part
from extractors.pdf.cuts import margin_text_into_cells
from extractors.pdf.page import Char, edges_to_ruling, edges_to_tables, frame_closed
from extractors.pdf.read import extract_pdf
from extractors.pdf.side_join import UNSURE, side_by_side
from extractors.pdf.sides import stitch_side_pages
from extractors.tables import TablePart, continues


def _h(x0: float, x1: float, y: float) -> dict:
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "orientation": "h", "width": x1 - x0,
            "height": 0.0, "doctop": y, "object_type": "line"}  # fmt: skip


def _v(x: float, top: float, bottom: float) -> dict:
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "orientation": "v", "width": 0.0,
            "height": bottom - top, "doctop": top, "object_type": "line"}  # fmt: skip


def _chars(text: str, x: float, baseline: float, size: float = 10.0) -> list[Char]:
    return [
        Char(c, x + i * size, x + (i + 1) * size, baseline - size, baseline, size)
        for i, c in enumerate(text)
    ]


def test_a_table_cut_at_the_foot_of_a_page_keeps_its_last_row():
    # a browser's page break: the column rules run on to the cut, no rule across them there
    edges = [_h(0, 300, 0), _h(0, 300, 20), *(_v(x, 0, 50) for x in (0, 100, 200, 300))]
    cells, cuts = edges_to_ruling(edges)
    rows = sorted({box[1] for box in cells[0]})
    assert rows == [0, 20] and any(cut[1] == cut[3] == 50 for cut in cuts)


def test_two_tables_one_above_the_other_are_not_joined_at_their_sides():
    first = [_h(0, 300, 0), _h(0, 300, 20), *(_v(x, 0, 20) for x in (0, 150, 300))]
    second = [_h(0, 300, 200), _h(0, 300, 220), *(_v(x, 200, 220) for x in (0, 150, 300))]
    assert len(edges_to_tables(first + second)) == 2


def test_a_form_with_no_outer_frame_gets_one():
    inner = [_h(0, 300, 20), _h(0, 300, 40), _v(100, 0, 60), _v(200, 0, 60)]
    assert len(frame_closed(inner, 3, 3)) == 4
    assert len(edges_to_tables(inner)[0]) == 9
    framed = [*inner, _h(0, 300, 0), _h(0, 300, 60), _v(0, 0, 60), _v(300, 0, 60)]
    assert frame_closed(framed, 3, 3) == []


def test_a_long_text_over_empty_neighbours_is_its_own_cells_whole():
    boxes = [(0, 0, 100, 20), (100, 0, 200, 20), (200, 0, 300, 20)]
    chars = tuple(_chars("未能开展下一步加强宣传培训", 4, 15))  # from the first cell, 130 pt
    part = table_to_part(chars, boxes, 1).part
    assert part.texts == ("未能开展下一步加强宣传培训", "", "") and part.confidences == ()


def test_a_text_clipped_under_its_neighbours_own_is_whole_but_uncertain():
    boxes = [(0, 0, 100, 20), (100, 0, 200, 20)]
    chars = (*_chars("未能开展下一步加强宣传培", 4, 15), *_chars("得分", 150, 15))
    part = table_to_part(chars, boxes, 1).part
    assert part.texts == ("未能开展下一步加强宣传培", "得分")
    assert part.confidences == (UNCERTAIN, 1.0)
    # printed right over the neighbour's: which glyph is whose cannot be told, both are unsure
    chars = (*_chars("未能开展下一步加强宣传培", 4, 15), *_chars("得分", 104, 15))
    assert table_to_part(chars, boxes, 1).part.confidences == (UNCERTAIN, UNCERTAIN)


def test_a_glyph_cut_at_the_edge_is_its_cells_and_the_neighbours_text_stays_its_own():
    boxes = [(0, 0, 100, 20), (100, 0, 200, 20)]
    cut = _chars("未能开展下一步加强宣", 4, 15)  # 宣 from 94 to 104, cut at 100
    chars = (*cut, *_chars("得分", 101, 15))  # the neighbour's from its padding, over 宣's tail
    part = table_to_part(chars, boxes, 1).part
    assert part.texts == ("未能开展下一步加强宣", "得分")
    assert part.confidences == (UNCERTAIN, 1.0)  # the text only as far as printed
    # the edge at 103, the neighbour's first glyph at its padding right where the cut text's
    # next would stand (the text may as well spill on over an empty cell): doubted too
    chars = (*cut, *_chars("得分", 104, 15))
    part = table_to_part(chars, [(0, 0, 103, 20), (103, 0, 200, 20)], 1).part
    assert part.texts == ("未能开展下一步加强宣", "得分")
    assert part.confidences == (UNCERTAIN, UNCERTAIN)
    # ending inside the cell's right padding, the neighbour's from its left padding: cut
    chars = (*_chars("未能开展下一步加强", 9.5, 15), *_chars("得分", 101, 15))  # 加强 to 99.5
    assert table_to_part(chars, boxes, 1).part.confidences == (UNCERTAIN, 1.0)
    # a text ending well inside its cell beside its neighbour's: both sure
    chars = (*_chars("未能开展下一步加", 4, 15), *_chars("得分", 101, 15))
    assert table_to_part(chars, boxes, 1).part.confidences == ()


def test_a_text_whole_behind_its_neighbours_own_is_told_apart_by_its_pitch():
    boxes = [(0, 0, 100, 20), (100, 0, 200, 20)]
    text = _chars("未能开展下一步加强宣传培训", 4, 15)  # 宣 cut at 100, 传培训 hidden behind
    part = table_to_part((*text, *_chars("否", 101, 15)), boxes, 1).part
    assert part.texts == ("未能开展下一步加强宣传培训", "否") and part.confidences == ()
    # a neighbour's glyph where the hidden text's next would stand: whose is whose is unsure
    own = (*_chars("否", 101, 15), *_chars("是", 119, 15))  # 是 over 培, where 传 ends
    part = table_to_part((*text, *own), boxes, 1).part
    assert UNCERTAIN in part.confidences


CLIPPED = Path(__file__).resolve().parent.parent / "fixtures/partial/clipped-notes.calc.pdf"


@pytest.mark.parametrize("reader", ["pdfium", "pdfplumber"])
def test_texts_calc_clipped_at_a_filled_neighbour_are_never_glued_to_it(reader):
    rows = json.loads(CLIPPED.with_name("clipped-notes.json").read_text(encoding="utf-8"))
    grid = next(b for b in extract_pdf(CLIPPED, reader).blocks if isinstance(b, Grid))
    cells = {(c.row, c.col): c for c in grid.cells}
    for number, row in enumerate(rows, start=1):
        text, neighbour = cells[(number, 1)], cells[(number, 2)]
        read = (text.text, text.confidence, neighbour.text, neighbour.confidence)
        if row["whole_in_file"]:  # spilling on, fitting, or whole under the clip behind the
            # neighbour's (its glyphs on the cut glyph's pitch): whole, and the neighbour's own
            assert read == (row["text"], 1.0, row["neighbour"], 1.0), row["label"]
        else:  # cut: the part printed, unsure; the neighbour's own
            sure = UNCERTAIN if row["on_pitch"] else 1.0
            assert read == (row["printed"], UNCERTAIN, row["neighbour"], sure), row["label"]


def _part(page, boxes, texts, **cuts) -> TablePart:
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))  # fmt: skip
    return TablePart(page=page, boxes=tuple(boxes), texts=tuple(texts), bbox=bbox, **cuts)


def test_a_sheets_right_hand_columns_join_its_rows_and_a_cut_cell_is_one_again():
    rows = [(100, 120), (120, 140), (140, 160)]
    host = _part(
        1,
        [(50, t, 150, b) for t, b in rows] + [(150, t, 250, b) for t, b in rows],
        ["名称", "年度资金总额", "当年财政拨款", "江城市文化旅游广电局", "100", "80"],
        cut_right=frozenset({3}),
    )
    side = _part(
        3,
        [(50, t, 150, b) for t, b in rows],
        ["城市文化旅游广电局", "100%", "80%"],
        cut_left=frozenset({0}),
    )
    joined = side_by_side(host, side)
    assert joined.texts[3] == "江城市文化旅游广电局" and len(joined.boxes) == 8
    assert joined.sources[-1] == (3, (50, 140, 150, 160))  # its own page and box
    items = [host, TextLine("149", 1, BBox(300, 100, 320, 120)), side]
    stitched = stitch_side_pages(items)
    assert [type(i).__name__ for i in stitched] == ["TablePart"]  # the margin copy goes too


def test_a_number_open_at_the_cut_that_no_side_cell_goes_on_in_is_unsure():
    rows = [(100, 120), (120, 140)]
    host = _part(
        1,
        [(50, t, 150, b) for t, b in rows] + [(150, t, 250, b) for t, b in rows],
        ["其他资金", "合计", "6", "江城市民政局"],
        cut_right=frozenset({2, 3}),  # no rule at the cut: 60's 0 and the name run on past it
    )
    side = _part(3, [(50, t, 150, b) for t, b in rows], ["57.6", "96.00%"])
    joined = side_by_side(host, side)
    assert joined.texts[2] == "6" and joined.confidences[2] == UNSURE  # its digits lost
    assert joined.confidences[3] == 1.0  # a name is printed whole on the page it starts on
    assert joined.confidences[0] == joined.confidences[1] == 1.0


def test_a_later_page_of_its_own_is_no_side():
    rows = [(100, 120), (120, 140), (140, 160)]
    first = _part(1, [(50, t, 250, b) for t, b in rows], ["a", "b", "c"])
    title = TextLine("2023年度项目支出绩效自评表", 2, BBox(100, 60, 300, 75))
    second = _part(2, [(50, t, 250, b) for t, b in rows], ["d", "e", "f"])
    assert stitch_side_pages([first, title, second]) == [first, title, second]


def test_a_merged_cells_text_past_a_page_break_goes_back_into_it():
    top = _part(1, [(50, 700, 100, 760), (100, 700, 300, 760)], ["", "8"],
                cut_bottom=frozenset({0}))  # fmt: skip
    bottom = _part(2, [(50, 72, 100, 120), (100, 72, 300, 120)], ["(50分)", "7"],
                   cut_top=frozenset({0}))  # fmt: skip
    label = TextLine("产出指标", 2, BBox(52, 40, 98, 52))
    footer = TextLine("填表人：周敏", 1, BBox(52, 770, 160, 782))
    assert margin_text_into_cells([top, label, bottom])[1].texts[0] == "产出指标\n(50分)"
    assert len(margin_text_into_cells([top, footer, bottom])) == 3  # a footer is no cell's


def _rows_part(page, x0, x1, rows, texts, **cuts) -> TablePart:
    """A part of one column from x0 to x1, a cell each row (top, bottom)."""
    return _part(page, [(x0, t, x1, b) for t, b in rows], texts, **cuts)


ROWS = [(100, 120), (120, 140), (140, 160)]


def test_a_title_only_the_later_strip_shows_goes_over_the_joined_table():
    host = _rows_part(1, 50, 300, ROWS, ["项目名称", "年度资金总额", "总分"],
                      cut_right=frozenset({0}))  # fmt: skip
    title = TextLine("2024年度项目支出绩效自评表", 2, BBox(70, 80, 260, 94))
    side = _rows_part(2, 50, 200, ROWS, ["图书馆", "140", "95"], cut_left=frozenset({0}))
    stitched = stitch_side_pages([host, title, side])
    assert stitched[0] == title  # before the table it heads, on the first page's turn
    assert len(stitched) == 2 and len(stitched[1].boxes) == 5


def test_a_strip_holding_two_forms_columns_is_cut_back_at_the_first_strips_tables():
    first = _rows_part(1, 50, 300, ROWS, ["项目名称", "年度资金总额", "总分"],
                       cut_right=frozenset({0}))  # fmt: skip
    footer = TextLine("填表人：罗文静", 1, BBox(52, 165, 200, 175))
    rows2 = [(200, 220), (220, 240), (240, 260)]
    second = _rows_part(1, 50, 300, rows2, ["项目名称", "主管部门", "实施单位"],
                        cut_right=frozenset({0}))  # fmt: skip
    # the later strip: one ruled part from the first form's head to the second's foot, the
    # second form's title a cell of it in the gap
    side = _rows_part(2, 50, 200, [*ROWS, (160, 200), *rows2],
                      ["甲", "140", "95", "2024年度项目支出绩效自评表", "乙", "水利局", "中心"],
                      cut_left=frozenset({0, 4}))  # fmt: skip
    stitched = stitch_side_pages([first, footer, second, side])
    kinds = [type(item).__name__ for item in stitched]
    assert kinds == ["TablePart", "TextLine", "TextLine", "TablePart"]
    assert stitched[1] == footer and stitched[2].text == "2024年度项目支出绩效自评表"
    assert "140" in stitched[0].texts and "水利局" in stitched[3].texts


def test_a_page_going_on_down_its_strip_is_no_side_however_its_rows_fall():
    # down, then over: pages 1-2 the left strip (rows at the same heights on both), 3-4 the
    # right one; the name cell merged over the cut shows on both strips
    cut_r, cut_l = frozenset({0}), frozenset({0})
    upper = _rows_part(1, 50, 300, ROWS, ["名称", "b", "c"], cut_right=cut_r)
    lower = _rows_part(2, 50, 300, ROWS, ["名称", "e", "f"], cut_right=cut_r)
    side_upper = _rows_part(3, 50, 200, ROWS, ["名称", "b2", "c2"], cut_left=cut_l)
    side_lower = _rows_part(4, 50, 200, ROWS, ["名称", "e2", "f2"], cut_left=cut_l)
    stitched = stitch_side_pages([upper, lower, side_upper, side_lower])
    assert [part.texts for part in stitched] == [
        ("名称", "b", "c", "b2", "c2"),
        ("名称", "e", "f", "e2", "f2"),
    ]


def test_amounts_in_one_tall_box_for_want_of_a_rule_are_cut_back_into_their_rows():
    rows = [0.0, 20.0, 40.0, 60.0]  # the rules the label column draws
    chars = [*_chars("320", 110, 15), *_chars("320", 110, 35)]
    pieces = cells_cut_at_rows((100, 0, 200, 60), chars, rows)
    assert [box for box, _ in pieces] == [(100, 0, 200, 20), (100, 20, 200, 40), (100, 40, 200, 60)]
    assert ["".join(c.text for c in piece) for _, piece in pieces] == ["320", "320", ""]
    # words, or two lines in one row (a wrap), are one cell's text
    words = [*_chars("产出", 110, 15), *_chars("指标", 110, 35)]
    assert len(cells_cut_at_rows((100, 0, 200, 60), words, rows)) == 1
    wrapped = [*_chars("92.7", 110, 12), *_chars("9%", 110, 19)]
    assert len(cells_cut_at_rows((100, 0, 200, 60), wrapped, rows)) == 1


def test_a_new_form_on_a_later_page_is_no_side_of_a_table_open_at_its_right():
    # a table whose right rule is left out (cells open there), and on the next page, under its
    # own title, another form whose rows happen to fall on the same lines: no cut of its own
    rows = [(100, 120), (120, 140), (140, 160), (160, 180)]
    first = _rows_part(1, 50, 300, rows, ["a", "b", "c", "d"], cut_right=frozenset({0, 1}))
    title = TextLine("2023年度项目支出绩效自评表", 2, BBox(100, 60, 300, 75))
    second = _rows_part(2, 50, 280, rows[1:], ["e", "f", "g"])
    stitched = stitch_side_pages([first, title, second])
    assert [item.texts if isinstance(item, TablePart) else item.text for item in stitched] == [
        ("a", "b", "c", "d"),
        title.text,
        ("e", "f", "g"),
    ]  # (flagged all the same: a cell open at a page's side that no strip joined)


# the header row rules five columns off; the row under it rules only its label off
HEADER = [
    (0, 0, 100, 20),
    (100, 0, 140, 20),
    (140, 0, 200, 20),
    (200, 0, 260, 20),
    (260, 0, 300, 20),
]
UNRULED = [(0, 20, 100, 40), (100, 20, 300, 40)]


def test_values_in_one_box_for_want_of_rules_are_cut_at_the_header_rows_columns():
    chars = (
        *_chars("新建大棚", 4, 35),
        *_chars("15", 118, 35),  # right-aligned in 分值, 2 pt from the next column's text
        *_chars("≥85亩", 142, 35),  # left-aligned
        *_chars("82亩", 215, 35),  # centred
        *_chars("9.5", 266, 35),
    )
    part = table_to_part(chars, HEADER + UNRULED, 1).part
    assert part.texts[-4:] == ("15", "≥85亩", "82亩", "9.5") and part.confidences == ()
    # a value wrapped over two lines in its narrow column, an empty column
    wrapped = (*_chars("10", 118, 30), *_chars("90.00", 142, 28), *_chars("%", 142, 38))
    part = table_to_part(wrapped, HEADER + UNRULED, 1).part
    assert part.texts[-4:] == ("10", "90.00%", "", "")


def test_a_box_whose_runs_do_not_line_up_with_the_columns_is_left_whole():
    boxes = HEADER + UNRULED
    crossing = (*_chars("15", 118, 35), *_chars("≥500元/亩按验收面积", 142, 35))  # over 得分's rule
    assert boxes_cut_at_columns(tuple(boxes), crossing) == tuple(boxes)
    # a number centred over two columns: a rule passes between its digits
    centred = tuple(_chars("52", 190, 35))
    assert boxes_cut_at_columns(tuple(boxes), centred) == tuple(boxes)
    # one text in one column of a wide merged cell (a name): nothing to cut
    name = tuple(_chars("农业农村局", 104, 35))
    assert boxes_cut_at_columns(tuple(boxes), name) == tuple(boxes)
    # a label centred over the box, a rule through its word space
    label = (*_chars("有效", 178, 35), *_chars("保障", 202, 35))
    assert boxes_cut_at_columns(tuple(boxes), label) == tuple(boxes)


def test_a_hand_drawn_form_is_cut_where_its_values_stand_in_columns_only():
    path = Path(__file__).resolve().parent.parent / "fixtures/partial/unruled-columns.drawn.pdf"
    grid = next(b for b in extract_pdf(path).blocks if isinstance(b, Grid))
    rows = [[c.text for c in grid.cells if c.row == r] for r in range(grid.n_rows)]
    assert rows[1] == ["新建连栋大棚面积", "15", "≥85亩", "82亩", "14.47"]
    assert rows[2] == ["困难群众基本生活", "10 有效保障 有效保障 10"]  # one string: one cell
    assert rows[3] == ["总分", "100"]


def test_one_number_set_at_an_inner_columns_right_is_that_columns():
    boxes = (*HEADER, (0, 20, 100, 40), (100, 20, 260, 40), (260, 20, 300, 40))
    at_right = tuple(_chars("100", 120, 35, 6))  # right-aligned in 分值 (100-140), 2 pt inside
    assert len(boxes_cut_at_columns(boxes, at_right)) == len(boxes) + 2
    at_left = tuple(_chars("100", 102, 35, 6))  # at the box's left: a merged cell's text too
    assert boxes_cut_at_columns(boxes, at_left) == boxes


# a funds block whose child rows no column rules apart: one tall row, a line a row
FUNDS = [(0, 0, 100, 60), (100, 0, 180, 60), (180, 0, 260, 60)]


def test_rows_no_column_rules_apart_are_cut_between_their_labels_lines():
    chars = (
        *_chars("本年财政拨款", 4, 15), *_chars("上年结转", 4, 35), *_chars("其他资金", 4, 55),
        *_chars("520.00", 110, 15), *_chars("50.00", 110, 55),  # 上年结转 blank
        *_chars("489.00", 190, 15), *_chars("35.64", 190, 55),
    )  # fmt: skip
    part = table_to_part(chars, FUNDS, 1).part
    assert part.texts == ("本年财政拨款", "上年结转", "其他资金", "520.00", "", "50.00", "489.00",
                          "", "35.64")  # fmt: skip
    assert part.confidences == ()


def test_a_label_wrapped_over_lines_or_words_beside_it_keep_the_row_whole():
    wrapped = (
        *_chars("其中本年财政拨款资", 4, 15), *_chars("金", 4, 35),  # full line: a wrap
        *_chars("520.00", 110, 15), *_chars("50.00", 110, 35),
    )  # fmt: skip
    assert boxes_cut_at_label_lines(tuple(FUNDS), wrapped) == tuple(FUNDS)
    words = (
        *_chars("本年", 4, 15), *_chars("上年", 4, 35),
        *_chars("520.00", 110, 15), *_chars("见附表", 110, 35),
    )  # fmt: skip
    assert boxes_cut_at_label_lines(tuple(FUNDS), words) == tuple(FUNDS)
    between = (*_chars("本年", 4, 15), *_chars("上年", 4, 35), *_chars("520.00", 110, 25))
    assert boxes_cut_at_label_lines(tuple(FUNDS), between) == tuple(FUNDS)


def _title_column_strips(side_texts: list[str]) -> tuple[TablePart, TablePart]:
    """A host: column A (50-100) of labels, the project name merged over B and on past the cut
    (open at its right), an amount; a side of the same rows: column A again, then its own."""
    host = _part(
        1,
        [
            (50, 100, 100, 120),
            (50, 120, 100, 140),
            (50, 140, 100, 160),
            (100, 100, 300, 120),
            (100, 120, 300, 140),
            (100, 140, 300, 160),
        ],
        ["项目名称", "预算数", "总分", "松岭县供水工程", "326.40", "97.06"],
        cut_right=frozenset({3}),
    )
    side = _part(
        2,
        [
            (50, 100, 300, 120),
            (50, 120, 100, 140),
            (50, 140, 100, 160),
            (100, 120, 300, 140),
            (100, 140, 300, 160),
        ],
        side_texts,
    )
    return host, side


def test_a_strip_repeating_the_title_column_joins_its_host_whatever_its_width():
    # the side's right edge falls where the host's does: still a strip (its column A is the
    # host's, row for row), not the table going on down; the project name cell runs over the
    # title column, the clipped label interleaved with it: the label taken out, joined to the
    # host's open cell, no doubt left
    host, side = _title_column_strips(
        ["项松目岭名县称供水工程", "预算数", "总分", "311.06", "19.06"]
    )
    side = replace(side, confidences=(UNCERTAIN, 1.0, 1.0, 1.0, 1.0))
    (joined,) = stitch_side_pages([host, side])
    assert joined.texts[3] == "松岭县供水工程" and "311.06" in joined.texts
    assert min(joined.confidences or (1.0,)) == 1.0


def test_a_label_in_the_title_column_drawn_past_its_edge_is_taken_out_of_the_next_cell():
    # the label centred over a merged cell wider than column A: on the strip all of it lands
    # in the first cell of the strip, whose own text is read with it
    host, side = _title_column_strips(
        ["项目名称 松岭县供水工程", "", "总分", "预3算1数1.06", "19.06"]
    )
    (joined,) = stitch_side_pages([host, side])
    assert "311.06" in joined.texts and "预3算1数1.06" not in joined.texts
    # where the label's characters could be taken out two ways, the cell keeps them, unsure
    host, side = _title_column_strips(
        ["项目名称 松岭县供水工程", "", "总分", "预预算数数", "19.06"]
    )
    (joined,) = stitch_side_pages([host, side])
    index = joined.texts.index("预预算数数")
    assert joined.confidences[index] == UNSURE


def test_a_sheet_printed_over_then_down_goes_on_from_the_band_above():
    # pages: 1 left/top, 2 right/top, 3 left/next band (other rows), 4 right/next band
    top, rest = [(100, 120), (120, 140), (140, 160)], [(72, 92), (92, 112), (112, 132)]
    cut = frozenset({0})  # (the first row's cell merged over the cut, its text on both)
    left_1 = _rows_part(1, 50, 300, top, ["名称", "a", "b"], cut_right=cut)
    right_1 = _rows_part(2, 50, 200, top, ["名称", "1", "2"], cut_left=cut)
    left_2 = _rows_part(3, 50, 300, rest, ["续", "c", "d"], cut_right=cut)
    right_2 = _rows_part(4, 50, 200, rest, ["续", "3", "4"], cut_left=cut)
    stitched = stitch_side_pages([left_1, right_1, left_2, right_2])
    assert [part.page for part in stitched] == [1, 3] and stitched[1].follows == 1
    assert stitched[1].texts == ("续", "c", "d", "3", "4")
    assert continues(stitched[0], stitched[1])


def test_a_title_cell_whose_last_character_was_read_into_the_next_cell_is_still_the_title():
    # the 厉行节约 text merged over the value columns drawn under the repeated label: the
    # label's last character runs together with the text after it, read in the next cell
    rows = [(100, 120), (120, 140), (140, 160)]
    boxes = [(50, t, 100, b) for t, b in rows] + [(100, t, 200, b) for t, b in rows]
    host = _part(
        1,
        boxes,
        ["三公经费", "公务接待", "厉行节约保障措施", "14.36", "4.56", "严格落实过紧日子"],
        cut_right=frozenset({5}),
    )
    side = _part(
        2, boxes, ["三公经费", "公务接待", "严格厉行节约保障措", "16.5", "5.5", "施日子要求"]
    )
    (joined,) = stitch_side_pages([host, side])
    assert "16.5" in joined.texts  # joined as a strip, not left a table of its own


def test_a_value_cell_cut_behind_the_repeated_title_columns_rule_is_one_again():
    # the break falls inside the amount merged over two columns: the host's half open at its
    # right, the side's half starting at the title column's rule (drawn there, hiding the cut)
    rows = [(100, 120), (120, 140), (140, 160)]
    host = _part(
        1,
        [(50, t, 100, b) for t, b in rows] + [(100, t, 200, b) for t, b in rows],
        ["编制数", "三公经费", "公务接待", "", "", ""],
        cut_right=frozenset({3, 4, 5}),
    )
    side = _part(
        2,
        [(50, t, 100, b) for t, b in rows] + [(100, t, 200, b) for t, b in rows],
        ["编制数", "三公经费", "公务接待", "68", "14.36", "4.56"],
    )
    (joined,) = stitch_side_pages([host, side])
    assert joined.texts == ("编制数", "三公经费", "公务接待", "68", "14.36", "4.56")
    assert len(joined.boxes) == 6 and joined.boxes[3] == (100, 100, 300, 120)


def test_a_strip_after_the_first_strips_pages_is_no_table_going_on_down():
    # down then over: page 1 the rows' first strip, page 2 the same strip going on down,
    # page 3 the next strip of page 1's rows (the break at a column's rule), its column A page
    # 1's again, the sheet's title over its own columns where page 1 shows none
    top, rest = [(100, 120), (120, 140), (140, 160)], [(72, 92), (92, 112), (112, 132)]

    def two_columns(page, rows, texts):
        boxes = [(50, t, 100, b) for t, b in rows] + [(100, t, 300, b) for t, b in rows]
        return _part(page, boxes, texts)

    host = two_columns(1, top, ["三公经费", "公务接待", "项目支出", "9.50", "2.50", "360"])
    down = two_columns(2, rest, ["公用经费", "差旅费", "政府采购金额", "60", "15", "50"])
    strip = two_columns(3, top, ["三公经费", "公务接待", "项目支出", "8.43", "1.98", "386.2"])
    title = TextLine("2024年度基础数据表", 3, BBox(150, 80, 260, 95))
    stitched = stitch_side_pages([host, down, title, strip])
    parts = [item for item in stitched if isinstance(item, TablePart)]
    assert [part.page for part in parts] == [1, 2]  # page 3 beside page 1, not under page 2
    assert "8.43" in parts[0].texts and "8.43" not in parts[1].texts


def test_a_glyph_standing_across_a_row_rule_makes_both_rows_cells_unsure():
    # a wrapped header centred on a row left at its default height: its first line stands
    # over the rule into the row above
    cells = [(0, 0, 100, 15), (0, 15, 100, 30), (0, 30, 100, 45)]
    chars = (*_chars("——", 5, 12), *_chars("批复", 5, 19), *_chars("860", 5, 42))
    read = table_to_part(chars, cells, 1)
    assert read.part.confidences[:2] == (UNCERTAIN, UNCERTAIN)
    assert read.part.confidences[2] == 1.0


def test_a_passage_a_short_row_cut_short_is_unsure_a_word_processors_cell_is_not():
    # Calc: one line filling a 15 pt row from its narrow padding to its edge, mid-sentence
    passage = "部分村社区网络和设备未到位信息系统"
    cells = [(0, 0, 190, 15), (0, 15, 190, 30)]
    chars = (*_chars(passage, 1, 13, 11), *_chars("全年完成。", 1, 28, 11))
    read = table_to_part(chars, cells, 1)
    assert read.part.confidences == (UNCERTAIN, 1.0)
    # Word: the same text set in from the cell's side: its row grew to hold it
    chars = tuple(_chars(passage, 6, 13, 11))
    assert not table_to_part(chars, [(0, 0, 195, 15)], 1).part.confidences


def test_a_forms_first_row_at_a_strips_foot_joins_its_host_row():
    # page 1: the base data and, at its foot, the dept form's first row (its name merged on
    # past the cut); page 2: the next strip of both (column A repeated)
    top = [(100, 120), (120, 140), (140, 160)]

    def strip(page, texts, name, **cuts):
        boxes = [(50, t, 100, b) for t, b in top] + [(100, t, 300, b) for t, b in top]
        base = _part(page, boxes, texts)
        row = _part(page, [(50, 400, 100, 420), (100, 400, 300, 420)], ["单位名称", name], **cuts)
        return [base, row]

    first = strip(1, ["三公经费", "公务接待", "项目支出", "9.50", "2.50", "360"], "柘溪县交通运输局",
                  cut_right=frozenset({1}))  # fmt: skip
    second = strip(2, ["三公经费", "公务接待", "项目支出", "8.43", "1.98", "386.2"], "运输局",
                   cut_left=frozenset({1}))  # fmt: skip
    title = TextLine("2024年度基础数据表", 2, BBox(150, 80, 260, 95))
    stitched = stitch_side_pages([*first, title, *second])
    parts = [item for item in stitched if isinstance(item, TablePart)]
    assert [part.page for part in parts] == [1, 1]
    assert "柘溪县交通运输局" in parts[1].texts and min(parts[1].confidences or (1.0,)) == 1.0


def test_a_title_labels_end_at_the_head_of_a_cut_cell_is_no_part_of_its_text():
    from extractors.pdf.side_join import _title_tail_before

    # 项目名称 clipped at the title column's edge draws 称 before the name's right-hand half
    assert _title_tail_before("浦川区保障性住房运营管理经费", "称房运营管理经费", "项目名称")
    assert not _title_tail_before("浦川区保障性住房运营管理经费", "费用结算", "项目名称")
    assert not _title_tail_before("河湖巡查", "称巡查", "\0")  # no title label in the row


# a shaded label band: the labels grey with no rules, the value cells beside them ruled
BAND = (0.0, 0.0, 100.0, 60.0)
VALUE_CELLS = ((100.0, 0.0, 200.0, 20.0), (100.0, 20.0, 200.0, 40.0), (100.0, 40.0, 200.0, 60.0))
VALUE_RULES = [(100.0, 0.0, 100.0, 60.0), (200.0, 0.0, 200.0, 60.0)] + [
    (100.0, y, 200.0, y) for y in (0.0, 20.0, 40.0, 60.0)
]


def test_a_shaded_label_band_with_no_rules_is_cut_at_its_neighbours_rows():
    chars = [*_chars("三公经费", 5, 15, 8), *_chars("差旅费", 5, 35, 8), *_chars("水费", 5, 55, 8)]
    boxes = boxes_cut_in_shades((BAND, *VALUE_CELLS), tuple(chars), [BAND], VALUE_RULES)
    assert boxes[:3] == ((0, 0, 100, 20), (0, 20, 100, 40), (0, 40, 100, 60))
    assert boxes[3:] == VALUE_CELLS


def test_a_shaded_merged_cell_ruled_round_or_with_one_text_is_left_whole():
    chars = tuple([*_chars("产出指标", 5, 15, 8), *_chars("（50分）", 5, 35, 8)])
    cells = (BAND, *VALUE_CELLS)
    frame = [(0.0, 0.0, 0.0, 60.0), (0.0, 0.0, 100.0, 0.0), (0.0, 60.0, 100.0, 60.0)]
    # a grey merged cell its department ruled round: a cell of a ruled table
    assert boxes_cut_in_shades(cells, chars, [BAND], VALUE_RULES + frame) == cells
    # no shade under it: no evidence of a band
    assert boxes_cut_in_shades(cells, chars, [], VALUE_RULES) == cells
    # one text centred over two rows stands over their rule: those rows stay one cell
    centred = tuple(_chars("产出指标", 5, 24, 8))
    assert boxes_cut_in_shades(cells, centred, [BAND], VALUE_RULES) == cells


def test_a_shaded_header_strip_is_cut_at_the_value_columns_no_header_crosses():
    strip = (0.0, 0.0, 300.0, 20.0)
    values = ((100.0, 20.0, 150.0, 40.0), (150.0, 20.0, 200.0, 40.0), (200.0, 20.0, 300.0, 40.0))
    rules = [(x, 20.0, x, 40.0) for x in (100.0, 150.0, 200.0, 300.0)] + [
        (100.0, 20.0, 300.0, 20.0)
    ]
    # a header centred over the two columns 100-200 crosses the rule at 150: one cell there
    chars = [*_chars("经费", 5, 15, 8), *_chars("2023年决算数", 126, 15, 8)]
    chars += _chars("决算", 230, 15, 8)
    boxes = boxes_cut_in_shades((strip, *values), tuple(chars), [strip], rules)
    assert boxes[:3] == ((0, 0, 100, 20), (100, 0, 200, 20), (200, 0, 300, 20))


def test_a_dept_forms_source_and_use_entries_with_no_rules_between_are_rows():
    halves = [(0.0, 0.0, 200.0, 60.0), (200.0, 0.0, 400.0, 60.0)]
    chars = (
        *_chars("其中：一般公共预算：2036.70", 4, 15, 6), *_chars("政府性基金拨款：", 4, 35, 6),
        *_chars("其他资金：100.00", 4, 55, 6),
        *_chars("其中：基本支出：1344.81", 204, 15, 6), *_chars("项目支出：702.46", 204, 35, 6),
    )  # fmt: skip
    boxes = boxes_cut_at_label_lines(tuple(halves), chars)
    assert sorted(boxes) == [
        (0, 0, 200, 22.0), (0, 22.0, 200, 42.0), (0, 42.0, 200, 60),
        (200, 0, 400, 22.0), (200, 22.0, 400, 42.0), (200, 42.0, 400, 60),
    ]  # fmt: skip
    # a passage beside them is no entry: the row is left whole
    prose = (*chars[:-11], *_chars("基本支出用于人员经费和日常运转。", 204, 15, 6))
    assert boxes_cut_at_label_lines(tuple(halves), prose) == tuple(halves)


def test_columns_no_row_rules_are_cut_where_the_headers_and_amounts_leave_gutters():
    # three columns (100-150-200-250) no row rules: each row one box over the three
    stack = [(100.0, y, 250.0, y + 20.0) for y in (0.0, 20.0, 40.0)]
    chars = (
        *_chars("年初", 102, 15, 8), *_chars("调整后", 152, 15, 8), *_chars("执行", 202, 15, 8),
        *_chars("12.50", 128, 35, 4), *_chars("13.00", 178, 35, 4), *_chars("12.80", 228, 35, 4),
        *_chars("≥", 102, 55, 8), *_chars("15", 190, 55, 4), *_chars("亩", 202, 55, 8),
    )  # fmt: skip
    boxes = boxes_cut_at_gutters(tuple(stack), chars)
    assert len(boxes) == 9
    assert sorted({round(b[0]) for b in boxes}) == [100, 150, 200]
    # a label beside its value in each row tells no columns
    pairs = (*_chars("名称", 102, 15, 8), *_chars("岷江县", 200, 15, 8),
             *_chars("单位", 102, 35, 8), *_chars("民政局", 200, 35, 8))  # fmt: skip
    assert boxes_cut_at_gutters(tuple(stack), pairs) == tuple(stack)


def test_a_shaded_label_in_a_narrow_column_wrapped_over_the_rows_is_left_whole():
    narrow = (0.0, 0.0, 12.0, 80.0)
    rows = [(12.0, y, 112.0, y + 20.0) for y in (0.0, 20.0, 40.0, 60.0)]
    rules = [(12.0, 0.0, 12.0, 80.0), *((12.0, y, 112.0, y) for y in (0, 20, 40, 60, 80))]
    # one character a line, every line wrapped onto the next: one label over four rows
    chars = tuple(c for k, ch in enumerate("绩效指标") for c in _chars(ch, 2, 24 + 10 * k, 8))
    cells = (narrow, *rows)
    assert boxes_cut_in_shades(cells, chars, [narrow], rules) == cells
