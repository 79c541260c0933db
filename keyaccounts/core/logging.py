"""Structured logs: one JSON object a line, carrying the request id and any ids passed in `extra`."""

import json
import logging
from contextvars import ContextVar
from http import HTTPStatus

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Whatever the caller passed in `extra` (order_id, process_id, ...) goes out as its own key.
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and v not in ("", None)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RefusalFilter(logging.Filter):
    """A refused request (4xx) in one line, without a traceback: method, path, status, user id and reason.

    Django logs a refusal once its response is made: on `django.request` (a 403 with its exception's traceback)
    or, for a SuspiciousOperation's 400, on `django.security.<its class>`. The reason is the one `access.deny` left
    on the request, else the exception's text. Set on the `django.request` logger, so that every handler sees the
    one line, and on the handlers, which alone see the records of the `django.security.*` loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        status = getattr(record, "status_code", None)
        if getattr(record, "refused", False) or request is None or not isinstance(status, int):
            return True
        if not 400 <= status < 500:
            return True
        request = getattr(request, "_request", request)  # DRF's Request wraps Django's
        exception = record.exc_info[1] if record.exc_info else None
        app_reason = getattr(request, "refusal_reason", "")
        user = getattr(request, "user", None)
        record.reason = app_reason or str(exception or "") or _reason_in(record, status)
        record.refused = True
        record.msg, record.args = ("access denied" if app_reason else "request refused"), ()
        record.exc_info = record.exc_text = None
        record.method, record.path = request.method, request.path
        record.user_id = user.pk if user is not None and user.is_authenticated else None
        record.request = None  # its text would only repeat the method and path
        return True


class UnhealthyFilter(logging.Filter):
    """/healthz answering 503 (a service not up yet, as while everything starts) is a warning in one line: the
    probe that asked acts on it, and nothing failed in the code."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        match = getattr(request, "resolver_match", None)
        if getattr(record, "status_code", None) == 503 and match is not None and match.url_name == "healthz":
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "not healthy", ()
            record.request = None
        return True


def _reason_in(record: logging.LogRecord, status: int) -> str:
    if record.name.startswith("django.security."):  # Django's own words, e.g. "Forbidden (CSRF token missing.)"
        return record.getMessage()
    return HTTPStatus(status).phrase
