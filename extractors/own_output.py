"""What the pipeline writes, known again wherever it is found: its workbook and its report.

OUT inside IN is left out of the walk (pipeline/run/sources.py); these marks catch the files that
were copied elsewhere under IN (a report mailed back, a workbook saved in a department's
folder), so a run never reads its own output as a submission.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

GENERATOR = "selfeval"  # the workbook's creator and the report's <meta name="generator">

_CORE = "docProps/core.xml"
_CREATOR = re.compile(rb"<dc:creator[^>]*>\s*" + GENERATOR.encode() + rb"\b")
_META = re.compile(
    rb"""<meta\s+name=["']generator["']\s+content=["']""" + GENERATOR.encode() + rb"\b", re.I
)
_HEAD_BYTES = 8192


def is_own_output(path: Path) -> bool:
    """Did this pipeline write the file (its .xlsx workbook or its report.html)?"""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            return _workbook_is_own(path)
        if suffix in (".html", ".htm"):
            with path.open("rb") as handle:
                return _META.search(handle.read(_HEAD_BYTES)) is not None
    except (OSError, zipfile.BadZipFile, KeyError):
        return False  # not readable as ours: the reader says what is wrong with it
    return False


def _workbook_is_own(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(_CORE)
        if info.file_size > 1 << 20:
            return False
        return _CREATOR.search(archive.read(info)) is not None
