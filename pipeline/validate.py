"""Validation of records against the JSON Schemas under schemas/ (Draft 2020-12)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from .definitions import SCHEMAS_DIR
from .model import Record


@cache
def validator(name: str, schemas_dir: Path = SCHEMAS_DIR) -> jsonschema.Draft202012Validator:
    """A checked validator for `schemas/<name>.schema.json`, formats asserted."""
    schema = json.loads((schemas_dir / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def to_json(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON types: timestamps as ISO 8601 strings."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def schema_errors(name: str, row: dict[str, Any]) -> list[str]:
    """Every way `row` fails the named schema, each as `path: message`."""
    errors = validator(name).iter_errors(to_json(row))
    return sorted(
        f"{'/'.join(map(str, e.absolute_path)) or '(record)'}: {e.message}" for e in errors
    )


def split_valid(records: list[Record]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records that pass values.schema.json, and the others with their `error` (never dropped)."""
    valid: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for record in records:
        row = asdict(record)
        errors = schema_errors("values", row)
        if errors:
            rejects.append({**row, "error": "; ".join(errors)})
        else:
            valid.append(row)
    return valid, rejects
