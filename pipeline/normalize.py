"""Normalization of labels and values, as the contract's "Normalization" section says.

Pure functions of text: no knowledge of grids or forms. Word lists (units, comparator words,
placeholders) come from `schemas/vocabulary.json` through `Vocabulary`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import opencc

# Full-width digits and letters, ％ ． ＋ －, made half-width in value_text (other CJK punctuation
# is kept there).
_VALUE_FOLD = {
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
    0xFF05: ord("%"),
    0xFF0E: ord("."),
    0xFF0B: ord("+"),
    0xFF0D: ord("-"),
}
# For matching labels and headers: every full-width ASCII form folded, plus the ideographic space.
_KEY_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_QUOTES = re.compile(r"[\"'“”‘’「」『』《》〈〉]")
_MARKERS = re.compile(r"[★☆●◆◇▲△■□※]")  # priority stars and bullets in labels
# a mirror site's pinyin reading in brackets after a character: 學(xué) 農(nóng)業(yè)
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = re.compile(rf"(?<=[\u4e00-\u9fff])[(（][a-zü]*[{_TONED}][a-zü{_TONED}]*[)）]")
_WHITESPACE = re.compile(r"\s+")  # \s covers U+3000 and line breaks in Python 3

_NUMBERING = re.compile(
    r"^(?:"
    r"\d+(?:\.\d+)*[、.)）](?!\d)"  # 1、 2. 3) 1.2.
    r"|[（(]\d+[)）]"  # （3） (3)
    r"|[一二三四五六七八九十]+[、.．)）]"  # 一、
    r"|[（(][一二三四五六七八九十]+[)）]"  # （一）
    r"|[①②③④⑤⑥⑦⑧⑨⑩]"
    r"|其中[:：]?"
    r"|指标\d+(?:[.．:：、]|(?=\D))"  # template numbers: 指标1. 指标2： 指标1工程资金金额
    r")"
)
_LABEL_FOLD = {k: v for k, v in _VALUE_FOLD.items() if k not in (0xFF05, 0xFF0B, 0xFF0D)}
_TRAILING_NOTE = re.compile(r"[（(]([^（()）]*)[)）]$")
_WEIGHT_NOTE = re.compile(r"^(\d+(?:\.\d+)?)分$")
_TRAILING_COLON = re.compile(r"[:：]+$")
_YEAR_PREFIX = re.compile(r"^(\d{4})年(?:度)?")


_T2S = opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Traditional characters made simplified (績效 → 绩效); simplified text is unchanged."""
    return _T2S.convert(text) if text else text


def strip_text(text: str) -> str:
    """Trim white space at both ends, U+3000 included."""
    return text.strip()


def remove_whitespace(text: str) -> str:
    """Remove every white space character (line breaks and U+3000 included)."""
    return _WHITESPACE.sub("", text)


def fold_value_width(text: str) -> str:
    """Make full-width digits, letters, ％ ． ＋ － half-width; keep other punctuation."""
    return text.translate(_VALUE_FOLD)


def strip_pinyin(text: str) -> str:
    """`填(tián)表(biǎo)人(rén)` → `填表人`: a pinyin reading in brackets after a character."""
    return _PINYIN.sub("", text)


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """The key two labels or headers are compared by: simplified, no white space, quotes or
    marker glyphs, full-width ASCII folded, lower case."""
    text = _PINYIN.sub("", _MARKERS.sub("", _QUOTES.sub("", remove_whitespace(text))))
    return to_simplified(text.translate(_KEY_FOLD).lower())


@dataclass(frozen=True)
class Label:
    """A label cell's text made canonical: the label, its bracketed note, its `(N分)` weight."""

    text: str
    note: str | None = None
    weight_raw: str | None = None


