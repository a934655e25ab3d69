"""One line for a run that fails with a songflow error, not Prefect's records of it as well.

When a stage raises a SongflowError (a full disk, a model that keeps failing validation, ...), the
`songflow` command prints it as one line (`songflow: error: ...`). Prefect logs the same failure to
the console first, once per failed task and once for the flow, with tracebacks, and warns that the
exception could not be persisted as a result: dozens of lines that bury the one that matters.
`hide_reported_failures()` drops those records from the console handlers only; Prefect's API log
handler (the UI's run logs) is not touched, nor is any record about another exception (a bug keeps
its traceback), nor anything when the command runs with -v.

When the Prefect API stops answering in the middle of a run (restarted for an upgrade), Prefect's
event client warns that it cannot connect and logs each event it could not send, a 2,000-character
record apiece; it sends them again once the API is back. `ApiOutage` says that once, in one line.
"""

from __future__ import annotations

import logging
import sys

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


def is_api_outage(record: logging.LogRecord) -> bool:
    """Prefect's event client failing to reach the API: its warning, or an event it could not send."""
    message = record.getMessage() if record.name.startswith(("prefect.events", "prefect._internal")) else ""
    return message.startswith("Unable to connect to") or "'EventsWorker' failed to process item" in message


class ApiOutage(logging.Filter):
    """Prefect's records of an API that stopped answering, as one line the first time."""

    said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not is_api_outage(record):
            return True
        if not ApiOutage.said:
            ApiOutage.said = True
            print("songflow: the Prefect API stopped answering; the run goes on, and Prefect sends its records again when the API is back",
                  file=sys.stderr, flush=True)
        return False


def hide_reported_failures(logger: logging.Logger | None = None) -> None:
    """Add the filters to the console handlers of the root logger (or `logger`) and of Prefect's
    internal logger (it does not propagate); idempotent."""
    loggers = [logger] if logger else [logging.getLogger(), logging.getLogger("prefect._internal")]
    for handler in (h for one in loggers for h in one.handlers):
        if isinstance(handler, logging.StreamHandler):
            for kind in (HideReportedFailures, ApiOutage):
                if not any(isinstance(f, kind) for f in handler.filters):
                    handler.addFilter(kind())
