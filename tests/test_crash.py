"""Crash and resume: `songflow run` killed with SIGKILL inside each stage, then run again.

One chain on the real 270M and a real Prefect server: each run is killed inside the next stage
(tests/crash_runner.py names the points), the run after it must not redo what had finished (model
calls and stage entries counted), nothing in outputs/ may be half-written at any point, no child
process may outlive a killed run, and the last run completes with a video that probes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import av
import psutil
import pytest
from PIL import Image

from schemas.analysis import SongAnalysis
from schemas.qa import QAReport
from schemas.scenes import ScenePlan
from schemas.shots import ShotList
from schemas.timing import TimingReport
from songflow.core.store import LOCK, SongOutputs
from tests.conftest import SHORT_TITLE

RUNNER = Path(__file__).with_name("crash_runner.py")
# Kill points in stage order, and the stages each leaves finished (not to be redone by the next run).
CHAIN = [
    ("analyze:record", ()),  # its persisted result is cut off: a miss, so stage 1 runs again
    ("plan:model", ("analyze",)),
    ("shots:json", ("analyze", "plan", "shots")),  # the result was persisted; only shot_list.json was cut off
    ("render:png", ("analyze", "plan", "shots")),
    ("qa:shot", ("analyze", "plan", "shots")),
    ("assemble:ffmpeg", ("analyze", "plan", "shots", "render", "qa")),
]
MODELS = {"analysis": SongAnalysis, "scenes": ScenePlan, "shots": ShotList, "qa": QAReport, "timing": TimingReport}


def run(short_song, outputs: Path, storage: Path, url: str, log: Path, at: str = "") -> subprocess.CompletedProcess:
    wav, lrc, _ = short_song
    env = {
        **os.environ, "PREFECT_API_URL": url, "PREFECT_LOCAL_STORAGE_PATH": str(storage), "SONGFLOW_CRASH_LOG": str(log), "SONGFLOW_CRASH_AT": at,
    }
    cmd = [sys.executable, str(RUNNER), "run", str(wav), "--lyrics", str(lrc), "--title", SHORT_TITLE, "--preset", "fast", "--outputs", str(outputs)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=Path(__file__).parents[1])


def events(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def assert_whole(out: SongOutputs) -> None:
    """Every output that exists is whole: JSON validates, pictures decode, no temp file is visible."""
    for stage, model in MODELS.items():
        if out.path(stage).exists():
            model.model_validate_json(out.path(stage).read_text())
    for png in out.root.rglob("*.png"):
        if not png.name.startswith("."):
            with Image.open(png) as im:
                im.load()
    if out.video.exists():
        with av.open(str(out.video)) as f:
            assert f.duration > 0


def survivors(marker: str) -> list[str]:
    """Processes still alive whose command line names `marker` (the killed run's children)."""
    found = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if marker in cmd and p.pid != os.getpid():
            found.append(f"{p.pid}: {cmd[:120]}")
    return found


@pytest.mark.slow
def test_killed_in_every_stage_resumes_without_redoing_work(short_song, prefect_api, tmp_path):
    outputs, storage = tmp_path / "outputs", tmp_path / "storage"
    out = SongOutputs.for_song(outputs, SHORT_TITLE)
    finished_before: tuple[str, ...] = ()
    first_shot = first_judged = None
    record = []
    for i, (point, finished) in enumerate([*CHAIN, ("", CHAIN[-1][1])]):
        log = tmp_path / f"events-{i}.log"
        proc = run(short_song, outputs, storage, prefect_api["url"], log, point)
        seen = events(log)
        # What had finished before this run is not done again: no model call, no stage entry.
        for stage in finished_before:
            redone = [e for e in seen if e in (f"model {stage}", stage) or e.startswith(f"enter {stage}")]
            assert not redone, f"run {i} ({point or 'resume'}) redid {stage}: {redone[:3]}"
        if first_shot is not None and point in ("qa:shot", "assemble:ffmpeg", ""):
            assert f"enter render {first_shot}" not in seen, f"run {i} drew shot {first_shot} again"
        if first_judged is not None and point in ("assemble:ffmpeg", ""):
            assert f"enter qa {first_judged}" not in seen, f"run {i} judged shot {first_judged} again"
        record.append({"run": i, "killed at": point or "-", "rc": proc.returncode,
                       "model calls": {s: seen.count(f"model {s}") for s in ("analyze", "plan", "shots", "qa")},
                       "stage entries": sum(e.startswith("enter ") for e in seen)})
        if point:
            assert proc.returncode == -9, (point, proc.returncode, proc.stderr[-2000:])
            assert f"killed {point}" in seen
            if first_shot is None:  # the first keyframe whose result was persisted before the kill
                first_shot = next((e.split()[-1] for e in seen if e.startswith("recorded render ")), None)
            if point == "qa:shot":  # stage 4 had begun: some keyframe was drawn and kept by then
                assert first_shot is not None, seen
                # stage 4 judges in shot order and was killed entering its second shot: the first was judged
                first_judged = next(e.split()[-1] for e in seen if e.startswith("enter qa "))
            deadline = time.monotonic() + 5
            while survivors(str(outputs)) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not survivors(str(outputs)), survivors(str(outputs))
        else:
            assert proc.returncode == 0, proc.stderr[-3000:]
        assert_whole(out)
        finished_before = finished
    print(json.dumps(record, indent=1))
    # The last run left a complete song: every stage's JSON, a video that probes, no temp files.
    for stage in MODELS:
        assert out.path(stage).is_file(), stage
    truth = short_song[2]
    with av.open(str(out.video)) as f:
        assert abs(f.duration / 1e6 - truth.duration) < 0.1
    leftovers = [p for p in out.root.rglob(".*") if p.name != LOCK]
    assert not leftovers, leftovers
    assert "enter assemble" in events(tmp_path / f"events-{len(CHAIN)}.log")
