"""The words the definitions write, as the misread check knows them: every two neighbouring CJK
characters of any string a definition file holds (`项目`, `自评`), so a scan's `项日` beside them
stands out (forms/misreads.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator


def definition_words(raw: object) -> Iterator[str]:
    """Every string a definition file holds, its comments aside."""
    if isinstance(raw, str):
        yield raw
    elif isinstance(raw, dict):
        for key, value in raw.items():
            if not key.startswith("$"):
                yield from definition_words(value)
    elif isinstance(raw, list):
        for value in raw:
            yield from definition_words(value)


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def pairs_in(text: str) -> Iterator[str]:
    """Every two neighbouring CJK characters of `text`, in order."""
    for run in _CJK_RUN.findall(text):
        for i in range(len(run) - 1):
            yield run[i : i + 2]


def cjk_pairs(words: list[str]) -> frozenset[str]:
    """Every two neighbouring CJK characters of the words."""
    return frozenset(pair for word in words for pair in pairs_in(word))
