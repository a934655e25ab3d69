"""One line for a run that fails with a songflow error, not Prefect's records of it as well.

When a stage raises a SongflowError (a full disk, a model that keeps failing validation, ...), the
`songflow` command prints it as one line (`songflow: error: ...`). Prefect logs the same failure to
the console first, once per failed task and once for the flow, with tracebacks, and warns that the
exception could not be persisted as a result: dozens of lines that bury the one that matters.
`hide_reported_failures()` drops those records from the console handlers only; Prefect's API log
handler (the UI's run logs) is not touched, nor is any record about another exception (a bug keeps
its traceback), nor anything when the command runs with -v.
"""

from __future__ import annotations

import logging

from songflow.core.errors import SongflowError

RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs")


def _names(cls: type = SongflowError) -> set[str]:
    names = {cls.__name__}
    for sub in cls.__subclasses__():
        names |= _names(sub)
    return names


def is_reported_failure(record: logging.LogRecord) -> bool:
    """A Prefect task- or flow-run record about a SongflowError (its exception, or its message
    naming one: "Finished in state Failed('... DiskFull: ...')", "object of type 'DiskFull'")."""
    if not record.name.startswith(RUN_LOGGERS) or record.levelno < logging.WARNING:
        return False
    if record.exc_info and isinstance(record.exc_info[1], SongflowError):
        return True
    message = record.getMessage()
    return any(f"{name}(" in message or f"{name}: " in message or f"'{name}'" in message for name in _names())


class HideReportedFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not is_reported_failure(record)


def hide_reported_failures(logger: logging.Logger | None = None) -> None:
    """Add the filter to the console handlers of the root logger (or `logger`); idempotent."""
    for handler in (logger or logging.getLogger()).handlers:
        if isinstance(handler, logging.StreamHandler) and not any(isinstance(f, HideReportedFailures) for f in handler.filters):
            handler.addFilter(HideReportedFailures())
