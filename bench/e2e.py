"""End to end on a generated 3-minute song with lyrics, the embedded default, warm cache.

    .venv/bin/python bench/e2e.py [--song long|demo] [--keep DIR]

Warm cache: the venv is built and the GGUF converted before the clock starts (the model is loaded
inside the run, as a user's run loads it). Prints seconds per stage (as the flow reports them
to its progress display), model tokens per second, wall / song duration, peak RSS, then a second run of the same
song with every stage cached. Baseline for the ratio: the song's own duration.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run_served(wav: Path, lrc: Path, title: str, root: Path) -> tuple[float, str]:
    """The same song, new outputs and results, through llama.cpp's server on the same GGUF."""
    import backends
    from backends.gguf import resolve_gguf
    from flows.song import make_video
    from schemas import ScenePlan, ShotList, SongAnalysis
    from songflow.core.config import cache_dir
    from songflow.core.store import SongOutputs
    from songflow.words.wordcheck import check_words
    from tests.llama_server import llama_server

    gguf = resolve_gguf("embedded", cache_dir())[0]
    template = Path(backends.__file__).parent / "templates" / "gemma3.jinja"
    with llama_server(gguf, template, root / "llama.log", alias="gemma-3-270m") as url:
        started = time.perf_counter()
        make_video(audio=wav, lyrics=lrc, title=title + " (served)", outputs=root / "served", model=f"openai:{url}#gemma-3-270m")
        seconds = time.perf_counter() - started
    out = SongOutputs.for_song(root / "served", title + " (served)")
    words = check_words(out.load("analysis", SongAnalysis), out.load("scenes", ScenePlan), out.load("shots", ShotList))
    return seconds, "PASS" if words.passed else "FAIL " + "; ".join(words.failures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--song", choices=["long", "demo"], default="long")
    parser.add_argument("--keep", type=Path, help="write outputs here (default: a temp dir)")
    parser.add_argument("--no-server", action="store_true", help="skip the same song through a llama.cpp server (openai:)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="songflow-e2e-"))
    outputs = args.keep or root / "outputs"
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(root / "storage")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    import backends  # noqa: F401  (imports before the clock, as a warm process has them)
    from backends.gguf import converted_folder, resolve_gguf
    from flows.running import MODELS
    from flows.song import make_video
    from songflow.listening import synth
    from songflow.core.config import DEFAULT_MODEL, cache_dir
    from songflow.words.wordcheck import check_words

    converted_folder(*resolve_gguf("embedded", cache_dir()), cache_dir())  # warm cache: converted once
    spec = synth.long_spec() if args.song == "long" else synth.DEMO
    wav, lrc, truth = synth.write_song(spec, root / "song")

    from flows import progress

    class StageClock(progress.Progress):
        """Seconds per stage, as the flow reports them to the progress display."""

        def __init__(self) -> None:
            self.began: dict[str, float] = {}
            self.seconds: dict[str, float] = {}

        def start(self, stage: str, total: int | None = None) -> None:
            self.began[stage] = time.perf_counter()

        def finish(self, stage: str, figure: str = "") -> None:
            self.seconds[stage] = time.perf_counter() - self.began.pop(stage)

    clock = StageClock()
    progress.use(clock)
    with prefect_test_harness(server_startup_timeout=120):
        started = time.perf_counter()
        state = make_video(audio=wav, lyrics=lrc, title=spec.title, outputs=outputs, return_state=True)
        wall = time.perf_counter() - started
        assert state.is_completed(), state.message
        stages = dict(clock.seconds)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # the run's own peak
        progress.use(progress.Progress())
        model = MODELS._models[DEFAULT_MODEL]
        started = time.perf_counter()
        make_video(audio=wav, lyrics=lrc, title=spec.title, outputs=outputs)
        rerun = time.perf_counter() - started
        served = None
        if not args.no_server:
            served = run_served(wav, lrc, spec.title, root)

    from schemas import QAReport, ScenePlan, ShotList, SongAnalysis
    from songflow.core.store import SongOutputs

    out = SongOutputs.for_song(outputs, spec.title)
    analysis, plan, shots = out.load("analysis", SongAnalysis), out.load("scenes", ScenePlan), out.load("shots", ShotList)
    qa = out.load("qa", QAReport)
    words = check_words(analysis, plan, shots)
    attempts = sum(len(s.attempts) for s in qa.shots)
    stats = model.stats
    tokens = stats["prompt_tokens"] + stats["new_tokens"]
    print(f"song: {spec.title}, {truth.duration:.1f} s, {len(shots.shots)} shots, {len(plan.scenes)} scenes")
    for name, seconds in stages.items():
        print(f"  {name:10s} {seconds:7.1f} s" + ("  (render runs in a worker thread alongside qa)" if name == "render" else ""))
    print(f"model: load {model.load_seconds:.1f} s; {tokens} tokens ({stats['prompt_tokens']} prompt, {stats['new_tokens']} scored/new) "
          f"in {stats['seconds']:.1f} s = {tokens / max(stats['seconds'], 1e-9):.0f} tokens/s")
    print(f"QA: {attempts / len(qa.shots):.2f} attempts per shot, {sum(s.passed for s in qa.shots)}/{len(qa.shots)} accepted, rejections {qa.rejections}")
    print(f"words: {'PASS' if words.passed else 'FAIL ' + '; '.join(words.failures)}")
    print(f"wall {wall:.1f} s; ratio wall / song = {wall / truth.duration:.2f}; peak RSS {rss:.2f} GiB; fully cached rerun {rerun:.1f} s")
    if served is not None:
        seconds, words_ok = served
        print(f"same song through a llama.cpp server (openai:, xllamacpp, 2 threads): wall {seconds:.1f} s, "
              f"ratio to in process {seconds / wall:.2f}; words: {words_ok}")


if __name__ == "__main__":
    main()
