"""The one base error for files that cannot be read, with a stable code for the documents table."""

from __future__ import annotations


class ExtractionError(Exception):
    """A file could not be read. `code` is a stable slug; the message is for a clerk."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
