"""A scanned label a seal took its first character from, completed by the same words printed
whole elsewhere in its table (forms/sealed_labels.py)."""

from __future__ import annotations

import pytest

from extractors import Cell, Document, Grid
from pipeline.forms.sealed_labels import complete_sealed_labels, label_in_texts

REPORT = "完成河道清淤41公里，沿岸居民满意度96.2%，设施完好。"  # made up, as the label below


@pytest.mark.parametrize(
    ("label", "texts", "expected"),
    [
        pytest.param("岸居民满意度", [REPORT], "沿岸居民满意度", id="one-lost-after-a-mark"),
        pytest.param("居民满意度", [REPORT], "沿岸居民满意度", id="two-lost"),
        pytest.param("岸居民满意度", ["沿岸居民满意度"], "沿岸居民满意度", id="a-cell-of-its-own"),
        pytest.param("岸居民满意度", ["使沿岸居民满意度提高"], None, id="inside-a-sentence"),
        pytest.param(
            "居民满意度", ["，沿岸居民满意度", "，城区居民满意度"], None, id="two-readings"
        ),
        pytest.param("岸居民满意度", ["居民满意度"], None, id="not-there"),
    ],
)
def test_a_label_is_completed_only_by_the_same_words_standing_alone(label, texts, expected):
    assert label_in_texts(label, texts) == expected


def _grid(label: Cell) -> Grid:
    report = Cell(0, 0, REPORT, confidence=0.98)
    return Grid(cells=(report, label), n_rows=2, n_cols=1)


def _label(first: float, confidence: float = 0.7) -> Cell:
    text = "岸居民满意度"
    return Cell(1, 0, text, confidence=confidence, char_confidences=(first,) + (0.99,) * 5)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param(_label(0.7), "沿岸居民满意度", id="first-character-under-a-seal"),
        pytest.param(_label(0.99), "岸居民满意度", id="first-character-sure"),
        pytest.param(_label(0.7, confidence=0.95), "岸居民满意度", id="label-read-sure"),
    ],
)
def test_only_a_label_read_unsure_at_its_start_is_completed(cell, expected):
    document = Document(blocks=(_grid(cell),), source_format="pdf_scan")
    (grid,) = complete_sealed_labels(document).blocks
    completed = grid.cells[1]
    assert completed.text == expected and completed.confidence == cell.confidence
