"""Old Word formats go through LibreOffice; without it the file fails with a clear error."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from conftest import SEASON

import extractors.office.legacy
from extractors import ExtractionError, extract
from pipeline.definitions import load_catalog
from pipeline.run.read import ingest_file


def test_without_libreoffice_a_doc_fails_clearly(tmp_path, monkeypatch):
    path = tmp_path / "old.doc"
    shutil.copy(SEASON / "jiangcheng-wenlv-2023.docx", path)
    monkeypatch.setattr(extractors.office.legacy, "soffice", lambda: None)
    with pytest.raises(ExtractionError) as raised:
        extract(path)
    assert raised.value.code == "converter_missing"
    assert "old.doc" in raised.value.message and "LibreOffice" in raised.value.message


@pytest.mark.skipif(
    extractors.office.legacy.soffice() is None, reason="LibreOffice is not installed"
)
def test_a_doc_that_is_no_word_document_ends_without_forms_or_failed(tmp_path):
    path = tmp_path / "garbage.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not an OLE document at all" * 10)
    result = ingest_file(path, path.name, load_catalog(), datetime.now(UTC))
    assert result.document.status in ("no_forms", "failed")
    assert result.document.source_format == "doc"
    assert not result.values
