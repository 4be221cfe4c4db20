"""OUT/debug.log: what the libraries said, for whoever looks into a file that failed.

The documents table's messages are in a clerk's words; the library text behind them (a parser's
complaint, a traceback of the pipeline's own fault) goes here instead, at DEBUG level, from the
run's process and from the workers it forks (each appends its own lines).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

DEBUG_LOG = "debug.log"
LOGGERS = ("extractors", "pipeline")


@contextlib.contextmanager
def debug_log(out_dir: Path) -> Iterator[None]:
    """Append the pipeline's debug messages to OUT/debug.log for the length of a run (nothing
    when OUT cannot take the file: the run says that itself)."""
    try:
        handler = logging.FileHandler(out_dir / DEBUG_LOG, encoding="utf-8", delay=True)
    except OSError:
        yield
        return
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    )
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        handler.close()
