"""Normalization of labels and values, as the contract's "Normalization" section says.

Pure functions of text: no knowledge of grids or forms. Word lists (units, comparator words,
placeholders) come from `schemas/vocabulary.json` through `Vocabulary`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import opencc

from pipeline.forms.scales import Scales

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
_S2T = opencc.OpenCC("s2t")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Traditional characters made simplified (績效 → 绩效); simplified text is unchanged."""
    return _T2S.convert(text) if text else text


def mixed_script(text: str) -> bool:
    """Does the text hold a character only traditional writing uses beside one only simplified
    writing uses (`休漁期内`: 漁 traditional, 内 the simplified 內)? No clerk writes so: on a scan
    the recogniser read a traditional character as its simplified form."""
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return any(to_simplified(c) != c for c in chars) and any(_S2T.convert(c) != c for c in chars)


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
# 台（套）: another measure word for the same count; 头（羽）次: the same for each time (头次, 羽次)
_ALT_UNIT = r"[(（][\u4e00-\u9fff]{1,2}[)）]次?"
_NUM = r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"


def _is_cjk_word(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


def _takes_multiplier(alias: str) -> bool:
    """Is the unit written so that 万 or 亿 may stand before it: a Chinese word (万人次) or a
    CJK unit symbol (万㎡, 万㎞), never a Latin one (万m2 is no unit anyone writes)?"""
    return all("\u4e00" <= ch <= "\u9fff" or "\u3380" <= ch <= "\u33ff" for ch in alias)


def _alternation(words: object) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True)) or "(?!)"


@dataclass(frozen=True)
class _Read:
    """A value as written: the number's text (commas removed), its unit as stated or the
    default (`万人次`, `台`), what follows the unit (`/人*月`, `(套)`), the comparator, and a
    multiplier written with no unit after it (`1.2万`)."""

    number: str
    unit: str | None
    comparator: str | None
    tail: str = ""
    multiplier: str | None = None

    def as_written(self) -> str | None:
        """The unit with its multiplier: `万人次`, `万㎡`, `元/人*月`."""
        if self.unit is None:
            return None
        return f"{self.multiplier or ''}{self.unit}{self.tail}"


