"""The PDF extractor: ruled tables as span-true grids with pages and boxes, joined over breaks."""

from __future__ import annotations

from conftest import SEASON

from extractors import Grid, TextLine, extract, fill_covered_slots


def _grids(name: str) -> list[Grid]:
    return [b for b in extract(SEASON / name).blocks if isinstance(b, Grid)]


def _find(grid: Grid, text: str):
    return next(c for c in grid.cells if "".join(c.text.split()) == text)


def test_merged_cells_have_spans_and_boxes():
    dept = _grids("yueyang-2024.pdf")[1]
    block = _find(dept, "绩效指标")
    assert block.rowspan > 10 and block.colspan == 1
    assert block.page == 2 and block.bbox is not None
    assert block.bbox.bottom - block.bbox.top > 100
    name = _find(dept, "中共岳阳市委办公室")
    assert name.colspan > 1
    assert sum(1 for c in dept.cells if "".join(c.text.split()) == "绩效指标") == 1


def test_a_table_cut_by_a_page_break_is_one_grid():
    dept = _grids("jiangcheng-jiaoyu-2024.pdf")[1]
    assert dept.pages == (2, 3)
    header = _find(dept, "一级指标")
    total = _find(dept, "总分")
    assert header.page == 2 and total.page == 3
    assert total.row > header.row
    # the columns of both parts line up: 总分's values sit under 分值 and 得分
    slots = fill_covered_slots(dept)
    weight_col = _find(dept, "分值").col
    assert slots[total.row][weight_col] is not total


def test_text_outside_tables_is_kept_in_order():
    blocks = extract(SEASON / "yueyang-2024.pdf").blocks
    lines = [b.text for b in blocks if isinstance(b, TextLine)]
    assert lines[0] == "附件1"
    assert any(line.startswith("填表人：何琼") for line in lines)
    first_table = next(i for i, b in enumerate(blocks) if isinstance(b, Grid))
    assert "基础数据表" in "".join(blocks[first_table - 1].text.split())
