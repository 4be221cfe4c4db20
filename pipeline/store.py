"""Writing the output tables as Parquet with explicit Arrow types and the contract version."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

CONTRACT_VERSION = "1"
_TS = pa.timestamp("us", tz="UTC")

VALUES_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("source_path", pa.string()),
        ("source_sha256", pa.string()),
        ("source_format", pa.string()),
        ("page", pa.int32()),
        ("form", pa.string()),
        ("form_seq", pa.int32()),
        ("fiscal_year", pa.int32()),
        ("unit", pa.string()),
        ("project", pa.string()),
        ("section", pa.string()),
        ("level1", pa.string()),
        ("level2", pa.string()),
        ("item", pa.string()),
        ("item_parent", pa.string()),
        ("measure", pa.string()),
        ("value_raw", pa.string()),
        ("value_text", pa.string()),
        ("value_num", pa.float64()),
        ("value_unit", pa.string()),
        ("comparator", pa.string()),
        ("row", pa.int32()),
        ("col", pa.int32()),
        ("bbox_x0", pa.float64()),
        ("bbox_top", pa.float64()),
        ("bbox_x1", pa.float64()),
        ("bbox_bottom", pa.float64()),
        ("confidence", pa.float64()),
        ("extracted_at", _TS),
        ("pipeline_version", pa.string()),
    ]
)

REJECTS_SCHEMA = VALUES_SCHEMA.append(pa.field("error", pa.string()))

DOCUMENTS_SCHEMA = pa.schema(
    [
        ("source_path", pa.string()),
        ("source_sha256", pa.string()),
        ("source_format", pa.string()),
        ("status", pa.string()),
        ("error_code", pa.string()),
        ("error", pa.string()),
        ("n_base_data", pa.int32()),
        ("n_dept_eval", pa.int32()),
        ("n_project_eval", pa.int32()),
        ("n_values", pa.int32()),
        ("pages", pa.int32()),
        ("extracted_at", _TS),
        ("pipeline_version", pa.string()),
    ]
)

FINDINGS_SCHEMA = pa.schema(
    [
        ("source_path", pa.string()),
        ("form", pa.string()),
        ("form_seq", pa.int32()),
        ("project", pa.string()),
        ("section", pa.string()),
        ("item", pa.string()),
        ("measure", pa.string()),
        ("page", pa.int32()),
        ("rule", pa.string()),
        ("severity", pa.string()),
        ("message", pa.string()),
        ("expected", pa.float64()),
        ("actual", pa.float64()),
    ]
)

TABLES = {
    "values": VALUES_SCHEMA,
    "documents": DOCUMENTS_SCHEMA,
    "findings": FINDINGS_SCHEMA,
    "rejects": REJECTS_SCHEMA,
}


def rows_to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows (dicts) as an Arrow table of exactly `schema`, the contract version in its metadata."""
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    table = pa.table(columns, schema=schema)
    return table.replace_schema_metadata({"contract_version": CONTRACT_VERSION})


def write_table(rows: list[dict[str, Any]], name: str, out_dir: Path) -> Path:
    """Write `OUT/<name>.parquet` aside and swap it in whole, so readers never see half a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.parquet"
    tmp = out_dir / f".{name}.parquet.tmp-{os.getpid()}"
    pq.write_table(rows_to_table(rows, TABLES[name]), tmp)
    os.replace(tmp, target)
    return target
