"""Excel number formats: a cell's stored value turned into the text Excel shows for it.

Covers the formats forms use: General, `0`, `0.00`, `#,##0.00`, `0%`, `0.00%`, literal text
(`0.00"万元"`, `\\元`), sign sections (`#,##0.00;[Red]-#,##0.00`), dates and times
(`yyyy-mm-dd`, `yyyy"年"m"月"d"日"`, `h:mm`) and text `@`. A format it does not understand
(fractions, scientific, conditions) shows the value as General; it never raises.
Pure functions of (value, format string): no file format object comes here.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

GENERAL_DIGITS = 11  # significant digits Excel's General shows in a default-width column
_BRACKET = re.compile(r"\[[^\]]*\]")
_CURRENCY = re.compile(r"\[\$([^\]-]*)(?:-[0-9A-Fa-f]+)?\]")
_DATE_CODES = set("ymdhsYMDHS")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Excel's built-in date formats 14 and 22 follow the system's short date: on the Chinese
# systems these forms come from, 2025/6/25 (openpyxl names them by their US spelling)
_LOCALE_DATES = {"mm-dd-yy": "yyyy/m/d", "m/d/yy h:mm": "yyyy/m/d h:mm"}


def format_value(value: object, number_format: str | None) -> str:
    """The text Excel shows for `value` under `number_format`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    fmt = (number_format or "General").strip()
    try:
        if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
            return format_date(value, fmt)
        if isinstance(value, int | float):
            return format_number(float(value), fmt)
    except (ValueError, OverflowError, InvalidOperation):
        pass
    return str(value)


def general(value: float) -> str:
    """Excel's General: whole numbers without a point, others to 11 significant digits."""
    if value == int(value) and abs(value) < 1e11:
        return str(int(value))
    text = f"{value:.{GENERAL_DIGITS}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}E{int(exponent):+03d}"
    return text


def _sections(fmt: str) -> list[str]:
    """The `;`-separated sections of a format, ignoring `;` inside quotes."""
    parts, current, quoted = [], [], False
    for ch in fmt:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _tokens(section: str) -> list[tuple[str, str]]:
    """A section as (kind, text) tokens: `lit` (shown as is) or `code` (a placeholder)."""
    section = _CURRENCY.sub(lambda m: f'"{m.group(1)}"', section)
    section = _BRACKET.sub("", section)  # colours, conditions, locales
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        ch = section[i]
        ampm = next((m for m in ("AM/PM", "A/P") if section[i : i + len(m)].upper() == m), None)
        if ampm:
            out.append(("ampm", ampm))
            i += len(ampm)
        elif ch == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            out.append(("lit", section[i + 1 : end]))
            i = end + 1
        elif ch == "\\" and i + 1 < len(section):
            out.append(("lit", section[i + 1]))
            i += 2
        elif ch == "_" and i + 1 < len(section):
            out.append(("lit", " "))  # a space the width of the next character
            i += 2
        elif ch == "*" and i + 1 < len(section):
            i += 2  # fill to the column width: nothing to show in a text
        else:
            out.append(("code", ch))
            i += 1
    return out


def _is_date_section(tokens: list[tuple[str, str]]) -> bool:
    return any(kind == "code" and text in _DATE_CODES for kind, text in tokens)


def _pick_section(sections: list[str], value: float) -> tuple[str, float]:
    """The section for the value's sign and the value it shows (a negative section shows the
    absolute value: its own `-` or brackets say the sign)."""
    if value < 0 and len(sections) >= 2 and sections[1].strip():
        return sections[1], -value
    if value == 0 and len(sections) >= 3 and sections[2].strip():
        return sections[2], value
    return sections[0], value


def format_number(value: float, fmt: str) -> str:
    if fmt.lower() in ("general", "") or fmt == "@":
        return general(value)
    section, shown = _pick_section(_sections(fmt), value)
    tokens = _tokens(section)
    if _is_date_section(tokens):
        return format_date(_EXCEL_EPOCH + dt.timedelta(days=value), fmt)
    codes = [t for k, t in tokens if k == "code"]
    if "E" in codes or "e" in codes or "/" in codes or "?" in codes:
        return general(value)
    digit_positions = [i for i, (k, t) in enumerate(tokens) if k == "code" and t in "0#"]
    if not digit_positions:
        if section.strip().lower() == "general":
            return general(shown)
        text = "".join(t for _, t in tokens).replace("General", general(shown))
        return text.replace("@", general(shown))
    first, last = digit_positions[0], digit_positions[-1]
    core = "".join(t for _, t in tokens[first : last + 1])
    prefix = "".join(_shown_code(k, t) for k, t in tokens[:first])
    suffix = "".join(_shown_code(k, t) for k, t in tokens[last + 1 :])
    percents = sum(1 for k, t in tokens if k == "code" and t == "%")
    scale = _trailing_commas(tokens[last + 1 :])
    number = _render_core(shown, core, percents, scale)
    sign = "-" if shown < 0 else ""
    return f"{sign}{prefix}{number}{suffix}"


