"""Limits on zip archives (a .docx or .xlsx is one, and so is a bundle of submissions), read from
the central directory before anything is inflated."""

from __future__ import annotations

import logging
import zipfile
import zlib
from pathlib import Path

log = logging.getLogger(__name__)

BOMB_MIN_BYTES = 2**20  # a member smaller than this is never counted as a bomb by its ratio


def unpacked_size(members: list[zipfile.ZipInfo]) -> int:
    """What all members together would inflate to, in bytes."""
    return sum(m.file_size for m in members)


def inflating_member(
    members: list[zipfile.ZipInfo], max_ratio: float, max_bytes: int | None = None
) -> tuple[zipfile.ZipInfo, float] | None:
    """The first member that inflates more than `max_ratio` times (being over a MiB), or past
    `max_bytes` on its own, with its ratio; None when every member is within bounds."""
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        too_big = max_bytes is not None and member.file_size > max_bytes
        if too_big or (member.file_size > BOMB_MIN_BYTES and ratio > max_ratio):
            return member, ratio
    return None


# a DTD opens with one of these, in UTF-8 (or any ASCII-based encoding) or in UTF-16
_DTD_MARKS = tuple(
    mark.encode(encoding)
    for mark in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_CHUNK = 1 << 16
XML_PARTS = (".xml", ".rels", ".vml")  # the parts of an Office zip that are parsed as XML
# the compression methods Office and zip tools write (stored, deflate, bzip2, lzma)
KNOWN_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def declares_entities(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Does the member carry a DTD anywhere? Read through to its end as it streams (a DTD
    after a long comment is still found), never whole in memory."""
    overlap = max(len(m) for m in _DTD_MARKS) - 1
    tail = b""
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(_CHUNK):
                window = tail + chunk
                if any(mark in window for mark in _DTD_MARKS):
                    return True
                tail = window[-overlap:]
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
        # a damaged part no reader can unpack either: it fails the file only if it is read
        log.debug("entity check of %s: damaged, passed over", member.filename)
    return False


def unreadable_member(members: list[zipfile.ZipInfo]) -> tuple[str, zipfile.ZipInfo] | None:
    """The first XML part (what the readers parse; a picture is never read) no zip reader can
    unpack as it is, and why: `encrypted` (its encryption flag) or `method` (a compression
    method such as AES's 99)."""
    for member in members:
        if not member.filename.endswith(XML_PARTS):
            continue
        if member.flag_bits & 0x1:
            return "encrypted", member
        if member.compress_type not in KNOWN_METHODS:
            return "method", member
    return None


def check_office_zip(path: Path, what: str, max_bytes: int, max_ratio: float) -> None:
    """Refuse an Office zip (a workbook; `what` names it for the clerk) that would inflate past
    the limits, before anything is inflated, and XML in it that declares entities: the guards a
    .docx has. Raises ExtractionError (`zip_bomb`, `xml_entities`, `corrupt`)."""
    from extractors.errors import ExtractionError

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = unpacked_size(members)
            if total > max_bytes:
                raise ExtractionError(
                    "zip_bomb",
                    f"{what}拒绝读取：{path.name} 解压后将有 {total / 2**20:,.0f} MiB"
                    f"（超过允许的 {max_bytes / 2**20:,.0f} MiB）",
                )
            bomb = inflating_member(members, max_ratio)
            if bomb is not None:
                member, ratio = bomb
                raise ExtractionError(
                    "zip_bomb",
                    f"{what}拒绝读取：{path.name} 中的 {member.filename} 解压后膨胀 "
                    f"{ratio:,.0f} 倍（可能是恶意构造的“压缩炸弹”）",
                )
            locked = unreadable_member(members)
            if locked is not None and locked[0] == "encrypted":
                raise ExtractionError(
                    "encrypted",
                    f"{what}已加密：{path.name} 需要密码才能打开"
                    f"（其中的 {locked[1].filename} 已加密）",
                )
            if locked is not None:
                raise ExtractionError(
                    "corrupt",
                    f"{what}已损坏：{path.name} 中的 {locked[1].filename} "
                    "使用了 Office 从不使用的压缩方式",
                )
            declaring = [
                m.filename
                for m in members
                if m.filename.endswith(XML_PARTS) and declares_entities(archive, m)
            ]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
        log.debug("zip check of %s: %r", path.name, exc)
        raise ExtractionError("corrupt", f"{what}已损坏：{path.name} 的压缩数据无法解开") from exc
    if declaring:
        raise ExtractionError(
            "xml_entities",
            f"{what}拒绝读取：{path.name} 中的 {declaring[0]} 声明了 XML 实体"
            "（Office 从不写入，可能是恶意构造的文件）",
        )
