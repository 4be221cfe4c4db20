"""Golden tests: every fixture document, in each format, gives exactly the records it was built
with — every expected value present and equal, nothing unexpected."""

from __future__ import annotations

import pandas as pd
import pdfplumber
import pytest
from conftest import EXPECTED, SEASON, assert_same_records, expected_records, frame_rows, record_key

CASES = [
    pytest.param(doc.stem, doc.suffix.lstrip("."), id=doc.name)
    for expected in sorted(EXPECTED.glob("*.jsonl"))
    for doc in sorted(SEASON.glob(f"{expected.stem}.*"))
    if doc.suffix in (".docx", ".pdf", ".xlsx", ".html")
]


def _values_of(season_values: pd.DataFrame, name: str, fmt: str) -> list[dict]:
    return frame_rows(season_values[season_values.source_path == f"{name}.{fmt}"])


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_every_expected_value_and_nothing_else(season_values, name, fmt):
    assert_same_records(expected_records(name), _values_of(season_values, name, fmt), fmt)


@pytest.mark.parametrize(
    "name", [p.values[0] for p in CASES if p.values[1] == "docx"], ids=lambda n: f"{n}.docx"
)
def test_docx_value_raw_is_the_cell_text_as_written(season_values, name):
    got = {record_key(row): row["value_raw"] for row in _values_of(season_values, name, "docx")}
    wrong = [
        (record_key(want), want["value_raw"], got[record_key(want)])
        for want in expected_records(name)
        if got.get(record_key(want)) != want["value_raw"]
    ]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    "name", [p.values[0] for p in CASES if p.values[1] == "pdf"], ids=lambda n: f"{n}.pdf"
)
def test_pdf_rows_point_at_their_cell_on_the_page(season_values, name):
    rows = _values_of(season_values, name, "pdf")
    with pdfplumber.open(SEASON / f"{name}.pdf") as pdf:
        for row in rows:
            page = pdf.pages[int(row["page"]) - 1]
            box = (row["bbox_x0"], row["bbox_top"], row["bbox_x1"], row["bbox_bottom"])
            assert 0 <= box[0] < box[2] <= page.width and 0 <= box[1] < box[3] <= page.height
            if row["section"] != "footer":
                assert row["row"] is not None and row["col"] is not None, row
            if row["section"] in ("footer", "funds_by_source", "funds_by_use", "indicator_groups"):
                continue  # the value shares its line or cell with its label
            shown = "".join(_text_in(page, box).split())
            read = "".join(row["value_raw"].split())
            # A row cut by a page break goes on in a cell on the next page: its bbox is the first.
            assert read.startswith(shown) and (shown or not read), (row["item"], read, shown)


def _text_in(page, box: tuple[float, float, float, float]) -> str:
    """The characters whose centre lies inside `box`, in reading order."""
    inside = [
        c
        for c in page.chars
        if box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2]
        and box[1] <= (c["top"] + c["bottom"]) / 2 <= box[3]
    ]
    return "".join(c["text"] for c in sorted(inside, key=lambda c: (round(c["top"]), c["x0"])))


@pytest.mark.parametrize(
    "name", [p.values[0] for p in CASES if p.values[1] == "docx"], ids=lambda n: f"{n}.docx"
)
def test_word_rows_have_no_page_or_bbox(season_values, name):
    frame = season_values[season_values.source_path == f"{name}.docx"]
    assert frame[["page", "bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom"]].isna().all().all()
    body = frame[frame.section != "footer"]
    assert body[["row", "col"]].notna().all().all()
