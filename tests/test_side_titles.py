"""The pieces that join a sheet printed across pages under repeated title rows (issue 21):
the title rows printed again between a part and the part going on from it, a line running
from the paper to text past its edge, and where a host's next strip prints."""

from __future__ import annotations

from extractors.model import BBox, TextLine
from extractors.pdf.line_edges import apart_at_edge
from extractors.pdf.side_hosts import _next_strip_over
from extractors.pdf.side_titles import without_title_rows
from extractors.tables import TablePart

WIDTH = 842.0  # a landscape A4 page


def _part(page: int, top: float, follows: int = 0) -> TablePart:
    boxes = ((54.0, top, 700.0, top + 20.0), (54.0, top + 20.0, 700.0, top + 40.0))
    return TablePart(page, boxes, ("甲", "乙"), (54.0, top, 700.0, top + 40.0), follows=follows)


def _line(text: str, page: int, x0: float, top: float, off: bool = False) -> TextLine:
    return TextLine(text, page, BBox(x0, top, x0 + 11.0 * len(text), top + 11.0), off_page=off)


def test_title_rows_printed_again_over_a_band_are_not_read_twice():
    title = _line("某县农业农村局2024年度项目支出绩效自评情况", 1, 782.0, 75.5, off=True)
    unit = _line("金额单位：万元", 1, 55.0, 94.3)
    items = [title, unit, _part(1, 128.0)]
    again = [_line(title.text, 4, 782.0, 75.5, off=True), _line(unit.text, 4, 55.0, 94.3)]
    items += [*again, _part(4, 109.0, follows=1)]
    out = without_title_rows(items)
    assert [i.text for i in out if isinstance(i, TextLine)] == [title.text, unit.text]


def test_a_title_row_with_a_cut_label_drawn_into_it_leaves_the_label():
    unit = _line("金额单位：万元", 1, 55.0, 94.3)
    items = [unit, _part(1, 128.0), _line("金指额单位：万元", 4, 55.0, 94.3), _part(4, 109.0, 1)]
    left = [i for i in without_title_rows(items) if isinstance(i, TextLine) and i.page == 4]
    assert [line.text for line in left] == ["指"]


def test_a_line_over_the_next_form_is_kept_where_the_part_does_not_go_on():
    unit = _line("金额单位：万元", 1, 55.0, 94.3)
    other = TablePart(2, ((54.0, 130.0, 400.0, 150.0),), ("丙",), (54.0, 130.0, 400.0, 150.0))
    items = [unit, _part(1, 128.0), _line(unit.text, 2, 55.0, 94.3), other]
    assert len([i for i in without_title_rows(items) if isinstance(i, TextLine)]) == 2


def test_title_rows_over_a_page_holding_only_the_footer_are_not_read_again():
    unit = _line("金额单位：万元", 1, 55.0, 94.3)
    footer = _line("填表人：张三 联系电话：123", 7, 55.0, 300.0)
    items = [unit, _part(1, 128.0), _part(4, 109.0, 1), _line(unit.text, 4, 55.0, 94.3)]
    items += [_line(unit.text, 7, 55.0, 94.3), footer]
    lines = [i for i in without_title_rows(items) if isinstance(i, TextLine)]
    assert [(line.page, line.text) for line in lines] == [
        (1, unit.text),
        (4, unit.text),
        (7, footer.text),
    ]


def _chars(text: str, x0: float, gap_after: int | None = None, gap: float = 0.0) -> list[dict]:
    chars, x = [], x0
    for i, char in enumerate(text):
        chars.append(
            {"text": char, "x0": x, "x1": x + 11.0, "top": 94.3, "bottom": 105.3, "size": 11.0}
        )
        x += 11.0 + (gap if gap_after is not None and i == gap_after else 0.0)
    return chars


def _textmap_line(text: str, chars: list[dict]) -> dict:
    return {
        "text": text,
        "x0": chars[0]["x0"],
        "x1": chars[-1]["x1"],
        "top": 94.3,
        "bottom": 105.3,
        "chars": chars,
    }


def test_a_line_runs_apart_where_text_on_the_paper_meets_text_past_its_edge():
    chars = _chars("产金额单位：万元", 55.0, gap_after=0, gap=1525.0)
    pieces = apart_at_edge(_textmap_line("产 金额单位：万元", chars), WIDTH)
    assert [p[0] for p in pieces] == ["产", "金额单位：万元"]
    assert pieces[1][1] > WIDTH


def test_a_title_cut_by_the_paper_edge_stays_one_line():
    chars = _chars("2024年度项目支出绩效自评表", 700.0)
    pieces = apart_at_edge(_textmap_line("2024年度项目支出绩效自评表", chars), WIDTH)
    assert len(pieces) == 1


def test_a_wide_gap_on_the_paper_stays_one_line():
    chars = _chars("填表人：张三联系电话：123", 55.0, gap_after=5, gap=200.0)
    assert len(apart_at_edge(_textmap_line("填表人：张三 联系电话：123", chars), WIDTH)) == 1


def test_the_next_strip_prints_where_the_page_order_puts_it():
    over_then_down = {2: 1, 3: 1}
    assert not _next_strip_over(4, 1, {2: 1})  # (the host's third strip prints on page 3)
    assert _next_strip_over(4, 1, over_then_down)  # a third strip of the band
    assert _next_strip_over(5, 4, over_then_down)  # the next band's second page
    down_then_over = {3: 1, 5: 1}  # two bands: the host's strips two pages apart
    assert _next_strip_over(7, 1, down_then_over)
    assert _next_strip_over(5, 1, down_then_over)  # its last strip's page again
    assert not _next_strip_over(6, 1, down_then_over)
    assert not _next_strip_over(2, 1, {})  # no page order known yet
