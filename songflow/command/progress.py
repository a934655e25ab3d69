"""What `songflow run` shows while it works: one line per stage, a bar for the per-shot stages.

The flow reports to the current progress hook (flows/progress.py); the command puts one of these
there. On a terminal the display is rich's live progress (bar, count, ETA); otherwise one plain
line per finished stage.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from flows.progress import Progress


class PlainProgress(Progress):
    """One line per finished stage with its time and figure: for logs and pipes."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.started: dict[str, float] = {}

    def start(self, stage: str, total: int | None = None) -> None:
        self.started[stage] = time.perf_counter()

    def finish(self, stage: str, figure: str = "") -> None:
        seconds = time.perf_counter() - self.started.pop(stage, time.perf_counter())
        # Written to the stream, not print(): the flow logs prints (log_prints) and Prefect's log
        # level is WARNING without -v.
        self.stream.write(f"songflow: {stage:<10} done in {seconds:5.1f}s" + (f"  {figure}" if figure else "") + "\n")
        self.stream.flush()


class RichProgress(Progress):
    """rich's live display: a spinner per running stage, a bar with count and ETA for per-shot ones."""

    def __init__(self, console=None) -> None:
        from rich.console import Console
        from rich.table import Column
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.progress import Progress as Live

        fixed = dict(no_wrap=True)
        self.live = Live(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description:<9}", table_column=Column(width=9, **fixed)),
            BarColumn(bar_width=24),
            MofNCompleteColumn(table_column=Column(width=7, **fixed)),
            TimeElapsedColumn(table_column=Column(width=7, **fixed)),
            TextColumn("eta", table_column=Column(width=3, **fixed)),
            TimeRemainingColumn(table_column=Column(width=7, **fixed)),
            # The figure takes what is left of the line and ends in an ellipsis when longer.
            TextColumn("{task.fields[figure]}", table_column=Column(ratio=1, overflow="ellipsis", **fixed)),
            console=console or Console(stderr=True),
            expand=True,
            transient=False,
        )
        self.tasks: dict[str, int] = {}
        self.lock = threading.Lock()
        self.live.start()

    def start(self, stage: str, total: int | None = None) -> None:
        with self.lock:
            self.tasks[stage] = self.live.add_task(stage, total=total, figure="")

    def advance(self, stage: str, n: int = 1) -> None:
        with self.lock:
            if stage in self.tasks:
                self.live.advance(self.tasks[stage], n)

    def finish(self, stage: str, figure: str = "") -> None:
        with self.lock:
            if stage in self.tasks:
                task = self.tasks.pop(stage)
                total = self.live.tasks[[t.id for t in self.live.tasks].index(task)].total
                self.live.update(task, total=total or 1, completed=total or 1, figure=figure)

    def close(self) -> None:
        self.live.stop()


def for_stream(stream: TextIO) -> Progress:
    """A live display on a terminal, plain lines otherwise."""
    return RichProgress() if stream.isatty() else PlainProgress(stream)
