"""Golden tests: every fixture document, in each format, gives exactly the records it was built
with — every expected value present and equal, nothing unexpected."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pdfplumber
import pytest
from conftest import EXPECTED, SEASON, expected_records

KEY = ("form", "form_seq", "section", "level1", "level2", "item", "measure")
COMPARED = (
    "fiscal_year",
    "unit",
    "project",
    "item_parent",
    "value_text",
    "value_num",
    "value_unit",
    "comparator",
)
CASES = [
    pytest.param(doc.stem, doc.suffix.lstrip("."), id=doc.name)
    for expected in sorted(EXPECTED.glob("*.jsonl"))
    for doc in sorted(SEASON.glob(f"{expected.stem}.*"))
    if doc.suffix in (".docx", ".pdf")
]


def _clean(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars from pandas
        value = value.item()
    return value


def _rows(frame: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _key(row: dict) -> tuple:
    return tuple(row[k] for k in KEY)


def _values_of(season_values: pd.DataFrame, name: str, fmt: str) -> list[dict]:
    return _rows(season_values[season_values.source_path == f"{name}.{fmt}"])


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_every_expected_value_and_nothing_else(season_values, name, fmt):
    expected = expected_records(name)
    got = _values_of(season_values, name, fmt)
    missing = Counter(map(_key, expected)) - Counter(map(_key, got))
    unexpected = Counter(map(_key, got)) - Counter(map(_key, expected))
    assert not missing, f"missing slots: {list(missing)[:10]}"
    assert not unexpected, f"unexpected slots: {list(unexpected)[:10]}"
    by_key = {_key(row): row for row in got}
    wrong = []
    for want in expected:
        have = by_key[_key(want)]
        for column in COMPARED:
            w, h = want[column], have[column]
            if isinstance(w, float) and isinstance(h, float) and math.isclose(w, h):
                continue
            if fmt == "pdf" and column == "value_text" and w and h:
                # A PDF cannot tell a line the writer broke from one the layout wrapped.
                w, h = "".join(w.split()), "".join(h.split())
            if w != h:
                wrong.append((_key(want), column, w, h))
    assert not wrong, f"{len(wrong)} wrong values, first: {wrong[:5]}"


@pytest.mark.parametrize(
    "name", [p.values[0] for p in CASES if p.values[1] == "docx"], ids=lambda n: f"{n}.docx"
)
def test_docx_value_raw_is_the_cell_text_as_written(season_values, name):
    got = {_key(row): row["value_raw"] for row in _values_of(season_values, name, "docx")}
    wrong = [
        (_key(want), want["value_raw"], got[_key(want)])
        for want in expected_records(name)
        if got.get(_key(want)) != want["value_raw"]
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
