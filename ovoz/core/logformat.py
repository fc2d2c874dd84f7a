"""Log lines as JSON, one object per line (OVOZ_LOG_FORMAT=json, the production default).

Each line holds the time, level, logger, message and, for a record with an exception, the traceback
with its frames and exception classes but never their messages (``exception_text_withheld``). Nothing
else a record carries is written: Django's request logger attaches the whole request (its headers
hold the client's address and user agent), and libraries may attach what they were working on. The
one extra kept is ``status_code``, a number.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from ovoz.core.logfilters import exception_text_withheld


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"[, "status", "exception", "stack"]}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status"] = status
        if record.exc_info and record.exc_info[1] is not None:
            # Withheld here too, not only by the handler's filter: a formatter used elsewhere stays safe.
            entry["exception"] = exception_text_withheld(record.exc_info[1])
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)
