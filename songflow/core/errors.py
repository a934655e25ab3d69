"""The two kinds of error songflow raises: bad usage/input, and bad model behaviour."""

from __future__ import annotations


class SongflowError(Exception):
    """Base class; its message is one line meant for the user."""


class InputError(SongflowError):
    """A usage or input problem found before any stage runs (missing file, unknown model, ...)."""


class ModelOutputError(SongflowError):
    """The model kept producing output that fails validation; keeps every raw reply as evidence."""

    def __init__(self, what: str, attempts: list[tuple[str, str]]):
        self.what = what
        self.attempts = attempts  # (raw text, validation error) per attempt
        last_error = attempts[-1][1].splitlines()[0] if attempts else "no output"
        super().__init__(
            f"{what}: model output failed validation after {len(attempts)} attempt(s); "
            f"last error: {last_error}"
        )

    @property
    def raw_outputs(self) -> list[str]:
        return [raw for raw, _ in self.attempts]


class DiskFull(SongflowError):
    """A write failed for want of space: the disk is full, the user's quota is used up, or a file
    outgrew the size limit (ENOSPC, EDQUOT, EFBIG). Names the folder; atomic writes leave nothing
    half-written and the earlier outputs as they were."""

    def __init__(self, path, errno_: int):
        import errno
        import os
        from pathlib import Path

        self.path = Path(path)
        self.errno = errno_
        advice = {
            errno.EDQUOT: "free some of your disk quota (or write elsewhere, e.g. --outputs) and run again",
            errno.EFBIG: "raise the file size limit (ulimit -f) and run again",
        }.get(errno_, "free some space there (or write elsewhere, e.g. --outputs) and run again")
        super().__init__(f"{os.strerror(errno_).lower()} in {self.path.parent} (writing {self.path.name}): nothing was half-written, earlier files are as they were; {advice}")
