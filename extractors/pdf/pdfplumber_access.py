"""pdfplumber's side of a PDF (the reference reader): a page's characters, lines, rectangles,
curves and images as the neutral page of page.py. pdfplumber's pages and object dicts
never leave this module.

A character keeps pdfminer's advance for x0/x1; vertically it is the em square on its baseline
(the text matrix's origin), as pdfium_access.py gives it, so both readers place text alike
whatever a font's descriptor says its descent is.
"""

from __future__ import annotations

from extractors.pdf.page import WHITE, Char, PageContent, Piece, shades_marked

NO_UNICODE = "\ufffd"


def page_content(page, number: int) -> PageContent:
    """One pdfplumber page as its characters, path pieces and image presence."""
    return PageContent(
        number=number,
        width=float(page.width),
        height=float(page.height),
        chars=tuple(_char(ch) for ch in page.chars),
        pieces=tuple(_pieces(page)),
        has_images=bool(page.images),
    )


def _char(ch: dict) -> Char:
    # a glyph with no Unicode is "(cid:N)" to pdfminer, U+FFFD here as from PDFium
    text = NO_UNICODE if ch["text"].startswith("(cid:") else ch["text"]
    if not ch.get("upright", True):
        return Char(text, ch["x0"], ch["x1"], ch["top"], ch["bottom"], ch["size"], False)
    # the baseline: the origin's y, from the top (pdfminer's y0 sits a descent below it)
    baseline = ch["bottom"] + ch["y0"] - ch["matrix"][5]
    return Char(text, ch["x0"], ch["x1"], baseline - ch["size"], baseline, ch["size"])


def _pieces(page) -> list[Piece]:
    pieces = [Piece("line", tuple(line["pts"][:2])) for line in page.lines]
    for r in page.rects:
        rect = [Piece("rect", ((r["x0"], r["top"]), (r["x1"], r["bottom"])))]
        pieces += shades_marked(rect, _coloured_fill(r))
    pieces += [Piece("curve", tuple(c["pts"])) for c in page.curves]
    return pieces


def _coloured_fill(obj: dict) -> bool:
    """Is the path filled, not stroked, in a colour darker than the paper's white? (A grey
    level or RGB below WHITE in some channel, CMYK with some ink; a pattern is no shade.)"""
    if not obj.get("fill") or obj.get("stroke"):
        return False
    colour = obj.get("non_stroking_color")
    if colour is None:
        return True  # the default fill: black
    if isinstance(colour, int | float):
        colour = (colour,)
    if not isinstance(colour, tuple | list) or not all(isinstance(c, int | float) for c in colour):
        return False
    if len(colour) == 4:
        return any(c > 1 - WHITE for c in colour)
    return any(c < WHITE for c in colour)


def page_tree(path) -> tuple[int | None, int, bool, list[int], list[int]]:
    """(the pages the tree's root declares in /Count, the page leaves found walking its /Kids,
    whether a node is reached twice (a loop), the numbers of the pages whose /Contents cannot be
    found in the file, as a wrong cross-reference offset leaves them, and of those whose content
    does not unpack whole, its compressed data damaged). Only the tree's dictionaries and the
    pages' content streams are read, no fonts or images. Raises what pdfminer raises for a file
    it cannot open."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFObjRef, resolve1

    with open(path, "rb") as handle:
        document = PDFDocument(PDFParser(handle))
        root_ref = document.catalog.get("Pages")
        root = resolve1(root_ref)
        declared = resolve1(root.get("Count")) if isinstance(root, dict) else None
        seen: set[int] = set()
        found, loop, lost, damaged = 0, False, [], []
        stack = [root_ref]
        while stack:
            ref = stack.pop()
            if isinstance(ref, PDFObjRef):
                if ref.objid in seen:
                    loop = True
                    continue
                seen.add(ref.objid)
            node = resolve1(ref)
            if not isinstance(node, dict):
                continue
            kids = resolve1(node.get("Kids"))
            if isinstance(kids, list):
                stack.extend(reversed(kids))  # in document order
            elif getattr(resolve1(node.get("Type")), "name", None) != "Pages":
                found += 1
                if not _contents_found(node):
                    lost.append(found)
                elif not _contents_unpack(node):
                    damaged.append(found)
    return (declared if isinstance(declared, int) else None), found, loop, lost, damaged


def _contents_unpack(page: dict) -> bool:
    """Does every Flate-compressed content stream of the page inflate to its end? A damaged
    one gives PDFium and pdfminer alike only what comes before the damage, in silence."""
    import zlib

    from pdfminer.pdftypes import PDFStream, resolve1

    contents = resolve1(page.get("Contents"))
    for part in contents if isinstance(contents, list) else [contents]:
        stream = resolve1(part)
        if not isinstance(stream, PDFStream):
            continue
        filters = resolve1(stream.attrs.get("Filter"))
        first = resolve1(filters[0]) if isinstance(filters, list) and filters else filters
        if getattr(first, "name", None) != "FlateDecode":
            continue
        data = stream.rawdata or b""
        if stream.decipher is not None:  # an encrypted file (an owner password): decrypt first
            data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
        inflate = zlib.decompressobj()
        try:
            inflate.decompress(data)
        except zlib.error:
            return False
        if not inflate.eof:
            return False
    return True


def _contents_found(page: dict) -> bool:
    """Is every content stream the page names in the file (none named is a blank page)? A
    reference pdfminer cannot find would otherwise read as no content at all."""
    from pdfminer.pdftypes import PDFObjRef, PDFStream

    def found(ref: object) -> bool:
        if not isinstance(ref, PDFObjRef):
            return ref is None or isinstance(ref, PDFStream | list)
        try:
            target = ref.doc.getobj(ref.objid)
        except Exception:  # the cross-reference points wrong: not found
            return False
        if isinstance(target, list):
            return all(found(part) for part in target)
        return isinstance(target, PDFStream)

    contents = page.get("Contents")
    if isinstance(contents, list):
        return all(found(part) for part in contents)
    return found(contents)
