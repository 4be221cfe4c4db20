"""Consistency findings: each deliberately contradictory fixture yields exactly the findings it
was built with, in Word and PDF alike; the clean season yields no error-severity finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES

from pipeline.run.ingest import ingest

CONTRADICTIONS = FIXTURES / "contradictions"
FIELDS = ("rule", "severity", "form", "form_seq", "section", "item", "measure")
NAMES = sorted(
    p.name.removesuffix(".findings.json") for p in CONTRADICTIONS.glob("*.findings.json")
)
FORMATS = [fmt for fmt in ("docx", "pdf") if any(CONTRADICTIONS.glob(f"*.{fmt}"))]


@pytest.fixture(scope="module", params=FORMATS)
def findings_by_file(request, tmp_path_factory) -> tuple[str, pd.DataFrame]:
    """All contradiction fixtures of one format ingested in one run (so dup-a/dup-b meet)."""
    fmt = request.param
    folder = tmp_path_factory.mktemp(f"contradictions-{fmt}")
    for path in CONTRADICTIONS.glob(f"*.{fmt}"):
        shutil.copy(path, folder / path.name)
    out = tmp_path_factory.mktemp(f"contradictions-{fmt}-out")
    ingest(folder, out, workers=2)
    return fmt, pd.read_parquet(out / "findings.parquet")


def _clean(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _found(frame: pd.DataFrame, source: str) -> list[tuple]:
    rows = frame[frame.source_path == source]
    return sorted((tuple(_clean(row[f]) for f in FIELDS) for _, row in rows.iterrows()), key=repr)


@pytest.mark.parametrize("name", NAMES)
def test_each_contradiction_is_found_and_nothing_else(findings_by_file, name):
    fmt, frame = findings_by_file
    path = CONTRADICTIONS / f"{name}.{fmt}"
    if not path.exists():
        pytest.skip(f"no {fmt} built for {name}")
    want = json.loads((CONTRADICTIONS / f"{name}.findings.json").read_text(encoding="utf-8"))
    expected = sorted((tuple(w[f] for f in FIELDS) for w in want), key=repr)
    assert _found(frame, path.name) == expected


def test_findings_carry_expected_and_actual_figures(findings_by_file):
    _, frame = findings_by_file
    numeric = frame[frame.rule.isin(["execution_rate_mismatch", "subtotal_mismatch"])]
    assert len(numeric) > 0
    assert numeric.expected.notna().all() and numeric.actual.notna().all()
    assert (numeric.expected != numeric.actual).all()
    assert numeric.message.str.len().gt(10).all()


def test_the_clean_season_has_no_error_findings(season_out: Path):
    findings = pd.read_parquet(season_out / "findings.parquet")
    assert findings[findings.severity == "error"].empty, findings[findings.severity == "error"]


def test_the_seed_cross_form_contradiction_is_found(season_out: Path):
    findings = pd.read_parquet(season_out / "findings.parquet")
    for source in ("yueyang-2024.docx", "yueyang-2024.pdf"):
        hit = findings[(findings.source_path == source) & (findings.rule == "cross_form_mismatch")]
        assert len(hit) == 1
        row = hit.iloc[0]
        assert (row.expected, row.actual) == (579.45, 645.0)
        assert (row.form, row.section, row["item"]) == ("dept_eval", "funds_by_use", "项目支出")
