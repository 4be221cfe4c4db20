"""Shared fixtures: the bundled season ingested once per test session into a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEASON = FIXTURES / "season"
EXPECTED = FIXTURES / "expected"


def expected_records(name: str) -> list[dict]:
    """The records a fixture document was built with (fixtures/expected/<name>.jsonl)."""
    lines = (EXPECTED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def season_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("season-out")
    ingest(SEASON, out)
    return out


@pytest.fixture(scope="session")
def season_values(season_out: Path) -> pd.DataFrame:
    return pd.read_parquet(season_out / "values.parquet")
