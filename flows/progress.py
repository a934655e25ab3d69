"""The flow's progress hook: the flow reports each stage to the current `Progress`.

`start` a stage (with a total for per-shot stages), `advance` it, `finish` it with its figure. The
base class ignores them; the `songflow` command puts its terminal display here with `use`.
"""

from __future__ import annotations


class Progress:
    """Receives the flow's stage events; this base class ignores them."""

    def start(self, stage: str, total: int | None = None) -> None: ...

    def advance(self, stage: str, n: int = 1) -> None: ...

    def finish(self, stage: str, figure: str = "") -> None: ...

    def close(self) -> None: ...


_current: Progress = Progress()


def current() -> Progress:
    return _current


def use(progress: Progress) -> Progress:
    """Make `progress` the one the flow reports to; returns the one it replaces."""
    global _current
    previous, _current = _current, progress
    return previous
