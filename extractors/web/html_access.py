"""What a saved web page holds, read with lxml, as plain data: its text in document order,
broken where the browser breaks lines, and its tables as rows of cells with their spans.

No lxml element leaves this module. A page comes out as a list of `Item`s: `Text` (the raw
text of a node, white space not yet collapsed, `&nbsp;` as U+00A0), `Break` (a `<br>`), `Edge`
(the start or end of a block: a paragraph, a heading, a div) and `TableItem` (its rows, each
cell holding its own items). Also here: the page's charset (BOM, meta tag, or a guess between
UTF-8 and GB18030), the sheet links of an Excel page saved as HTML, and the HTML parts of a
.mht file.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from dataclasses import dataclass, field

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
_CHINESE = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "gb18030", "hz-gb-2312"}
_SKIPPED = {"script", "style", "head", "title", "noscript", "template", "object", "iframe"}
_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "header", "footer", "center", "blockquote", "pre", "form",
    "address", "caption", "hr", "body", "html", "main", "nav", "aside", "figure",
}  # fmt: skip
MAX_SPAN = 1000  # browsers cap colspan at 1000 and rowspan at 65534; forms need a few


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Break:
    pass


@dataclass(frozen=True)
class Edge:
    pass


@dataclass
class CellItem:
    items: list[Item]
    rowspan: int = 1
    colspan: int = 1
    bordered: bool = False  # a border drawn on any side (table attribute, style or CSS class)


@dataclass
class TableItem:
    rows: list[list[CellItem]] = field(default_factory=list)
    caption: list[Item] = field(default_factory=list)  # a <caption>: the form's title, often
    hidden_rows: int = 0  # rows hidden by their style (display:none) that held text, not read
    hidden_cells: int = 0  # and hidden cells of shown rows that held text


Item = Text | Break | Edge | TableItem


def load_libraries() -> None:
    import lxml.html  # noqa: F401


def page_charset(data: bytes) -> str:
    """The page's encoding: a byte-order mark, else a meta tag or XML prologue in its first
    4 KiB, else UTF-8 if it decodes, else GB18030 (Chinese government sites). GB2312 and GBK
    are read as GB18030, their superset."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return name
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if match:
        name = match.group(1).decode("ascii").lower()
        if name in _CHINESE:
            return "gb18030"
        try:
            return codecs.lookup(name).name
        except LookupError:
            pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 4:  # a cut in the last character is a truncated file
            return "gb18030"
    return "utf-8"


def decode_page(data: bytes) -> str:
    """The page's text in its charset; bytes that do not decode become U+FFFD, never an error."""
    return decode_page_said(data)[0]


def decode_page_said(data: bytes) -> tuple[str, str | None]:
    """The page's text, and what was done when its declared charset made nonsense of it: a
    page that declares big5 (or UTF-8, or Latin-1) but whose bytes are GB18030, as a Chinese
    site's template often says, is read as GB18030 when that gives common Chinese text and the
    declared charset did not. The second item says so, for a finding; None otherwise."""
    charset = page_charset(data)
    text = data.decode(charset, errors="replace")
    if charset in ("gb18030", "utf-16", "utf-8-sig"):
        return text, None
    try:
        guess = data.decode("gb18030")
    except UnicodeDecodeError:
        return text, None
    declared, better = common_hanzi(text), common_hanzi(guess)
    if better >= NONSENSE_MARGIN + declared and better >= COMMON_ENOUGH:
        return guess, (
            f"网页声明的字符编码 {charset} 使文字成了乱码（常用汉字只占 {declared:.0%}），"
            f"已改按 GB18030 读取（常用汉字占 {better:.0%}）"
        )
    return text, None


COMMON_ENOUGH = 0.8  # of a Chinese page's characters are in GB2312's common set, and more
NONSENSE_MARGIN = 0.3
_MIN_HANZI = 4


def common_hanzi(text: str) -> float:
    """The share of the text's CJK characters (and U+FFFD, a byte that did not decode) that are
    in GB2312, the common simplified set: near 1 for a real Chinese page, low for mojibake;
    0 with fewer than a few such characters."""
    hanzi = [c for c in text if "\u4e00" <= c <= "\u9fff" or c == "\ufffd"]
    if len(hanzi) < _MIN_HANZI:
        return 0.0
    return sum(1 for c in hanzi if _in_gb2312(c)) / len(hanzi)


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


MAX_DEPTH = 255  # elements nested in elements: libxml2's own cap, past which it drops content


class TooDeep(ValueError):
    """A page whose elements nest deeper than MAX_DEPTH (a form wrapped in 300 tables)."""

    def __init__(self, depth: int) -> None:
        super().__init__(f"elements nested {depth:,} deep")
        self.depth = depth


def _root(text: str):
    """The page's tree. Parsed without libxml2's depth cap (which drops what lies deeper in
    silence) and refused (TooDeep) when it is deeper than MAX_DEPTH."""
    import lxml.html

    parser = lxml.html.HTMLParser(
        recover=True, no_network=True, remove_comments=True, huge_tree=True
    )
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)  # lxml refuses a str with an encoding prologue
    root = lxml.html.document_fromstring(text or "<html></html>", parser=parser)
    depth = _depth(root)
    if depth > MAX_DEPTH:
        raise TooDeep(depth)
    return root