def _shown_code(kind: str, text: str) -> str:
    """A token outside the digits: literals and most codes show as themselves, a thousands
    comma there scales and shows nothing."""
    if kind == "code" and text == ",":
        return ""
    return text


def _trailing_commas(tokens: list[tuple[str, str]]) -> int:
    count = 0
    for kind, text in tokens:
        if kind == "code" and text == ",":
            count += 1
        else:
            break
    return count


def _render_core(value: float, core: str, percents: int, scale: int) -> str:
    """The digits of `value` under a core like `#,##0.00`: decimals, thousands separators,
    leading zeros; half away from zero, as Excel rounds."""
    integer_part, _, decimal_part = core.partition(".")
    decimals = sum(1 for ch in decimal_part if ch in "0#")
    min_decimals = sum(1 for ch in decimal_part if ch == "0")
    min_integers = sum(1 for ch in integer_part if ch == "0")
    grouped = "," in integer_part
    number = abs(Decimal(repr(value))) * (Decimal(100) ** percents) / (Decimal(1000) ** scale)
    number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{number:f}".partition(".")
    frac = frac.rstrip("0").ljust(min_decimals, "0") if decimals > min_decimals else frac
    if whole == "0" and min_integers == 0:
        whole = ""
    whole = whole.rjust(min_integers, "0")
    if grouped and whole:
        whole = f"{int(whole):,}".rjust(min_integers, "0")
    return f"{whole}.{frac}" if frac or ("." in core and decimals) else whole


def format_date(value: object, fmt: str) -> str:
    """A date, time or duration under a date format; a General or number format on a date
    shows it as ISO (what a clerk reads), never as a serial number."""
    if isinstance(value, dt.timedelta):
        value = _EXCEL_EPOCH + value
    if isinstance(value, dt.time):
        value = dt.datetime.combine(dt.date(1899, 12, 30), value)
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    assert isinstance(value, dt.datetime)
    fmt = _LOCALE_DATES.get(fmt.lower(), fmt)
    tokens = _tokens(_sections(fmt)[0])
    if not _is_date_section(tokens):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    return "".join(_date_parts(tokens, value))


def _date_parts(tokens: list[tuple[str, str]], value: dt.datetime) -> list[str]:
    """Render date codes: runs of the same letter (yyyy, m, mm, d, h, ss …); `m` after `h` or
    before `s` is minutes; AM/PM switches to a 12-hour clock."""
    runs: list[tuple[str, str]] = []
    for kind, text in tokens:
        if (
            kind == "code"
            and runs
            and runs[-1][0] == "code"
            and runs[-1][1][0].lower() == text.lower()
        ):
            runs[-1] = ("code", runs[-1][1] + text)
        else:
            runs.append((kind, text))
    twelve = any(kind == "ampm" for kind, _ in runs)
    out: list[str] = []
    for i, (kind, text) in enumerate(runs):
        if kind == "ampm":
            morning = value.hour < 12
            out.append(
                ("AM" if morning else "PM") if text == "AM/PM" else ("A" if morning else "P")
            )
            continue
        if kind != "code" or text[0].lower() not in "ymdhs":
            out.append(text)
            continue
        letter, n = text[0].lower(), len(text)
        if letter == "m" and (_near(runs, i, -1, "h") or _near(runs, i, 1, "s")):
            letter = "minute"
        out.append(_date_code(letter, n, value, twelve))
    return out


def _near(runs: list[tuple[str, str]], i: int, step: int, letter: str) -> bool:
    """Is the nearest date code before (step -1) or after (step 1) run i the letter?"""
    j = i + step
    while 0 <= j < len(runs):
        kind, text = runs[j]
        if kind == "code" and text[0].lower() in "ymdhs":
            return text[0].lower() == letter
        j += step
    return False


def _date_code(letter: str, n: int, value: dt.datetime, twelve: bool) -> str:
    if letter == "y":
        return f"{value.year % 100:02d}" if n <= 2 else f"{value.year:04d}"
    if letter == "m":
        if n >= 4:
            return value.strftime("%B")
        if n == 3:
            return value.strftime("%b")
        return f"{value.month:02d}" if n == 2 else str(value.month)
    if letter == "d":
        if n >= 4:
            return value.strftime("%A")
        if n == 3:
            return value.strftime("%a")
        return f"{value.day:02d}" if n == 2 else str(value.day)
    if letter == "h":
        hour = (value.hour % 12 or 12) if twelve else value.hour
        return f"{hour:02d}" if n >= 2 else str(hour)
    if letter == "minute":
        return f"{value.minute:02d}" if n >= 2 else str(value.minute)
    return f"{value.second:02d}" if n >= 2 else str(value.second)
