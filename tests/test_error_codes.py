"""One catalogue of error codes: every code the pipeline sets is in `ERROR_CODES`, and the
README's table and the documents schema's enum say the same."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

from extractors import ExtractionError
from extractors.errors import ERROR_CODES, ERROR_NAMES, error_name


def _readme_codes() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Document statuses and error codes", 1)[1].split("\n## ", 1)[0]
    table = section.split("| `error_code` |", 1)[1]
    return re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)


def test_the_readme_table_lists_every_code_once():
    codes = _readme_codes()
    assert sorted(codes) == sorted(ERROR_CODES)
    assert len(codes) == len(set(codes))


def test_the_documents_schema_enum_is_the_catalogue():
    schema = json.loads((ROOT / "schemas" / "documents.schema.json").read_text(encoding="utf-8"))
    enum = schema["properties"]["error_code"]["enum"]
    assert None in enum
    assert sorted(c for c in enum if c is not None) == sorted(ERROR_CODES)


def test_every_code_has_a_chinese_name_of_its_own():
    assert sorted(ERROR_NAMES) == sorted(ERROR_CODES)
    names = list(ERROR_NAMES.values())
    assert len(names) == len(set(names))  # two codes never read alike
    for name in names:
        assert re.search(r"[\u4e00-\u9fff]", name), name
        assert not re.search(r"\b[a-z_]{3,}\b", name), name  # no slug left in it
    assert error_name("encrypted") == "文件已加密" and error_name(None) is None


def test_every_code_literal_in_the_code_is_catalogued():
    """Codes stand as the first argument of ExtractionError / Failure, in failed_file calls and
    as `error_code=` keywords; each must be a catalogue key."""
    patterns = [
        r"ExtractionError\(\s*\"([a-z_]+)\"",
        r"Failure\(\s*\"([a-z_]+)\"",
        r"error_code=\"([a-z_]+)\"",
        r"problem=\(\s*\"([a-z_]+)\"",
        r"return \"([a-z_]+)\", f\"压缩包",
        r"now,\s*\"([a-z_]+)\",",
    ]
    found: dict[str, set[str]] = {}
    for path in [*(ROOT / "extractors").rglob("*.py"), *(ROOT / "pipeline").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for pattern in patterns:
            for code in re.findall(pattern, text):
                found.setdefault(code, set()).add(path.name)
    assert found, "no code literal found: the patterns no longer match the code"
    unknown = {code: files for code, files in found.items() if code not in ERROR_CODES}
    assert not unknown
    for code in ("unsupported_kind", "corrupt", "timeout", "memory", "crashed", "internal_error"):
        assert code in found, code


def test_an_uncatalogued_code_is_refused():
    with pytest.raises(ValueError, match="unsupported"):
        ExtractionError("unsupported", "x")
    assert ExtractionError("encrypted", "x.xlsx needs a password").code == "encrypted"


def test_every_code_has_a_meaning():
    assert all(len(meaning) > 10 for meaning in ERROR_CODES.values())