@lru_cache(maxsize=65536)
def normalize_label(raw: str) -> Label:
    """Remove white space, leading numbering and 其中：, a trailing colon and bracketed note.

    `产出指标(50分)` → Label("产出指标", note="50分", weight_raw="(50分)");
    `财政供养人员情况（人）` → Label("财政供养人员情况", note="人").
    """
    text = _PINYIN.sub("", _MARKERS.sub("", remove_whitespace(raw)))
    text = to_simplified(text).translate(_LABEL_FOLD)
    previous = None
    while previous != text:
        previous = text
        text = _NUMBERING.sub("", text, count=1)
    text = _TRAILING_COLON.sub("", text)
    note = weight_raw = None
    match = _TRAILING_NOTE.search(text)
    if match and match.start() > 0:
        note = match.group(1)
        text = _TRAILING_COLON.sub("", text[: match.start()])
        if _WEIGHT_NOTE.match(note.translate(_KEY_FOLD)):
            weight_raw = match.group(0)
    return Label(text=text, note=note, weight_raw=weight_raw)


def peel_notes(text: str) -> tuple[str, tuple[str, ...]]:
    """Every trailing bracketed note, innermost last: `预算执行情况(万元)(20分)` →
    (`预算执行情况`, (`万元`, `20分`))."""
    notes: list[str] = []
    while True:
        match = _TRAILING_NOTE.search(text)
        if not match or match.start() == 0:
            return text, tuple(reversed(notes))
        notes.append(match.group(1))
        text = _TRAILING_COLON.sub("", text[: match.start()])


def label_notes(raw: str) -> tuple[str, tuple[str, ...]]:
    """A label without any of its trailing notes, and the notes: `预算执行情况(万元)(20分)` →
    (`预算执行情况`, (`万元`, `20分`))."""
    label = normalize_label(raw)
    base, notes = peel_notes(label.text)
    return base, (*notes, *((label.note,) if label.note else ()))


def weight_of_note(note: str) -> bool:
    """Is a bracketed note a weight (`50分`, `５０分`)?"""
    return bool(_WEIGHT_NOTE.match(note.translate(_KEY_FOLD)))


def split_year(key: str) -> tuple[int | None, str]:
    """`2024年实际在职人数` → (2024, `实际在职人数`); a key with no leading year → (None, key)."""
    match = _YEAR_PREFIX.match(key)
    if not match:
        return None, key
    return int(match.group(1)), key[match.end() :]


def strip_note(key: str) -> tuple[str, str | None]:
    """`批复规模(㎡)` → (`批复规模`, `㎡`)."""
    match = _TRAILING_NOTE.search(key)
    if not match or match.start() == 0:
        return key, None
    return key[: match.start()], match.group(1)


@dataclass(frozen=True)
class ParsedValue:
    value_text: str | None
    value_num: float | None
    value_unit: str | None
    comparator: str | None


BLANK = ParsedValue(None, None, None, None)
# The rest of a compound unit after a known one: 元/人*月, 元/人、天, 元/户·年
_PER = r"/[\u4e00-\u9fffA-Za-z]+(?:[*·、×/][\u4e00-\u9fffA-Za-z]+)*"
MONEY_UNITS = ("万元", "元")
_ALT_UNIT = r"[(（][\u4e00-\u9fff]{1,2}[)）]"  # 台（套）: another measure word for the same count
SCALES = {"万": 1e4, "亿": 1e8}


