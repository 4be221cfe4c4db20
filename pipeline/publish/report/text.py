"""What the report shows of a value: figures formatted as the forms write them, text without
the control characters a page cannot show, and JSON that can stand inside a `<script>`
whatever a submission's strings hold."""

from __future__ import annotations

import json
import math
import re
from typing import Any


def clean_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: Any) -> str:
    """`data` as JSON that can stand inside a `<script>` element whatever its strings hold:
    no `<` (so no `</script`, `<script` or `<!--`), `>` or `&` in it, escaped as JSON escapes,
    and no NaN or infinity (which JSON.parse refuses)."""
    text = json.dumps(_finite(data), ensure_ascii=False, allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group()], text)


def _finite(data: Any) -> Any:
    """`data` with every NaN or infinite number made null, and control characters removed."""
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    if isinstance(data, str):
        return _CONTROL.sub("", data)
    return clean_number(data)


def printable(value: Any) -> Any:
    """What the page shows of a value: a text without control characters."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return _CONTROL.sub("", value)
    return value


def figure_text(value: Any, kind: str = "num") -> str:
    value = clean_number(value)
    if value is None:
        return ""
    if kind == "pct":
        return f"{value:.2f}%"
    if kind == "int":
        return f"{int(value):,}"
    if isinstance(value, float | int):
        return f"{value:,.2f}"
    return str(value)
