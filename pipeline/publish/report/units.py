"""The report's view by unit: each department's files, forms, findings and failures together,
and the files no form came from, named with the reason."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import PurePosixPath
from typing import Any

UNKNOWN_UNIT = "（未识别单位）"
NO_FORMS_REASON = "文件中没有找到自评表"


def file_units(documents: list[dict[str, Any]], sent: dict[str, list[str]]) -> dict[str, str]:
    """Each file's unit: the unit its forms name; for a file that gave none (failed, no
    forms), the one unit of the other files in its folder, as bureaus file a department's
    papers together; else UNKNOWN_UNIT."""
    unit_of = {path: unit for unit, paths in sent.items() for path in paths}
    by_folder: dict[str, set[str]] = defaultdict(set)
    for path, unit in unit_of.items():
        by_folder[str(PurePosixPath(path).parent)].add(unit)
    units = {}
    for doc in documents:
        path = doc["source_path"]
        folder_units = by_folder.get(str(PurePosixPath(path).parent), set())
        folder_unit = next(iter(folder_units)) if len(folder_units) == 1 else None
        if str(PurePosixPath(path).parent) == ".":
            folder_unit = None  # files at the top of IN share no department's folder
        units[path] = unit_of.get(path) or folder_unit or UNKNOWN_UNIT
    return units


def units_overview(
    documents: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    sent: dict[str, list[str]],
    status_names: dict[str, str],
) -> list[dict[str, Any]]:
    """One row per unit: its files with their status, its forms, findings and failures."""
    units = file_units(documents, sent)
    rows: dict[str, dict[str, Any]] = {}
    for doc in documents:
        if doc["status"] == "skipped":
            continue  # not a kind of file the pipeline reads: listed with the unread files
        unit = units[doc["source_path"]]
        row = rows.setdefault(
            unit,
            {"unit": unit, "files": [], "forms": 0, "errors": 0, "warnings": 0, "failed": 0},
        )
        row["files"].append(
            {"path": doc["source_path"], "status": status_names.get(doc["status"], doc["status"])}
        )
        row["forms"] += sum(
            v or 0 for k, v in doc.items() if k.startswith("n_") and k != "n_values"
        )
        row["failed"] += doc["status"] == "failed"
    severity = Counter((units.get(f["source_path"], UNKNOWN_UNIT), f["severity"]) for f in findings)
    for unit, row in rows.items():
        row["errors"] = severity[(unit, "error")]
        row["warnings"] = severity[(unit, "warning")]
    return sorted(rows.values(), key=lambda r: (r["unit"] == UNKNOWN_UNIT, r["unit"]))


def unread_files(documents: list[dict[str, Any]], status_names: dict[str, str]) -> list[dict]:
    """The files no form came from that did not fail: no forms found, or not a kind read."""
    return [
        {
            "path": doc["source_path"],
            "status": status_names.get(doc["status"], doc["status"]),
            "reason": doc["error"] or NO_FORMS_REASON,
        }
        for doc in documents
        if doc["status"] in ("no_forms", "skipped")
    ]
