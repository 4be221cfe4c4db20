"""Validation of records against the JSON Schemas under schemas/ (Draft 2020-12).

Every record is checked against `schemas/values.schema.json`. The check runs through a
validator that fastjsonschema compiles from that file (the schema uses only keywords whose
meaning is the same in Draft 7, which it compiles), tens of times faster than interpreting
the schema per record; a record it refuses is explained by the jsonschema library's Draft
2020-12 validator, whose messages go into `rejects`. The test suite holds the two to the same
verdicts.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from .definitions import SCHEMAS_DIR
from .model import Record, RejectRow


@cache
def validator(name: str, schemas_dir: Path = SCHEMAS_DIR) -> jsonschema.Draft202012Validator:
    """A checked validator for `schemas/<name>.schema.json`, formats asserted."""
    schema = json.loads((schemas_dir / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@cache
def fast_validator(name: str, schemas_dir: Path = SCHEMAS_DIR):
    """The same schema compiled to Python by fastjsonschema (raises on an invalid record)."""
    validator(name, schemas_dir)  # the schema itself is checked against Draft 2020-12 first
    schema = json.loads((schemas_dir / f"{name}.schema.json").read_text(encoding="utf-8"))
    schema = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    return fastjsonschema.compile(schema, use_formats=True)


def is_valid(name: str, row: dict[str, Any]) -> bool:
    """Does `row` (in JSON types) pass the named schema?"""
    try:
        fast_validator(name)(row)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def to_json(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON types: timestamps as ISO 8601 strings."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def schema_errors(name: str, row: dict[str, Any]) -> list[str]:
    """Every way `row` fails the named schema, each as `path: message`."""
    errors = validator(name).iter_errors(to_json(row))
    return sorted(
        f"{'/'.join(map(str, e.absolute_path)) or '(record)'}: {e.message}" for e in errors
    )


def split_valid(records: list[Record]) -> tuple[list[Record], list[RejectRow]]:
    """Records that pass values.schema.json, and the others with their `error` (never dropped)."""
    valid: list[Record] = []
    rejects: list[RejectRow] = []
    for record in records:
        row = dict(record.__dict__)  # a shallow copy: asdict() deep-copies every value
        if is_valid("values", to_json(row)):
            valid.append(record)
            continue
        errors = schema_errors("values", row) or ["refused by the compiled values schema"]
        rejects.append(RejectRow(**row, error="; ".join(errors)))
    return valid, rejects
