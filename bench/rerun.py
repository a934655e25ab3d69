"""Rerun after a stage-3 failure vs. a full run, on the demo song with the embedded model.

    .venv/bin/python bench/rerun.py

Baseline: a full run from nothing (fresh outputs folder and result storage). Then, in a second
outputs folder, a run whose stage 3 fails (the real model wrapped so that its first shot-prompt
call raises), and a rerun with the real model: stages 1-2 come from Prefect's persisted results.
Prints the times and the ratio rerun / full, and how many model calls each run made per schema.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class Counting:
    """Wraps a model: counts calls per schema title; optionally fails the first shot-prompt call."""

    def __init__(self, inner, fail_shots: bool = False):
        self.inner, self.fail_shots, self.calls = inner, fail_shots, Counter()
        self.id, self.supports_schema = inner.id, inner.supports_schema
        self.supports_images, self.supports_audio = inner.supports_images, inner.supports_audio

    def __getattr__(self, name):  # wording, likelihood scoring, stats: the wrapped model's
        return getattr(self.inner, name)

    def score_options(self, prompt, options, **kwargs):
        self.calls["choice"] += 1
        if self.fail_shots and "shot list" in prompt:
            raise RuntimeError("injected stage-3 failure")
        return self.inner.score_options(prompt, options, **kwargs)

    def generate(self, messages, **kwargs):
        title = (kwargs.get("schema") or {}).get("title", "?")
        self.calls[title] += 1
        if self.fail_shots and title == "ShotPromptBatch":
            raise RuntimeError("injected stage-3 failure")
        return self.inner.generate(messages, **kwargs)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="songflow-bench-"))
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(root / "storage")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    import backends
    from flows.running import MODELS
    from flows.song import make_video
    from songflow.listening import synth
    from songflow.core.config import ModelConfig

    wav, lrc, _ = synth.write_song(synth.DEMO, root / "song")
    real = backends.load_model(ModelConfig())

    def run(outputs: Path, model, title: str) -> float:
        MODELS.put(model)
        started = time.perf_counter()
        try:
            make_video(audio=wav, lyrics=lrc, title=title, outputs=outputs)
        except RuntimeError as exc:
            print(f"  (run failed as intended: {exc})")
        return time.perf_counter() - started

    with prefect_test_harness(server_startup_timeout=120):
        full_model = Counting(real)
        # Results are keyed by content, not by folder: the second song gets another title (a flow
        # parameter that stage 1 reads) so that none of the baseline's results apply to it.
        full = run(root / "a", full_model, "Neon Tide")
        failing = Counting(real, fail_shots=True)
        failed = run(root / "b", failing, "Neon Tide B")
        rerun_model = Counting(real)
        rerun = run(root / "b", rerun_model, "Neon Tide B")
        noop_model = Counting(real)
        noop = run(root / "b", noop_model, "Neon Tide B")

    print(f"full run (baseline)        {full:7.1f} s   model calls {dict(full_model.calls)}")
    print(f"run failing in stage 3     {failed:7.1f} s   model calls {dict(failing.calls)}")
    print(f"rerun after the failure    {rerun:7.1f} s   model calls {dict(rerun_model.calls)}")
    print(f"rerun with nothing to do   {noop:7.1f} s   model calls {dict(noop_model.calls)}")
    print(f"ratio rerun / full: {rerun / full:.2f}; ratio no-op rerun / full: {noop / full:.3f}")


if __name__ == "__main__":
    main()
