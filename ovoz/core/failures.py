"""Failures retold without their text: a stable code and the original's class name, nothing else.

An exception's message often holds what it was working on: ``SMTPRecipientsRefused`` names the
refused address, an ``httpx`` error carries the URL (with a Telegram bot's token in it), a database
error repeats the values of the row. Task backends store a failed task's traceback in their result
(``django_tasks_database_dbtaskresult.traceback``, RQ's failed-job registry) and loggers print it, so
Ovoz's tasks never let such an exception out: ``without_exception_text`` turns it into a
``SanitisedFailure`` raised afresh, with no link to the original (no ``__cause__``, no
``__context__``), whose traceback names only code locations, the code and the class name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class SanitisedFailure(Exception):
    """A failure told by a code and the original exception's class name; never the original's text."""

    def __init__(self, code: str, *, kind: str = "", is_retryable: bool = False) -> None:
        self.code = code
        self.kind = kind
        self.is_retryable = is_retryable
        super().__init__(f"{code} ({kind})" if kind else code)


def failure_kind(error: BaseException) -> str:
    """The class name of ``error`` (``SMTPRecipientsRefused``), safe to store and log."""
    return type(error).__name__


def without_exception_text(code: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a task so that any exception leaving it becomes ``SanitisedFailure(code)``.

    The new exception is raised outside the ``except`` block, so Python links no context to it and no
    formatter can print the original's message.
    """

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            failure: SanitisedFailure
            try:
                return function(*args, **kwargs)
            except SanitisedFailure as error:
                failure = SanitisedFailure(error.code, kind=error.kind, is_retryable=error.is_retryable)
            except Exception as error:
                failure = SanitisedFailure(code, kind=failure_kind(error))
            raise failure

        return wrapper

    return decorate
