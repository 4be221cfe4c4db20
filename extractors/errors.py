"""The one base error for files that cannot be read, and the one catalogue of error codes.

Every `error_code` the documents table can hold is listed in `schemas/errors.json` (loaded
and checked here as `ERROR_CODES` and `ERROR_NAMES`) with its meaning and Chinese name,
whichever module sets it (an extractor, the bundle reader, the worker that watches a file, the
ingest loop). The README's error-code table and the documents schema's enum are tested against
this mapping; `ExtractionError` refuses a code that is not in it.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _catalogue_path() -> Path:
    """`schemas/errors.json` of a checkout, shipped in the wheel with the other catalogues as
    package data of `pipeline.schemas` (pyproject.toml). Only the data is shared: no code of the
    pipeline is imported."""
    folder = resources.files("pipeline.schemas")
    if not isinstance(folder, Path):
        raise ImportError(f"pipeline.schemas must be installed as files, not inside {folder}")
    return folder / "errors.json"


def catalogue_to_codes(raw: dict, where: str) -> tuple[dict[str, str], dict[str, str]]:
    """(meaning by code, Chinese name by code), in the catalogue's order; a ValueError naming
    what is wrong: a code twice, a name not in Chinese or shared by two codes, no meaning."""
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    for entry in raw.get("errors", ()):
        code, name, meaning = entry.get("code"), entry.get("name", ""), entry.get("meaning", "")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z_]*[a-z]", code):
            raise ValueError(f"{where}: error code {code!r} is not a lower-case slug")
        if code in codes:
            raise ValueError(f"{where}: error code {code} is listed twice")
        if not _CJK.search(name) or name in names.values():
            raise ValueError(f"{where}: {code}: needs a Chinese name of its own")
        if not meaning.strip():
            raise ValueError(f"{where}: {code}: says nothing of what it means")
        codes[code], names[code] = meaning, name
    return codes, names


# every code with its meaning, and its name in the words an analyst reads (the report's and
# the workbook's 错误类型)
ERROR_CODES, ERROR_NAMES = catalogue_to_codes(
    json.loads(_catalogue_path().read_text(encoding="utf-8")), "schemas/errors.json"
)


def error_name(code: str | None) -> str | None:
    """The Chinese name of an error code (the code itself if it is unknown), None for none."""
    if code is None:
        return None
    return ERROR_NAMES.get(code, code)


class ExtractionError(Exception):
    """A file could not be read. `code` is a slug of `ERROR_CODES`; the message is for a clerk."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}: add it to schemas/errors.json first")
        super().__init__(message)
        self.code = code
        self.message = message
