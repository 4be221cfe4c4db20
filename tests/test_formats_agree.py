"""The same document as .docx and .pdf gives the same rows in the columns the contract lists."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SEASON

SAME = [
    "form",
    "form_seq",
    "project",
    "section",
    "level1",
    "level2",
    "item",
    "item_parent",
    "measure",
    "value_num",
    "value_unit",
    "comparator",
]
PAIRS = [
    pytest.param(doc.stem, id=doc.stem)
    for doc in sorted(SEASON.glob("*.docx"))
    if doc.with_suffix(".pdf").exists()
]


def _comparable(frame: pd.DataFrame) -> list[tuple]:
    text = frame["value_text"].map(lambda t: None if pd.isna(t) else "".join(t.split()))
    rows = frame[SAME].astype(object).where(frame[SAME].notna(), None)
    rows = rows.assign(value_text=text)
    return sorted(map(tuple, rows.itertuples(index=False)), key=repr)


@pytest.mark.parametrize("stem", PAIRS)
def test_docx_and_pdf_give_the_same_rows(season_values, stem):
    docx = season_values[season_values.source_path == f"{stem}.docx"]
    pdf = season_values[season_values.source_path == f"{stem}.pdf"]
    assert len(docx) > 0
    assert _comparable(docx) == _comparable(pdf)
