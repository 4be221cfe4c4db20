"""Shared fixtures: the bundled season ingested once per test session into a temporary folder."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from extractors import Cell, Grid, cells_to_grid
from pipeline.run.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEASON = FIXTURES / "season"
EXPECTED = FIXTURES / "expected"


def expected_records(name: str) -> list[dict]:
    """The records a fixture document was built with (fixtures/expected/<name>.jsonl)."""
    lines = (EXPECTED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


VALUES_COLUMNS = set(
    json.loads((ROOT / "schemas" / "values.schema.json").read_text(encoding="utf-8"))["properties"]
)
# item_seq (contract v2) tells two rows with the same labels apart; it joins the key where the
# values table has the column. An expected file written before it (no item_seq) counts as 0.
KEY = ("form", "form_seq", "section", "level1", "level2", "item", "measure") + (
    ("item_seq",) if "item_seq" in VALUES_COLUMNS else ()
)
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


def _clean(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars from pandas
        value = value.item()
    return value


def frame_rows(frame: pd.DataFrame) -> list[dict]:
    """A table's rows as plain dicts, NaN as None."""
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def record_key(row: dict) -> tuple:
    return tuple(row.get(k) or 0 if k == "item_seq" else row[k] for k in KEY)


def assert_same_records(expected: list[dict], got: list[dict], fmt: str) -> None:
    """Every expected slot present once with equal values, and no slot that was not expected.
    From a PDF, value_text is compared without white space: a PDF cannot tell a line the writer
    broke from one the layout wrapped."""
    missing = Counter(map(record_key, expected)) - Counter(map(record_key, got))
    unexpected = Counter(map(record_key, got)) - Counter(map(record_key, expected))
    assert not missing, f"missing slots: {list(missing)[:10]}"
    assert not unexpected, f"unexpected slots: {list(unexpected)[:10]}"
    by_key = {record_key(row): row for row in got}
    wrong = []
    for want in expected:
        have = by_key[record_key(want)]
        for column in COMPARED:
            w, h = want[column], have[column]
            if isinstance(w, float) and isinstance(h, float) and math.isclose(w, h):
                continue
            if fmt in ("pdf", "pdf_scan") and column == "value_text" and w and h:
                w, h = "".join(w.split()), "".join(h.split())
            if w != h:
                wrong.append((record_key(want), column, w, h))
    assert not wrong, f"{len(wrong)} wrong values, first: {wrong[:5]}"


@pytest.fixture(scope="session")
def season_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("season-out")
    ingest(SEASON, out)
    return out


@pytest.fixture(scope="session")
def season_values(season_out: Path) -> pd.DataFrame:
    return pd.read_parquet(season_out / "values.parquet")


def rows_to_grid(rows: list[list[str | tuple[str, int]]]) -> Grid:
    """Each row lists its cells left to right: "text", ("text", colspan), or "^" for a slot
    covered by the cell above (a vertical merge)."""
    cells: dict[tuple[int, int], dict] = {}
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(rows):
        c = 0
        for entry in row:
            text, span = (entry, 1) if isinstance(entry, str) else entry
            if text == "^":
                top = owner[(r - 1, c)]
                cells[top]["rowspan"] = r - top[0] + 1
                for k in range(cells[top]["colspan"]):
                    owner[(r, c + k)] = top
                c += cells[top]["colspan"]
                continue
            cells[(r, c)] = {"row": r, "col": c, "text": text, "colspan": span, "rowspan": 1}
            for k in range(span):
                owner[(r, c + k)] = (r, c)
            c += span
    return cells_to_grid([Cell(**spec) for spec in cells.values()])