def _depth(root) -> int:
    """How deep the tree's elements nest, walked without recursion."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def page_items(text: str) -> list[Item]:
    """The page's body as items, in document order (a truncated page: what it holds)."""
    if not text.strip():
        return []
    root = _root(text)
    body = root.find("body")
    items: list[Item] = []
    css = " ".join(style.text or "" for style in root.iter("style"))
    _walk(body if body is not None else root, items, _bordered_selectors(css))
    return items


_CSS_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")
_BORDER_DECL = re.compile(r"(?:^|;|\s)border(?:-(?:top|bottom|left|right))?\s*:\s*([^;]+)", re.I)


def _draws_border(declarations: str) -> bool:
    """Do these CSS declarations draw a border on some side?"""
    return any(
        not value.strip().lower().startswith(("none", "0 ", "0;", "hidden"))
        and value.strip() != "0"
        for value in _BORDER_DECL.findall(declarations or "")
    )


def _bordered_selectors(css: str) -> frozenset[str]:
    """Class names (`.xl65`) and the element names `td`/`th` that the page's CSS gives a
    border (Excel's saved pages style each cell by class)."""
    found = set()
    for selectors, declarations in _CSS_RULE.findall(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        if not _draws_border(declarations):
            continue
        for selector in selectors.split(","):
            last = selector.strip().split()[-1] if selector.strip() else ""
            if last.startswith(".") or last.lower() in ("td", "th"):
                found.add(last.lower())
    return frozenset(found)


def _cell_bordered(td, table_border: bool, bordered: frozenset[str]) -> bool:
    if table_border or _draws_border(td.get("style", "")):
        return True
    classes = {f".{c.lower()}" for c in (td.get("class") or "").split()}
    return bool(classes & bordered) or _tag(td) in bordered


def _tag(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return ""
    return tag.rsplit("}", 1)[-1].lower()  # Office's o:p, v:shape stay prefixed: inline


def _hidden(element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or element.get("hidden") is not None


def _holds_text(element) -> bool:
    return any(text.strip() for text in element.itertext())


def _walk(element, items: list[Item], bordered: frozenset[str] = frozenset()) -> None:
    """Append the items of `element`'s content (not its tail)."""
    if element.text:
        items.append(Text(element.text))
    for child in element:
        tag = _tag(child)
        if tag and tag not in _SKIPPED and not _hidden(child):
            if tag == "table":
                items.append(_table(child, bordered))
            elif tag == "br":
                items.append(Break())
            elif tag in _BLOCKS or tag in ("tr", "td", "th"):
                items.append(Edge())
                _walk(child, items, bordered)
                items.append(Edge())
            else:
                _walk(child, items, bordered)
        if child.tail:
            items.append(Text(child.tail))


def _span(element, name: str) -> int:
    try:
        value = int(str(element.get(name, "1")).strip().rstrip(";") or 1)
    except ValueError:
        return 1
    return min(max(value, 1), MAX_SPAN)


def _rows(table):
    """The table's own rows (not a nested table's), through thead/tbody/tfoot."""
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            yield child
        elif tag in ("thead", "tbody", "tfoot"):
            yield from (row for row in child if _tag(row) == "tr")


def _table(table, bordered: frozenset[str]) -> TableItem:
    out = TableItem()
    attribute = (table.get("border") or "").strip()
    table_border = attribute not in ("", "0") or (table.get("rules") or "").lower() in (
        "all",
        "rows",
        "cols",
    )
    for caption in (child for child in table if _tag(child) == "caption"):
        _walk(caption, out.caption, bordered)
        out.caption.append(Edge())
    for tr in _rows(table):
        if _hidden(tr):
            out.hidden_rows += _holds_text(tr)
            continue
        row: list[CellItem] = []
        for td in tr:
            if _tag(td) not in ("td", "th"):
                continue
            if _hidden(td):
                out.hidden_cells += _holds_text(td)
                continue
            items: list[Item] = []
            _walk(td, items, bordered)
            frame = _cell_bordered(td, table_border, bordered)
            row.append(CellItem(items, _span(td, "rowspan"), _span(td, "colspan"), frame))
        out.rows.append(row)
    return out


def sheet_links(text: str) -> list[str]:
    """The sheet pages an Excel workbook saved as HTML links to (`<link id="shLink">`, in
    workbook order); [] for any other page."""
    return [
        el.get("href", "")
        for el in _root(text).iter("link")
        if (el.get("id") or "").lower() == "shlink" and el.get("href")
    ]


def excel_sheet_names(text: str) -> list[str]:
    """Sheet names from the `<x:ExcelWorksheet><x:Name>` block Excel writes into its main page."""
    return re.findall(r"<x:Name>([^<]*)</x:Name>", text)


def mht_parts(data: bytes) -> list[tuple[str, str]]:
    """The text/html parts of a MIME web archive (.mht), in order, as (location, text)."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    parts = []
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset()
        if charset and charset.lower() in _CHINESE:
            charset = "gb18030"
        try:
            text = payload.decode(charset, errors="replace") if charset else decode_page(payload)
        except LookupError:
            text = decode_page(payload)
        parts.append((part.get("Content-Location", "") or "", text))
    return parts
