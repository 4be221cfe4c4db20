"""Old Office formats read through LibreOffice headless, in a private temporary profile:
Word's .doc and Kingsoft WPS .wps converted to .docx and read by the .docx extractor (so a .doc
gives exactly the rows its .docx would), and Excel's .xls and WPS's .et converted to .xlsx for the
workbook extractor (`extractors/office/xlsx.py`).

A submission may link content from anywhere (a .doc's INCLUDEPICTURE field, a linked sheet), and
LibreOffice would fetch it while converting: the bureau's machine calling an address a sender
chose. So LibreOffice is run with no network: in a network namespace of its own (`unshare -n`,
or `-rn` for a user who is not root) where the system allows one, and always with a profile
whose content providers for http, https, WebDAV, FTP and CMIS are removed (so even outside a
namespace there is nothing to fetch with) and linked images from untrusted places blocked.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from extractors.errors import ExtractionError
from extractors.model import Document
from extractors.office.docx import extract_docx

CONVERT_TIMEOUT = 120  # seconds for LibreOffice to convert one file
# target extension → (LibreOffice export filter, what the file is, the package that opens it)
TARGETS = {
    "docx": ("docx:MS Word 2007 XML", "Word 文档", "libreoffice-writer-nogui"),
    "xlsx": ("xlsx:Calc MS Excel 2007 XML", "工作簿", "libreoffice-calc-nogui"),
}
_CALC_LIBRARY = "libsclo.so"  # LibreOffice's spreadsheet module, absent without Calc
log = logging.getLogger(__name__)

# LibreOffice's content providers that reach the network (main.xcd, ucb Configuration)
_NETWORK_PROVIDERS = (
    "Provider3",  # http
    "Provider4",  # vnd.sun.star.webdav
    "Provider4a",  # webdav
    "Provider6",  # ftp
    "Provider12",  # https
    "Provider12a",  # vnd.sun.star.webdavs
    "Provider12b",  # webdavs
    "Provider43",  # vnd.libreoffice.cmis
)
_PROVIDERS_PATH = (
    "/org.openoffice.ucb.Configuration/ContentProviders/"
    "org.openoffice.ucb.Configuration:ContentProvidersDataPrimaryKeys['Local']/SecondaryKeys/"
    "org.openoffice.ucb.Configuration:ContentProvidersDataSecondaryKeys['Office']/ProviderData"
)
_SECURITY_PATH = "/org.openoffice.Office.Common/Security/Scripting"


def offline_settings() -> str:
    """registrymodifications.xcu of a profile that cannot fetch anything: the network content
    providers removed, linked images of untrusted documents blocked, macros never run."""
    items = [
        f'<item oor:path="{_PROVIDERS_PATH}"><node oor:name="{name}" oor:op="remove"/></item>'
        for name in _NETWORK_PROVIDERS
    ]
    for prop, value in (
        ("BlockUntrustedRefererLinks", "true"),
        ("DisableMacrosExecution", "true"),
        ("MacroSecurityLevel", "3"),
    ):
        items.append(
            f'<item oor:path="{_SECURITY_PATH}"><prop oor:name="{prop}" oor:op="fuse">'
            f"<value>{value}</value></prop></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        + "\n".join(items)
        + "\n</oor:items>\n"
    )


def offline_profile(profile: Path) -> Path:
    """A fresh LibreOffice profile under `profile` with `offline_settings`."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(offline_settings(), encoding="utf-8")
    return profile


@functools.cache
def network_sandbox() -> tuple[str, ...]:
    """The command prefix that runs a program with no network (a namespace of its own with
    only a loopback that is down), or () when this system allows none (the profile's settings
    then stand alone)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    # in a PID namespace of its own too, so that LibreOffice's whole tree ends with `unshare`
    # (killed on a timeout, or with the worker that started it)
    for flags in ("-n", "-rn"):
        prefix = (unshare, flags, "--fork", "--pid", "--kill-child")
        try:
            tried = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if tried.returncode == 0:
            return prefix
    log.debug("no network namespace: LibreOffice runs with the offline profile alone")
    return ()


def soffice() -> str | None:
    """The LibreOffice command on this machine, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def has_calc(command: str) -> bool:
    """Is LibreOffice's spreadsheet module installed beside this soffice?"""
    program = Path(os.path.realpath(command)).parent
    return (program / _CALC_LIBRARY).exists() or not (program / "libswlo.so").exists()


def _end_with_caller() -> None:
    """In the child, before LibreOffice starts: SIGKILL when the process that started it dies
    (a worker killed for time or memory, an ingest killed outright)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def run_in_own_group(argv: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run `argv` in a process group of its own, its output captured; past `timeout` the whole
    group is killed (LibreOffice's soffice.bin, a grandchild, with it: killing the child alone
    left it running and holding the pipes) and TimeoutExpired raised."""
    with subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_end_with_caller,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def convert_with_libreoffice(path: Path, workdir: Path, target: str) -> Path:
    """Convert `path` to `target` (docx or xlsx) under `workdir`; raise ExtractionError naming
    what failed."""
    export_filter, what, package = TARGETS[target]
    command = soffice()
    if command is None or (target == "xlsx" and not has_calc(command)):
        raise ExtractionError(
            "converter_missing",
            f"无法读取 {path.name}：读取 {path.suffix} 文件需要 LibreOffice"
            f"（apt-get install {package}），本机未安装",
        )
    profile = offline_profile(workdir / "profile")
    source = workdir / f"input{path.suffix.lower()}"  # a plain name: LibreOffice and CJK paths
    shutil.copyfile(path, source)
    outdir = workdir / "out"
    try:
        done = run_in_own_group(
            [
                *network_sandbox(),
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
            CONVERT_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            "timeout", f"LibreOffice 打开 {path.name} 超过了允许的 {CONVERT_TIMEOUT} 秒"
        ) from exc
    converted = outdir / f"input.{target}"
    if done.returncode != 0 or not converted.exists():
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        log.debug("LibreOffice on %s (exit %s): %s", path.name, done.returncode, said)
        raise ExtractionError("corrupt", f"LibreOffice 无法打开 {path.name}，未能转换成 {what}")
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
