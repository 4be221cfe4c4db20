"""Limits on zip archives (a .docx or .xlsx is one, and so is a bundle of submissions), read from
the central directory before anything is inflated."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

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


def declares_entities(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Does the member's prologue carry a DTD? Reads only its first bytes."""
    with archive.open(member) as handle:
        head = handle.read(4096)
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def check_office_zip(path: Path, what: str, max_bytes: int, max_ratio: float) -> None:
    """Refuse an Office zip (a workbook; `what` names it for the clerk) that would inflate past
    the limits, before anything is inflated, and XML in it that declares entities: the guards a
    .docx has. Raises ExtractionError (`zip_bomb`, `xml_entities`, `corrupt`)."""
    from .errors import ExtractionError

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = unpacked_size(members)
            if total > max_bytes:
                raise ExtractionError(
                    "zip_bomb",
                    f"{what} refused: {path.name} would unpack to {total / 2**20:,.0f} MiB "
                    f"(more than {max_bytes / 2**20:,.0f} MiB)",
                )
            bomb = inflating_member(members, max_ratio)
            if bomb is not None:
                member, ratio = bomb
                raise ExtractionError(
                    "zip_bomb",
                    f"{what} refused: {path.name} member {member.filename} inflates "
                    f"{ratio:,.0f} times (a decompression bomb)",
                )
            declaring = [
                m.filename
                for m in members
                if m.filename.endswith((".xml", ".rels", ".vml")) and declares_entities(archive, m)
            ]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise ExtractionError("corrupt", f"{what} is damaged: {path.name} ({exc})") from exc
    if declaring:
        raise ExtractionError(
            "xml_entities",
            f"{what} refused: {path.name} member {declaring[0]} declares XML entities "
            "(Office never writes them; an entity-expansion attack)",
        )
