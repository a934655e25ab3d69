"""The terminal progress: plain lines when not a terminal, written from inside a flow run."""

from __future__ import annotations

import io

from prefect import flow

from flows import progress as hook
from songflow.command import progress


@flow(log_prints=True)  # as the song flow: prints inside it become log records
def _stages() -> None:
    show = hook.current()
    show.start("render", total=2)
    show.advance("render")
    show.advance("render")
    show.finish("render", "2 keyframes")


def test_plain_progress_lines_reach_the_stream_from_a_flow(prefect_api):
    stream = io.StringIO()
    previous = hook.use(progress.for_stream(stream))
    try:
        _stages()
    finally:
        hook.use(previous)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("songflow: render") and lines[0].endswith("2 keyframes"), lines


def test_rich_progress_shows_count_and_figure():
    from rich.console import Console

    show = progress.RichProgress(Console(file=io.StringIO(), width=120, force_terminal=False))
    show.start("qa", total=4)
    show.advance("qa", 4)
    show.finish("qa", "4/4 keyframes accepted")
    show.close()
    text = show.live.console.file.getvalue()
    assert "4/4" in text and "keyframes accepted" in text
