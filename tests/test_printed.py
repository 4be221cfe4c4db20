"""PDFs other programs write (fixtures/printed/, see fixtures/README.md): headless Chromium
printing the season's web pages, LibreOffice Calc printing its workbooks one page wide and as
they are (across pages), and a form drawn by hand with reportlab. Each file's expected records
are its document's own (`expected/<name>.jsonl`).

Every file: no value read wrong (or read where the document has none) without a finding on it.
The files read whole are golden tests; the others must reach the issue's share of values read
right, and those that do not yet are expected failures (strict: one that gets there fails, so
the mark comes off).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pdfplumber
import pytest
from conftest import (
    COMPARED,
    FIXTURES,
    assert_same_records,
    expected_records,
    frame_rows,
    record_key,
)

from pipeline.run.ingest import ingest

PRINTED = FIXTURES / "printed"
LISTING: dict[str, str] = json.loads((PRINTED / "expected.json").read_text(encoding="utf-8"))
# read whole: every expected value present and equal, nothing else
EXACT = {
    "jiangcheng-jiaotong-2023.calc-fit.pdf",
    "jiangcheng-jiaotong-2023.calc-pages.pdf",
    "jiangcheng-jiaotong-2023.chromium.pdf",
    "jiangcheng-wenlv-2023.chromium.pdf",
    "jiangcheng-wenlv-2023.calc-fit.pdf",
    "jiangcheng-wenlv-2023.calc-pages.pdf",
    "jiangcheng-wenlv-2023.drawn.pdf",
    "yueyang-2024.calc-fit.pdf",
    "jiangcheng-jiaotong-2023.calc-titlecols.pdf",
    "jiangcheng-jiaotong-2023.calc-wide.pdf",
    "jiangcheng-wenlv-2023.calc-wide.pdf",
    "jiangcheng-wenlv-2023.calc-midtitle.pdf",
    "jiangcheng-jiaotong-2023.chromium-rules.pdf",
    "qingfeng-shucai-2024.calc-partial.pdf",
    "synthetic-i21-songling-titlecols.calc-titlecols3.pdf",
    "synthetic-i21-baichuan-overdown.calc-overdown.pdf",
    "synthetic-i21-tonglan-base-fills.calc-fills.pdf",
    "synthetic-i21-wuchuan-dept-entries.calc-partial.pdf",
    "synthetic-i21-tuoyuan-sichuan-unruled.calc-partial.pdf",
    "synthetic-i21-kunling-titlerows.calc-titlerows3.pdf",
    "synthetic-i21-kunling-titlerows.calc-titlerows4.pdf",
    "synthetic-i21-fenbei-transfer-titlecol.calc-narrowcol.pdf",
    "synthetic-i21-fenbei-transfer-titlecol.calc-titlerowscol.pdf",
    "synthetic-i21-kunling-titlerows.calc-titlerows3n.pdf",
    "synthetic-i21-kunling-titlerows.calc-titlerows3c.pdf",
    "synthetic-i21-kunling-titlerows.calc-narrowcol3.pdf",
}
# the issue's share of values read right, by how the file was made
TARGET = {
    "chromium": 0.97,
    "chromium-rules": 0.97,
    "calc-fit": 0.97,
    "calc-partial": 0.97,
    "calc-fills": 0.97,
    "drawn": 0.97,
    "calc-pages": 0.95,
    "calc-wide": 0.95,
    "calc-titlecols": 0.95,
    "calc-midtitle": 0.95,
    "calc-titlecols3": 0.95,
    "calc-overdown": 0.95,
    "calc-hairline3": 0.95,
    "calc-hairline6": 0.95,
    "calc-stacked": 0.95,
    "calc-titlecols2": 0.95,
    "calc-titlerows3": 0.95,
    "calc-titlerows3x4": 0.95,
    "calc-titlerows4": 0.95,
    "calc-titlerows3n": 0.95,
    "calc-titlerows3l": 0.95,
    "calc-titlerows3c": 0.95,
    "calc-narrowcol": 0.95,
    "calc-titlerowscol": 0.95,
    "calc-narrowcol3": 0.95,
}
SHORT: set[str] = set()  # below the target still (see fixtures/README.md, Printed)
WRITERS = {"chromium": "Skia/PDF", "calc-fit": "LibreOffice", "drawn": "ReportLab"}


def _expected(name: str) -> list[dict]:
    """The records the file's document was built with: a season document's, or a family
    spec's (`families/<name>`, its records beside its workbook)."""
    source = LISTING[name]
    if source.startswith("families/"):
        path = FIXTURES / f"{source}.jsonl"
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return expected_records(source)


def _kind(name: str) -> str:
    return name.split(".")[-2]


@pytest.fixture(scope="module")
def printed_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("printed-out")
    ingest(PRINTED, out, workers=2)
    return out


def _values(out: Path, name: str) -> list[dict]:
    frame = pd.read_parquet(out / "values.parquet")
    return frame_rows(frame[frame.source_path == name])


def _flagged(out: Path, name: str) -> set[tuple]:
    frame = pd.read_parquet(out / "findings.parquet")
    rows = frame_rows(frame[frame.source_path == name])
    return {(r["form"], r["form_seq"], r["item"], r["measure"]) for r in rows}


def _same(want: dict, have: dict) -> bool:
    for column in COMPARED:
        w, h = want[column], have[column]
        if column == "value_text" and w and h:
            w, h = "".join(w.split()), "".join(h.split())
        if isinstance(w, float) and isinstance(h, float) and math.isclose(w, h):
            continue
        if w != h:
            return False
    return True


def test_the_printed_files_come_from_three_writers():
    for kind, producer in WRITERS.items():
        name = next(n for n in sorted(LISTING) if _kind(n) == kind)
        with pdfplumber.open(PRINTED / name) as pdf:
            assert producer in str(pdf.metadata.get("Producer", "")), name
    assert set(LISTING) == {p.name for p in PRINTED.glob("*.pdf")}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_every_expected_value_and_nothing_else(printed_out, name):
    assert_same_records(_expected(name), _values(printed_out, name), "pdf")


@pytest.mark.parametrize("name", sorted(LISTING))
def test_no_value_wrong_without_a_finding(printed_out, name):
    expected = {record_key(r): r for r in _expected(name)}
    flagged = _flagged(printed_out, name)
    unflagged = []
    for row in _values(printed_out, name):
        want = expected.get(record_key(row))
        if want is not None and _same(want, row):
            continue
        places = {(row["form"], row["form_seq"], row["item"], m) for m in (row["measure"], None)}
        if not places & flagged:
            unflagged.append((record_key(row), row["value_text"]))
    assert not unflagged, f"{len(unflagged)} values wrong with no finding: {unflagged[:5]}"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="below the target"))
        if n in SHORT
        else n
        for n in sorted(LISTING)
    ],
)
def test_reads_the_share_of_values_the_issue_asks(printed_out, name):
    expected = _expected(name)
    got = {record_key(r): r for r in _values(printed_out, name)}
    right = sum(
        1 for want in expected if record_key(want) in got and _same(want, got[record_key(want)])
    )
    assert right / len(expected) >= TARGET[_kind(name)], f"{right} of {len(expected)}"
