"""Old Word formats (.doc, and Kingsoft WPS .wps where LibreOffice opens it): converted to
.docx by LibreOffice headless in a private temporary profile, then read by the .docx extractor,
so a .doc gives exactly the rows its .docx would."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from .docx import extract_docx
from .errors import ExtractionError
from .model import Document

CONVERT_TIMEOUT = 120  # seconds for LibreOffice to convert one file


def soffice() -> str | None:
    """The LibreOffice command on this machine, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, workdir: Path) -> Path:
    """Convert `path` to .docx under `workdir`; raise ExtractionError naming what failed."""
    command = soffice()
    if command is None:
        raise ExtractionError(
            "converter_missing",
            f"cannot read {path.name}: reading {path.suffix} files needs LibreOffice "
            "(apt-get install libreoffice-writer-nogui), which is not installed",
        )
    profile = workdir / "profile"
    source = workdir / f"input{path.suffix.lower()}"  # a plain name: LibreOffice and CJK paths
    shutil.copyfile(path, source)
    try:
        done = subprocess.run(
            [
                command,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "docx:MS Word 2007 XML",
                "--outdir",
                str(workdir),
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
    converted = workdir / "input.docx"
    if done.returncode != 0 or not converted.exists():
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[:200]
        raise ExtractionError(
            "corrupt",
            f"LibreOffice could not open {path.name} as a Word document"
            + (f" ({said})" if said else ""),
        )
    return converted


def extract_legacy(path: Path) -> Document:
    """Read a .doc or .wps file through LibreOffice's conversion to .docx."""
    with tempfile.TemporaryDirectory(prefix="selfeval-legacy-") as tmp:
        converted = convert_to_docx(path, Path(tmp))
        document = extract_docx(converted)
    return replace(document, source_format=path.suffix.lower().lstrip("."))
