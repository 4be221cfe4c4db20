"""What a run reads: every file under IN, and every member of a .zip bundle found there.

A bundle's members are sources of their own (`source_path` `bundle.zip/部门A/a.docx`); the
bundle is checked for size before anything is inflated, and member names written by Windows
tools in GBK without the zip's UTF-8 flag are decoded as GBK. Each member is read on its own: a
damaged, encrypted or oddly compressed member fails alone and its neighbours are read; every
member is listed whatever its name (`../../x.docx`; a second member of the same name is
`a.docx#2`).

Nothing under IN leads the run outside it: a symbolic link is followed only to a file inside IN;
a link out of IN, or to a folder, is listed as skipped with the reason. A name that is not valid
UTF-8 (GBK names off a Windows share) is kept with its odd bytes escaped (`\xb2\xbf.docx`) and
the file is read.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extractors.archive import inflating_member, unpacked_size

MAX_BUNDLE_BYTES = 2 * 2**30  # what all members of one bundle may unpack to
MAX_MEMBER_BYTES = 256 * 2**20
MAX_RATIO = 200
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_PAGE_SUFFIXES = (".htm", ".html", ".HTM", ".HTML")
# what the system's refusal means for a clerk; its own (English) words go to the debug log
_OS_REASONS = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ENOENT: "文件已不存在",
    errno.EISDIR: "这是一个文件夹",
    errno.ELOOP: "链接指向自身，形成循环",
    errno.EIO: "磁盘读取出错",
}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """One document to read: a file, or a member of a bundle."""

    rel: str  # source_path: relative to IN, `/`-separated; a member's is bundle/member
    path: Path  # the file on disk (the bundle, for a member)
    member: str | None = None  # the member's name inside the bundle
    sha: str | None = None  # sha256 of the document's bytes; None when they cannot be read
    problem: tuple[str, str] | None = None  # (error_code, message) when it cannot be read
    size: int = 0  # the document's bytes: how long it may take to read, for scheduling
    skipped: bool = False  # the problem is a reason not to read it (status skipped), not a failure
    member_index: int | None = None  # the member's place in the bundle's directory
    # an analyst's corrections of a form's kind: (kind read, form_seq read, kind it is)
    form_kinds: tuple[tuple[str, int, str], ...] = ()


@dataclass(frozen=True)
class Found:
    """A file under IN, or a link that is not followed (with the reason)."""

    rel: str
    path: Path
    refused: str | None = None  # why a link is not followed
    unreadable: str | None = None  # why a folder could not be listed


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
    return [
        f.path
        for f in discover_found(in_dir, out_dir)
        if f.refused is None and f.unreadable is None
    ]


def escaped_name(name: str) -> str:
    """A path as text that can be written anywhere: bytes that are not UTF-8 (os.walk keeps them
    as surrogates) written as `\\xNN`."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def discover_found(in_dir: Path, out_dir: Path | None = None) -> list[Found]:
    """Every file under `in_dir` and every link not followed, sorted by relative path; never
    `out_dir` and what the pipeline writes there, where it lies inside `in_dir`."""
    root = in_dir.resolve()
    found: list[Found] = []
    skip = _folder_inside(out_dir, in_dir)
    out_folder = root.joinpath(*skip) if skip else None

    def unlisted(exc: OSError) -> None:  # a folder that cannot be listed is said, not skipped
        path = Path(exc.filename or root)
        rel = escaped_name(path.relative_to(root).as_posix()) if path != root else "."
        why = f"无法列出文件夹 {rel} 中的文件：{os_reason(exc)}"
        found.append(Found(rel, path, unreadable=why))

    for folder, dirs, files in os.walk(root, onerror=unlisted):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and Path(folder, d) != out_folder)
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
            path = Path(folder) / name
            rel = escaped_name(path.relative_to(root).as_posix())
            if name.startswith(".") or _saved_page_part(path, root):
                continue
            refused = _link_refused(path, root) if path.is_symlink() else _not_a_file(path)
            found.append(Found(rel, path, refused))
    return sorted(found, key=lambda f: f.rel)


def _not_a_file(path: Path) -> str | None:
    """Why a name under IN that is no link is not read: a pipe, a socket or a device."""
    return None if path.is_file() else "不是普通文件（是管道、套接字或设备），未读取"


