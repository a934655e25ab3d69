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