class ValueParser:
    """Parses a cell's value text into text, number, unit and comparator with a vocabulary."""

    def __init__(
        self,
        units: dict[str, list[str]],
        comparators: dict[str, list[str]],
        placeholders: list[str],
        scales: Scales,
    ) -> None:
        self._scales = scales
        self._unit_of = {alias: unit for unit, aliases in units.items() for alias in aliases}
        for unit, aliases in units.items():  # 万页, 亿元, 万千瓦: a unit with a multiplier
            if unit in scales.money and unit[:1] in scales.factors:
                continue  # 万元 is a money unit already: no 万万元
            for prefix in scales.factors:
                for alias in aliases:
                    if _takes_multiplier(alias):
                        self._unit_of.setdefault(prefix + alias, prefix + unit)
        self._comparator_of = {
            fold_value_width(word): symbol
            for symbol, words in comparators.items()
            for word in words
        }
        self._placeholders = {fold_value_width(p) for p in placeholders}
        unit_alt = _alternation(self._unit_of)
        cmp_alt = _alternation(self._comparator_of)
        prefix_alt = _alternation(scales.factors)
        self._number = re.compile(
            rf"^(?P<cmp>{cmp_alt})?\s*[¥￥]?"  # a currency sign before an amount says nothing more
            r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*"
            rf"(?:(?P<unit>{unit_alt})(?P<per>{_PER})?(?P<alt>{_ALT_UNIT})?|(?<=\d)\.)?$"
        )
        self._scaled = re.compile(rf"^(?P<cmp>{cmp_alt})?\s*{_NUM}\s*(?P<scale>{prefix_alt})$")
        # a number and a measure word no list holds (8例, ≥50厘米, 0起, 55万辆次): one or two
        # characters after a multiplier, none of them a word that makes the text more than a
        # count (以上, 左右, 月底, 不间断)
        self._worded = re.compile(
            rf"^(?P<cmp>{cmp_alt})?\s*{_NUM}\s*(?P<prefix>{prefix_alt})?"
            r"(?P<word>[\u4e00-\u9fff]{1,2})$"
        )

    def parse(self, raw: str, default_unit: str | None, numeric: bool = True) -> ParsedValue:
        """Normalize one value. `default_unit` applies where the cell states none. A multiplier
        before a unit other than money gives the number in the base unit (`≥68万亩` → 680000,
        `亩`; `5` under a declared `万人次` → 50000, `人次`)."""
        text = fold_value_width(strip_text(raw))
        if not text or text in self._placeholders:
            return BLANK
        if not numeric or self.stacked_numbers(text):
            return ParsedValue(text, None, None, None)
        read = self._read(text, default_unit)
        if read is None:
            return ParsedValue(text, None, None, None)
        return self._in_base_unit(text, read)

    def _in_base_unit(self, text: str, read: _Read) -> ParsedValue:
        """The number times the multiplier of its unit, in the unit without it."""
        base, prefix = read.unit, read.multiplier
        if prefix is None:
            base, prefix = self._scales.split(read.unit)
        number = self._scales.times(read.number, prefix)
        unit = f"{base}{read.tail}" if base is not None else None
        return ParsedValue(text, number, unit, read.comparator)

    def stacked_numbers(self, raw: str) -> bool:
        """Is a text several numbers one a line (`12\n10\n8`, `≥50万页\n100%`: the values of
        rows no rule parted, read as one cell)? Its digits run together are no number. A
        number wrapped in a narrow cell is one: two lines broken inside its digits, at its
        point or comma (`≤52318.6\n4万元`, `3,357.\n52`), unless both are short whole numbers."""
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        if len(lines) < 2:
            return False
        if not all(self._read(to_simplified(remove_whitespace(line)), None) for line in lines):
            return False
        if len(lines) > 2:
            return True
        first, second = lines
        if first.endswith((".", ",")) or second.startswith((".", ",")):
            return False
        wrapped = first[-1].isdigit() and second[0].isdigit()
        return not wrapped or (_SHORT_WHOLE.fullmatch(first + "\n" + second) is not None)

    def _read(self, text: str, default_unit: str | None) -> _Read | None:
        """The number, unit and comparator as written, or None for text that is no number."""
        key = to_simplified(remove_whitespace(text))
        match = self._number.match(key)
        if not match:
            return self._read_scaled(key, default_unit) or self._read_worded(key)
        unit = self._unit_of[match.group("unit")] if match.group("unit") else default_unit
        # a compound unit, 583元/人*月: the known unit, then as written
        tail = match.group("per") or ""
        if match.group("alt"):  # 536台（套）: the unit and the other it may be counted in
            alt, times = match.group("alt").removesuffix("次"), match.group("alt").endswith("次")
            alt = alt.strip("()（）")
            if not _is_cjk_word(match.group("unit")) or self._scales.not_measure & set(alt):
                return None  # 90%（含）: a note, not a unit
            tail += f"({alt})" + ("次" if times else "")
        return _Read(match.group("num").replace(",", ""), unit, self._comparator(match), tail)

    def _read_scaled(self, key: str, default_unit: str | None) -> _Read | None:
        """`5.8万` (or `10萬`): 5.8 万元 where the measure is money, else the number times
        10,000 in the measure's unit; None under a unit that has a multiplier of its own."""
        match = self._scaled.match(key)
        if not match:
            return None
        number, comparator = match.group("num").replace(",", ""), self._comparator(match)
        prefix = match.group("scale")
        money = self._scales.money_with(prefix, default_unit)
        if money is not None:
            return _Read(number, money, comparator)
        unit, own = self._scales.split(default_unit)
        if own is not None:
            return None  # `1.2万` under a declared `万人次`: which it is cannot be told
        return _Read(number, unit, comparator, multiplier=prefix)

    def _read_worded(self, key: str) -> _Read | None:
        """`8例` → 8 例: a number with a measure word of its own keeps both."""
        match = self._worded.match(key)
        if not match or self._scales.not_measure & set(match.group("word")):
            return None
        number, comparator = match.group("num").replace(",", ""), self._comparator(match)
        return _Read(number, match.group("word"), comparator, multiplier=match.group("prefix"))

    def _comparator(self, match: re.Match) -> str | None:
        return self._comparator_of[match.group("cmp")] if match.group("cmp") else None

    def declared_unit(self, word: str) -> str | None:
        """The unit a header note or a unit column declares, its multiplier kept for the values
        under it: `万元` → `万元`, `万人次` → `万人次`, `平方米` → `㎡`; None for other words."""
        text = fold_value_width(strip_text(word))
        read = self._read(f"1{text}", None) if text else None
        if read is None or read.number != "1" or read.comparator is not None:
            return None
        return read.as_written()

    def multiplier_of(self, raw: str) -> str | None:
        """The multiplier a number is written with before a unit other than money (`≥18万人次`,
        `≥ 18 万人次` → 万; `5.8万元`, `18人次` → None)."""
        text = fold_value_width(strip_text(raw))
        read = self._read(text, None) if text else None
        if read is None:
            return None
        return read.multiplier or self._scales.split(read.unit)[1]

    def unit_of(self, word: str) -> str | None:
        """The canonical unit a unit word names (`百分比` → `%`, `万平方米` → `万㎡`), or None."""
        return self._unit_of.get(to_simplified(remove_whitespace(fold_value_width(word))))

    def comparator_of(self, word: str) -> str | None:
        """The comparator symbol a word or glyph stands for (`≧` → `≥`), or None."""
        return self._comparator_of.get(fold_value_width(strip_text(word)))

    def is_placeholder(self, raw: str) -> bool:
        return fold_value_width(strip_text(raw)) in self._placeholders


_SHORT_WHOLE = re.compile(r"\d{1,3}\n\d{1,3}")  # 12 / 10: two rows' 分值, no number wrapped
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
