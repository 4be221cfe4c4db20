"""Grey scans with a seal over a value (fixtures/grey_seals.py, built into a temporary folder):
the seal's ring may cut the value's cell, and whatever comes of it no value read wrong goes
without a flag: the unit's name read blank or as a piece, a figure read as its first digits
with the rest under no column."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES
from test_scan import KEY, _right, rows_by_key

from pipeline.run.ingest import ingest


def _grey_seals():
    """fixtures/grey_seals.py, imported beside the fixture modules it uses."""
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    return importlib.import_module("grey_seals")


GREY_SEALS = _grey_seals()


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("grey-seals")
    for case in GREY_SEALS.CASES:
        GREY_SEALS.build_case(case, folder)
    out = tmp_path_factory.mktemp("grey-seals-out")
    ingest(folder, out, workers=2)
    return folder, out


def _flagged_here(wrong: dict, findings: pd.DataFrame) -> bool:
    """A finding on the value's own cell (an error elsewhere on the form does not say which
    value to doubt)."""
    return bool(
        (
            (findings.form == wrong["form"])
            & (findings.form_seq == wrong["form_seq"])
            & (findings.section == wrong["section"])
            & (findings.item == wrong["item"])
            & (findings.measure == wrong["measure"])
        ).any()
    )


@pytest.mark.parametrize("case", [c.name for c in GREY_SEALS.CASES])
def test_no_value_under_a_grey_seal_is_wrong_without_a_flag(sealed, case):
    folder, out = sealed
    name = f"grey-seal-{case}.pdf"
    lines = (folder / f"grey-seal-{case}.jsonl").read_text(encoding="utf-8").splitlines()
    expected = [json.loads(line) for line in lines if line.strip()]
    values = pd.read_parquet(out / "values.parquet")
    findings = pd.read_parquet(out / "findings.parquet")
    got = rows_by_key(values[values.source_path == name])
    findings = findings[findings.source_path == name]
    wrong = [
        (e["item"], e["measure"], e["value_text"], got[tuple(e[k] for k in KEY)]["value_text"])
        for e in expected
        if tuple(e[k] for k in KEY) in got
        and not _right(e, got[tuple(e[k] for k in KEY)])
        and not _flagged_here(e, findings)
    ]
    assert not wrong, f"read wrong without a finding: {wrong}"
    # a floor against going back: the share of the form's slots read at all today (the ring
    # over the unit's name cuts the head's grid; its values are flagged, not lost silently)
    assert sum(tuple(e[k] for k in KEY) in got for e in expected) >= 0.85 * len(expected)
