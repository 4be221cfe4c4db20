"""The compiled schema check and the jsonschema Draft 2020-12 validator give the same verdict
on every record: valid ones from the fixtures, and the same records with fields broken."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import SEASON
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.checks.validate import _plan, is_valid, schema_errors, split_valid, to_json
from pipeline.definitions import load_catalog
from pipeline.run.read import ingest_file


def _records() -> list[dict]:
    path = SEASON / "yueyang-2024.pdf"
    values = ingest_file(path, path.name, load_catalog(), datetime.now(UTC)).values
    return [dict(record.__dict__) for record in values]


RECORDS = _records()


@pytest.fixture
def records():
    return RECORDS


def test_every_fixture_record_passes_both(records):
    for row in records[::7]:
        assert is_valid("values", to_json(row))
        assert schema_errors("values", row) == []


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=3000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(
        [
            "footer",
            "funds",
            "indicators",
            "weight",
            "value",
            "≥",
            "%",
            "pdf",
            "2024-01-01T00:00:00Z",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_broken_records_get_the_same_verdict(data):
    row = dict(data.draw(st.sampled_from(range(len(RECORDS))).map(RECORDS.__getitem__)))
    for name in data.draw(st.lists(st.sampled_from(sorted(row)), min_size=1, max_size=3)):
        row[name] = data.draw(ODD_VALUES)
    if data.draw(st.booleans()):
        row.pop(data.draw(st.sampled_from(sorted(row))))
    json_row = to_json(row)
    assert is_valid("values", json_row) == (schema_errors("values", row) == [])


def test_a_refused_record_carries_the_jsonschema_message(records):
    broken = {**records[0], "section": "staffing", "measure": "score"}

    class Record:  # split_valid takes the model's records; a stand-in with the same fields
        def __init__(self, fields):
            self.__dict__.update(fields)

    valid, rejects = split_valid([Record(records[1]), Record(broken)])
    assert len(valid) == 1 and len(rejects) == 1
    assert "measure" in rejects[0].error and "'score' is not one of" in rejects[0].error


def test_the_described_values_schema_is_still_checked_by_remembered_verdicts():
    """The schema's `description` texts (docs/contract.md's words) change no verdict, so they
    must not turn the remembered per-value checks off (a whole-record check per row instead)."""
    assert _plan("values") is not None