def _link_refused(link: Path, root: Path) -> str | None:
    """Why a symbolic link under IN is not followed, or None for a link to a file inside IN."""
    target = link.resolve()
    if not target.is_relative_to(root):
        return "是指向所读文件夹以外位置的链接，未跟随读取"
    if target.is_dir():
        return "是指向文件夹的链接，其中的文件已在原位置读取"
    if not target.exists():
        return "是指向不存在文件的链接"
    return None


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
    for found in discover_found(in_dir, out_dir):
        rel, path = found.rel, found.path
        if found.refused is not None:
            sources.append(
                Source(rel, path, problem=("not_followed", f"{rel}：{found.refused}"), skipped=True)
            )
            continue
        if found.unreadable is not None:
            sources.append(Source(rel, path, problem=("unreadable", found.unreadable)))
            continue
        if path.suffix.lower() == ".zip":
            sources.extend(bundle_sources(path, rel))
            continue
        try:
            sources.append(Source(rel, path, sha=file_sha256(path), size=path.stat().st_size))
        except OSError as exc:
            sources.append(
                Source(rel, path, problem=("unreadable", f"无法读取 {rel}：{os_reason(exc)}"))
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
    """The members of a bundle, each with its own status, or one failed source when the bundle
    itself cannot be opened or would inflate past the limits."""
    try:
        bundle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        yield Source(rel, path, problem=("corrupt", f"压缩包已损坏：{rel}（{_said(exc)}）"))
        return
    with bundle:
        members = [(i, m) for i, m in enumerate(bundle.infolist()) if not m.is_dir()]
        problem = _bundle_problem([m for _, m in members], rel)
        if problem:
            yield Source(rel, path, problem=problem)
            return
        seen: dict[str, int] = {}
        for index, info in members:
            name = escaped_name(member_name(info))
            if any(_hidden(part) or part == "__MACOSX" for part in name.split("/")):
                continue
            seen[name] = seen.get(name, 0) + 1
            member_rel = f"{rel}/{name}" + (f"#{seen[name]}" if seen[name] > 1 else "")
            yield _member_source(bundle, path, member_rel, index, info)


def _hidden(part: str) -> bool:
    """A hidden file or folder's name (`.DS_Store`), not a `.` or `..` step of a path."""
    return part.startswith(".") and part not in (".", "..")


# what reading a member can raise: a bad CRC, corrupt deflate data, an encrypted member, an
# unknown compression method, a member cut short
MEMBER_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    RuntimeError,
    NotImplementedError,
    EOFError,
    OSError,
    ValueError,
)


def _member_source(
    bundle: zipfile.ZipFile, path: Path, rel: str, index: int, info: zipfile.ZipInfo
) -> Source:
    """One member as a source: its bytes hashed, or the reason they cannot be read."""
    place = {"member": info.filename, "member_index": index, "size": info.file_size}
    if info.flag_bits & _ENCRYPTED_FLAG:
        message = f"{rel} 在压缩包中已加密：需要密码才能解压"
        return Source(rel, path, problem=("encrypted", message), **place)
    digest = hashlib.sha256()
    try:
        with bundle.open(info) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except MEMBER_ERRORS as exc:
        return Source(rel, path, problem=member_problem(rel, exc), **place)
    return Source(rel, path, sha=digest.hexdigest(), **place)


def member_problem(rel: str, exc: BaseException) -> tuple[str, str]:
    """(error_code, message) of a member that cannot be unpacked, in the clerk's words."""
    if isinstance(exc, NotImplementedError):
        return "corrupt", f"无法解压 {rel}：它使用了一般解压程序不认识的压缩方式"
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return "encrypted", f"{rel} 在压缩包中已加密：需要密码才能解压"
    log.debug("member %s: %r", rel, exc)
    return "corrupt", f"无法解压 {rel}：它在压缩包中的数据已损坏"


def _said(exc: BaseException) -> str:
    """What went wrong, without the library's own words: the kind of damage."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return os_reason(exc)
    log.debug("bundle: %r", exc)
    return "不是可以读取的 zip 压缩包"


def os_reason(exc: OSError) -> str:
    """Why the system would not open a file, in a clerk's words (its own go to the debug log)."""
    log.debug("%s: %r", exc.filename, exc)
    return _OS_REASONS.get(exc.errno, "系统无法打开它")


def _bundle_problem(members: list[zipfile.ZipInfo], rel: str) -> tuple[str, str] | None:
    total = unpacked_size(members)
    if total > MAX_BUNDLE_BYTES:
        return "zip_bomb", f"压缩包拒绝读取：{rel} 解压后将有 {total / 2**20:,.0f} MiB"
    bomb = inflating_member(members, MAX_RATIO, MAX_MEMBER_BYTES)
    if bomb is not None:
        member, ratio = bomb
        return (
            "zip_bomb",
            f"压缩包拒绝读取：{rel} 中的 {member.filename} 解压后膨胀 {ratio:,.0f} 倍",
        )
    return None


def member_info(bundle: zipfile.ZipFile, source: Source) -> zipfile.ZipInfo | str:
    """The member a source stands for, by its place in the directory (two members may share
    a name)."""
    if source.member_index is not None:
        return bundle.infolist()[source.member_index]
    return source.member or ""


def materialize(source: Source, workdir: Path) -> Path:
    """The document as a file on disk: the file itself, or the member copied out of its bundle
    under a plain name with the member's extension."""
    if source.member is None:
        return source.path
    target = workdir / f"member{Path(source.member).suffix.lower()}"
    with (
        zipfile.ZipFile(source.path) as bundle,
        bundle.open(member_info(bundle, source)) as handle,
        target.open("wb") as out,
    ):
        shutil.copyfileobj(handle, out)
    return target
