"""Budget-performance self-evaluation forms (Word, PDF) to validated long-format Parquet."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("selfeval")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
