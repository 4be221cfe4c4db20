"""OCR of scanned pages: `page` (a page into table parts and text lines), `flat` (the page
set flat, its turns kept for the seal layer), `ruling` (render, deskew, ruled grid), `crops`
(text rows and crops), `recognise` (the recogniser)."""

from extractors.scan.page import needs_ocr, scan_page

__all__ = ["needs_ocr", "scan_page"]