def _is_cjk_word(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


class ValueParser:
    """Parses a cell's value text into text, number, unit and comparator with a vocabulary."""

    def __init__(
        self,
        units: dict[str, list[str]],
        comparators: dict[str, list[str]],
        placeholders: list[str],
        prefixes: list[str] = (),
        not_measure_characters: str = "",
    ) -> None:
        self._unit_of = {alias: unit for unit, aliases in units.items() for alias in aliases}
        for unit, aliases in units.items():  # 万页, 亿元, 千册: a counting unit with a multiplier
            if not _is_cjk_word(unit) or unit[0] in prefixes:
                continue
            for prefix in prefixes:
                for alias in aliases:
                    if _is_cjk_word(alias):
                        self._unit_of.setdefault(prefix + alias, prefix + unit)
        self._comparator_of = {
            fold_value_width(word): symbol
            for symbol, words in comparators.items()
            for word in words
        }
        self._placeholders = {fold_value_width(p) for p in placeholders}
        unit_alt = "|".join(sorted(map(re.escape, self._unit_of), key=len, reverse=True))
        cmp_alt = "|".join(sorted(map(re.escape, self._comparator_of), key=len, reverse=True))
        self._number = re.compile(
            rf"^(?P<cmp>{cmp_alt})?\s*[¥￥]?"  # a currency sign before an amount says nothing more
            r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*"
            rf"(?:(?P<unit>{unit_alt})(?P<per>{_PER})?(?P<alt>{_ALT_UNIT})?|(?<=\d)\.)?$"
        )
        num = r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
        self._scaled = re.compile(rf"^(?P<cmp>{cmp_alt})?\s*{num}\s*(?P<scale>万|亿)$")
        # a number and a measure word no list holds (8例, ≥50厘米, 0起, 55万辆次): one or two
        # characters after a multiplier, none of them a word that makes the text more than a
        # count (以上, 左右, 月底, 不间断)
        prefix_alt = "|".join(map(re.escape, prefixes)) or "(?!)"
        self._worded = re.compile(
            rf"^(?P<cmp>{cmp_alt})?\s*{num}\s*(?P<prefix>{prefix_alt})?"
            r"(?P<word>[\u4e00-\u9fff]{1,2})$"
        )
        self._not_measure = set(not_measure_characters)

    def parse(self, raw: str, default_unit: str | None, numeric: bool = True) -> ParsedValue:
        """Normalize one value. `default_unit` applies where the cell states none."""
        text = fold_value_width(strip_text(raw))
        if not text or text in self._placeholders:
            return BLANK
        if not numeric:
            return ParsedValue(text, None, None, None)
        key = to_simplified(remove_whitespace(text))
        match = self._number.match(key)
        if not match:
            return self._parse_scaled(text, key, default_unit)
        number = float(match.group("num").replace(",", ""))
        comparator = self._comparator_of[match.group("cmp")] if match.group("cmp") else None
        unit = self._unit_of[match.group("unit")] if match.group("unit") else default_unit
        if match.group("per"):  # a compound unit, 583元/人*月: the known unit, then as written
            unit = f"{unit}{match.group('per')}"
        if match.group("alt"):  # 536台（套）: the unit and the other it may be counted in
            alt = match.group("alt").strip("()（）")
            if not _is_cjk_word(match.group("unit")) or self._not_measure & set(alt):
                return ParsedValue(text, None, None, None)  # 90%（含）: a note, not a unit
            unit = f"{unit}({alt})"
        return ParsedValue(text, number, unit, comparator)

    def _parse_scaled(self, text: str, key: str, default_unit: str | None) -> ParsedValue:
        """`5.8万` (or `10萬`): 5.8 万元 where the measure is money, else 58000 with no unit."""
        match = self._scaled.match(key)
        if not match:
            return self._parse_worded(text, key)
        number = float(match.group("num").replace(",", ""))
        comparator = self._comparator_of[match.group("cmp")] if match.group("cmp") else None
        scale = match.group("scale")
        if default_unit in MONEY_UNITS:
            return ParsedValue(text, number, scale + "元", comparator)
        return ParsedValue(text, number * SCALES[scale], None, comparator)

    def _parse_worded(self, text: str, key: str) -> ParsedValue:
        """`8例` → 8 例: a number with a measure word of its own keeps both."""
        match = self._worded.match(key)
        if not match or self._not_measure & set(match.group("word")):
            return ParsedValue(text, None, None, None)
        number = float(match.group("num").replace(",", ""))
        comparator = self._comparator_of[match.group("cmp")] if match.group("cmp") else None
        unit = (match.group("prefix") or "") + match.group("word")
        return ParsedValue(text, number, unit, comparator)

    def unit_of(self, word: str) -> str | None:
        """The canonical unit a unit word names (`百分比` → `%`), or None."""
        return self._unit_of.get(to_simplified(remove_whitespace(fold_value_width(word))))

    def comparator_of(self, word: str) -> str | None:
        """The comparator symbol a word or glyph stands for (`≧` → `≥`), or None."""
        return self._comparator_of.get(fold_value_width(strip_text(word)))

    def is_placeholder(self, raw: str) -> bool:
        return fold_value_width(strip_text(raw)) in self._placeholders


_DATE = re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$")


def normalize_date(text: str) -> str | None:
    """`2025.6.25`, `2025年6月25日`, `2025-6-25`, `2025/6/25` → `2025-06-25`; else None."""
    match = _DATE.match(fold_value_width(strip_text(text)))
    if not match:
        return None
    y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"
