"""What a run reads: every file under IN, and every member of a .zip bundle found there.

A bundle's members are sources of their own (`source_path` `bundle.zip/部门A/a.docx`); the
bundle is checked for size before anything is inflated, and member names written by Windows
tools in GBK without the zip's UTF-8 flag are decoded as GBK.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extractors.archive import inflating_member, unpacked_size

MAX_BUNDLE_BYTES = 2 * 2**30  # what all members of one bundle may unpack to
MAX_MEMBER_BYTES = 256 * 2**20
MAX_RATIO = 200
_UTF8_FLAG = 0x800
_PAGE_SUFFIXES = (".htm", ".html", ".HTM", ".HTML")


@dataclass(frozen=True)
class Source:
    """One document to read: a file, or a member of a bundle."""

    rel: str  # source_path: relative to IN, `/`-separated; a member's is bundle/member
    path: Path  # the file on disk (the bundle, for a member)
    member: str | None = None  # the member's name inside the bundle
    sha: str | None = None  # sha256 of the document's bytes; None when they cannot be read
    problem: tuple[str, str] | None = None  # (error_code, message) when it cannot be read
    size: int = 0  # the document's bytes: how long it may take to read, for scheduling
    # an analyst's corrections of a form's kind: (kind read, form_seq read, kind it is)
    form_kinds: tuple[tuple[str, int, str], ...] = ()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover(in_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Every file under `in_dir`, recursively, sorted by its relative path (hidden files and
    folders left out, and `out_dir` with all the pipeline writes there when it lies inside
    `in_dir`). This order is the order of every output table."""
    found = []
    skip = _folder_inside(out_dir, in_dir)
    for path in in_dir.rglob("*"):
        rel = path.relative_to(in_dir)
        hidden = any(part.startswith(".") for part in rel.parts)
        if skip and rel.parts[: len(skip)] == skip:
            continue
        if path.is_file() and not hidden and not _saved_page_part(path, in_dir):
            found.append((rel.as_posix(), path))
    return [path for _, path in sorted(found)]


def _folder_inside(folder: Path | None, in_dir: Path) -> tuple[str, ...] | None:
    """`folder`'s parts relative to `in_dir` when it lies inside it (`()` for IN itself)."""
    if folder is None:
        return None
    try:
        return folder.resolve().relative_to(in_dir.resolve()).parts
    except ValueError:
        return None


def _saved_page_part(path: Path, in_dir: Path) -> bool:
    """Is the file inside the `x.files/` (or `x_files/`) folder a browser or Excel saved beside
    `x.htm`? It is read as part of that page (Excel's sheets), not as a submission of its own."""
    for folder in path.parents:
        if folder == in_dir or in_dir not in folder.parents:
            return False
        for suffix in (".files", "_files"):
            if folder.name.endswith(suffix):
                stem = folder.name[: -len(suffix)]
                if any((folder.parent / f"{stem}{ext}").is_file() for ext in _PAGE_SUFFIXES):
                    return True
    return False


def discover_sources(in_dir: Path, out_dir: Path | None = None) -> list[Source]:
    """Every document under `in_dir` (never under `out_dir`), bundles opened, sorted by
    source_path."""
    sources: list[Source] = []
    for path in discover(in_dir, out_dir):
        rel = path.relative_to(in_dir).as_posix()
        if path.suffix.lower() == ".zip":
            sources.extend(bundle_sources(path, rel))
            continue
        try:
            sources.append(Source(rel, path, sha=file_sha256(path), size=path.stat().st_size))
        except OSError as exc:
            sources.append(
                Source(rel, path, problem=("unreadable", f"cannot read {rel}: {exc.strerror}"))
            )
    return sorted(sources, key=lambda s: s.rel)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it: UTF-8 when flagged, else GBK if it decodes."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def bundle_sources(path: Path, rel: str) -> Iterator[Source]:
    """The members of a bundle, or one failed source when the bundle cannot be opened."""
    try:
        with zipfile.ZipFile(path) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()]
            problem = _bundle_problem(members, rel)
            if problem:
                yield Source(rel, path, problem=problem)
                return
            for info in members:
                name = member_name(info)
                if any(part.startswith(".") or part == "__MACOSX" for part in name.split("/")):
                    continue
                digest = hashlib.sha256()
                with bundle.open(info) as handle:
                    for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                        digest.update(chunk)
                yield Source(
                    f"{rel}/{name}",
                    path,
                    member=info.filename,
                    sha=digest.hexdigest(),
                    size=info.file_size,
                )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield Source(rel, path, problem=("corrupt", f"bundle is damaged: {rel} ({exc})"))


def _bundle_problem(members: list[zipfile.ZipInfo], rel: str) -> tuple[str, str] | None:
    total = unpacked_size(members)
    if total > MAX_BUNDLE_BYTES:
        return "zip_bomb", f"bundle refused: {rel} would unpack to {total / 2**20:,.0f} MiB"
    bomb = inflating_member(members, MAX_RATIO, MAX_MEMBER_BYTES)
    if bomb is not None:
        member, ratio = bomb
        return (
            "zip_bomb",
            f"bundle refused: {rel} member {member.filename} inflates {ratio:,.0f} times",
        )
    return None


def materialize(source: Source, workdir: Path) -> Path:
    """The document as a file on disk: the file itself, or the member copied out of its bundle
    under a plain name with the member's extension."""
    if source.member is None:
        return source.path
    target = workdir / f"member{Path(source.member).suffix.lower()}"
    with (
        zipfile.ZipFile(source.path) as bundle,
        bundle.open(source.member) as handle,
        target.open("wb") as out,
    ):
        shutil.copyfileobj(handle, out)
    return target
