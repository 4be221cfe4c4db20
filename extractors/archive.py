"""Limits on zip archives (a .docx is one, and so is a bundle of submissions), read from the
central directory before anything is inflated."""

from __future__ import annotations

import zipfile

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
