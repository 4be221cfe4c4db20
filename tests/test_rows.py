"""What a worker or a Ray task returns is typed: each table's rows are frozen dataclasses, and
the Arrow schema written is derived from them."""

from __future__ import annotations

import dataclasses
import json
import pickle
from datetime import UTC, datetime

import pytest
from conftest import ROOT, SEASON

from pipeline.definitions import load_catalog
from pipeline.model import CorrectionRow, DocumentRow, FindingRow, Record, RejectRow
from pipeline.publish.store import TABLES
from pipeline.run.read import ingest_file

ROWS = {"values": Record, "documents": DocumentRow, "findings": FindingRow, "rejects": RejectRow}
TABLE_ROWS = {**ROWS, "corrections": CorrectionRow}


@pytest.mark.parametrize("table", TABLES)
def test_each_tables_columns_are_its_row_dataclass_and_its_json_schema(table):
    schema = json.loads((ROOT / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))
    fields = [f.name for f in dataclasses.fields(TABLE_ROWS[table])]
    assert TABLES[table].names == fields == list(schema["properties"])


def test_a_files_result_is_frozen_rows_that_travel_whole():
    path = SEASON / "yueyang-2024.docx"
    result = ingest_file(path, path.name, load_catalog(), datetime.now(UTC))
    assert result.values and result.findings
    for table, cls in ROWS.items():
        assert all(type(row) is cls for row in result.rows(table))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.document.status = "failed"
    assert pickle.loads(pickle.dumps(result)) == result
