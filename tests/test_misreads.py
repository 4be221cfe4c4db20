"""A look-alike character read with confidence (日 for 目, 白 for 自, 入 for 人) is found by the
forms' own words: the pair it makes is one they never write, its twin's one they do."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import rows_to_grid

from extractors import Document, TextLine
from pipeline.definitions import load_catalog
from pipeline.forms.misreads import MISREAD, _twins, doubt_misreads, misread

CATALOG = load_catalog()
TWINS = _twins(CATALOG.vocabulary.confusables)

MISREADS = [
    ("project-as-day", "部分改造项日受汛期影响延期，已督促完成。"),
    ("self-as-white", "开展绩效监控和年度绩效白评。"),
    ("person-as-enter", "单位负责入签字"),
    ("goal-in-a-label", "年度总体日标"),
]
RIGHT = [
    ("project", "部分改造项目受汛期影响延期"),
    ("date", "填报日期：2025年3月1日"),
    ("daily", "每日巡查两次"),
    ("year-end", "年末结转资金"),
    ("not-done", "未完成原因"),
    ("holiday", "节日期间正常运行"),
    ("income", "纳入专户管理的非税收入"),
]


@pytest.mark.parametrize("text", [t for _, t in MISREADS], ids=[i for i, _ in MISREADS])
def test_a_look_alike_the_forms_never_write_is_a_misreading(text):
    assert misread(text, TWINS, CATALOG.word_pairs)


@pytest.mark.parametrize("text", [t for _, t in RIGHT], ids=[i for i, _ in RIGHT])
def test_words_read_right_are_no_misreading(text):
    assert not misread(text, TWINS, CATALOG.word_pairs)


def test_an_ocr_cell_or_line_holding_a_misreading_is_unsure_and_a_text_layer_is_not():
    grid = rows_to_grid([["项目名称", "河道保洁经费"], ["偏差原因", "部分项日延期"]])
    scanned = replace(grid, cells=tuple(replace(c, confidence=0.98) for c in grid.cells))
    lines = (TextLine("单位负责入签字", confidence=0.97), TextLine("单位负责入签字"))
    document = Document(blocks=(scanned, grid, *lines), source_format="pdf_scan")
    doubted = doubt_misreads(document, CATALOG)
    read, layer, line_read, line_layer = doubted.blocks
    assert {c.text: c.confidence for c in read.cells} == {
        "项目名称": 0.98,
        "河道保洁经费": 0.98,
        "偏差原因": 0.98,
        "部分项日延期": MISREAD,
    }
    assert layer == grid  # a text layer's characters are the file's own
    assert (line_read.confidence, line_layer.confidence) == (MISREAD, 1.0)
