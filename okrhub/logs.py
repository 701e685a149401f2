"""Structured log lines: ``event=<name> key=value …``.

Workers and the health check log one line per event with fields a log shipper
can parse without a custom grammar (logfmt). Values with spaces, quotes or
``=`` are quoted.
"""

import logging
from typing import Any


def _value(value: Any) -> str:
    text = "" if value is None else str(value)
    if text == "" or any(c in text for c in ' "=\n\t'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def logfmt(event: str, **fields: Any) -> str:
    return " ".join([f"event={_value(event)}", *(f"{key}={_value(value)}" for key, value in fields.items())])


def log_event(logger: logging.Logger, event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    if logger.isEnabledFor(level):
        logger.log(level, logfmt(event, **fields))
