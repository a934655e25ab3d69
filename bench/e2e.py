"""End to end on a generated 3-minute song with lyrics, the embedded default, warm cache.

    .venv/bin/python bench/e2e.py [--song long|demo] [--keep DIR]

Warm cache: the venv is built and the GGUF converted before the clock starts (the model is loaded
inside the run, as a user's run loads it). Prints seconds per stage (Prefect task runs, summed by
stage), model tokens per second, wall / song duration, peak RSS, then a second run of the same
song with every stage cached. Baseline for the ratio: the song's own duration.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def stage_seconds(flow_run_id) -> dict[str, float]:
    """Seconds per task name (render-shot-3 counts as render), from the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            return await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])), limit=200)

    totals: dict[str, float] = defaultdict(float)
    for run in asyncio.run(read()):
        name = run.name.split("-shot-")[0] if "-shot-" in run.name else run.name.rsplit("-", 1)[0]
        totals[name] += run.total_run_time.total_seconds()
    return dict(totals)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--song", choices=["long", "demo"], default="long")
    parser.add_argument("--keep", type=Path, help="write outputs here (default: a temp dir)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="songflow-e2e-"))
    outputs = args.keep or root / "outputs"
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(root / "storage")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    import backends  # noqa: F401  (imports before the clock, as a warm process has them)
    from backends.gguf import converted_folder, resolve_gguf
    from flows.song import MODELS, make_video
    from songflow import synth
    from songflow.config import DEFAULT_MODEL, cache_dir
    from songflow.wordcheck import check_words

    converted_folder(*resolve_gguf("embedded", cache_dir()), cache_dir())  # warm cache: converted once
    spec = synth.long_spec() if args.song == "long" else synth.DEMO
    wav, lrc, truth = synth.write_song(spec, root / "song")

    with prefect_test_harness(server_startup_timeout=120):
        started = time.perf_counter()
        state = make_video(audio=wav, lyrics=lrc, title=spec.title, outputs=outputs, return_state=True)
        wall = time.perf_counter() - started
        assert state.is_completed(), state.message
        stages = stage_seconds(state.state_details.flow_run_id)
        model = MODELS._models[DEFAULT_MODEL]
        started = time.perf_counter()
        make_video(audio=wav, lyrics=lrc, title=spec.title, outputs=outputs)
        rerun = time.perf_counter() - started

    from schemas import QAReport, ScenePlan, ShotList, SongAnalysis
    from songflow.store import SongOutputs

    out = SongOutputs.for_song(outputs, spec.title)
    analysis, plan, shots = out.load("analysis", SongAnalysis), out.load("scenes", ScenePlan), out.load("shots", ShotList)
    qa = out.load("qa", QAReport)
    words = check_words(analysis, plan, shots)
    attempts = sum(len(s.attempts) for s in qa.shots)
    stats = model.stats
    tokens = stats["prompt_tokens"] + stats["new_tokens"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"song: {spec.title}, {truth.duration:.1f} s, {len(shots.shots)} shots, {len(plan.scenes)} scenes")
    for name, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {name:14s} {seconds:7.1f} s")
    print(f"model: load {model.load_seconds:.1f} s; {tokens} tokens ({stats['prompt_tokens']} prompt, {stats['new_tokens']} scored/new) "
          f"in {stats['seconds']:.1f} s = {tokens / max(stats['seconds'], 1e-9):.0f} tokens/s")
    print(f"QA: {attempts / len(qa.shots):.2f} attempts per shot, {sum(s.passed for s in qa.shots)}/{len(qa.shots)} accepted, rejections {qa.rejections}")
    print(f"words: {'PASS' if words.passed else 'FAIL ' + '; '.join(words.failures)}")
    print(f"wall {wall:.1f} s; ratio wall / song = {wall / truth.duration:.2f}; peak RSS {rss:.2f} GiB; fully cached rerun {rerun:.1f} s")


if __name__ == "__main__":
    main()
