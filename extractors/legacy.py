"""Old Office formats read through LibreOffice headless, in a private temporary profile:
Word's .doc and Kingsoft WPS .wps converted to .docx and read by the .docx extractor (so a .doc
gives exactly the rows its .docx would), and Excel's .xls and WPS's .et converted to .xlsx for the
workbook extractor (`extractors/xlsx.py`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from .docx import extract_docx
from .errors import ExtractionError
from .model import Document

CONVERT_TIMEOUT = 120  # seconds for LibreOffice to convert one file
# target extension → (LibreOffice export filter, what the file is, the package that opens it)
TARGETS = {
    "docx": ("docx:MS Word 2007 XML", "a Word document", "libreoffice-writer-nogui"),
    "xlsx": ("xlsx:Calc MS Excel 2007 XML", "a workbook", "libreoffice-calc-nogui"),
}
_CALC_LIBRARY = "libsclo.so"  # LibreOffice's spreadsheet module, absent without Calc


def soffice() -> str | None:
    """The LibreOffice command on this machine, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def has_calc(command: str) -> bool:
    """Is LibreOffice's spreadsheet module installed beside this soffice?"""
    program = Path(os.path.realpath(command)).parent
    return (program / _CALC_LIBRARY).exists() or not (program / "libswlo.so").exists()


def convert_with_libreoffice(path: Path, workdir: Path, target: str) -> Path:
    """Convert `path` to `target` (docx or xlsx) under `workdir`; raise ExtractionError naming
    what failed."""
    export_filter, what, package = TARGETS[target]
    command = soffice()
    if command is None or (target == "xlsx" and not has_calc(command)):
        raise ExtractionError(
            "converter_missing",
            f"cannot read {path.name}: reading {path.suffix} files needs LibreOffice "
            f"(apt-get install {package}), which is not installed",
        )
    profile = workdir / "profile"
    source = workdir / f"input{path.suffix.lower()}"  # a plain name: LibreOffice and CJK paths
    shutil.copyfile(path, source)
    outdir = workdir / "out"
    try:
        done = subprocess.run(
            [
                command,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                export_filter,
                "--outdir",
                str(outdir),
                str(source),
            ],
            capture_output=True,
            timeout=CONVERT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            "timeout", f"LibreOffice took longer than {CONVERT_TIMEOUT} s to open {path.name}"
        ) from exc
    converted = outdir / f"input.{target}"
    if done.returncode != 0 or not converted.exists():
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[:200]
        raise ExtractionError(
            "corrupt",
            f"LibreOffice could not open {path.name} as {what}" + (f" ({said})" if said else ""),
        )
    return converted


def convert_to_docx(path: Path, workdir: Path) -> Path:
    """Convert `path` to .docx under `workdir`; raise ExtractionError naming what failed."""
    return convert_with_libreoffice(path, workdir, "docx")


def extract_legacy(path: Path) -> Document:
    """Read a .doc or .wps file through LibreOffice's conversion to .docx."""
    with tempfile.TemporaryDirectory(prefix="selfeval-legacy-") as tmp:
        converted = convert_to_docx(path, Path(tmp))
        document = extract_docx(converted)
    return replace(document, source_format=path.suffix.lower().lstrip("."))
