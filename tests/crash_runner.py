"""`songflow run` with counters and one SIGKILL, for tests/test_crash.py.

    SONGFLOW_CRASH_LOG=events.log SONGFLOW_CRASH_AT=plan:model python tests/crash_runner.py run SONG ...

Appends one line per event to the log: `model <stage>` for every call into the model (generate,
reply, score_options), `enter <stage> <shot>` for every stage function that really runs (a cached
stage does not), `killed <point>` just before the process kills itself with SIGKILL at the point
SONGFLOW_CRASH_AT names:

    analyze:record   while Prefect writes stage 1's persisted result (half of it is written)
    plan:model       at stage 2's first model call
    shots:json       while shot_list.json is written (its temp file half written, not renamed)
    render:png       while the second keyframe is written (its temp file half written)
    qa:shot          as QA starts on the second shot (the first shot's verdict is persisted)
    assemble:ffmpeg  while ffmpeg is writing the video (ffmpeg must die with this process)
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

LOG = Path(os.environ["SONGFLOW_CRASH_LOG"])
AT = os.environ.get("SONGFLOW_CRASH_AT", "")
_local = threading.local()
_counts: dict[str, int] = {}
_guard = threading.Lock()


def log(line: str) -> None:
    with _guard, LOG.open("a") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def stage() -> str:
    return getattr(_local, "stage", "-")


def die(point: str) -> None:
    log(f"killed {point}")
    os.kill(os.getpid(), signal.SIGKILL)


def nth(point: str) -> int:
    with _guard:
        _counts[point] = _counts.get(point, 0) + 1
        return _counts[point]


def half_write(path: Path, content: bytes | None = None) -> None:
    data = Path(path).read_bytes() if content is None else content
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])
        fh.flush()
        os.fsync(fh.fileno())


def install() -> None:
    import flows.running as running
    import flows.tasks as tasks
    import songflow.core.fsutil as fsutil
    import stages.assemble as assemble
    from prefect.filesystems import LocalFileSystem

    def staged(name: str, fn, shot_arg: bool = False):
        def wrapper(*args, **kwargs):
            shot = getattr(args[0], "index", "") if shot_arg else ""
            log(f"enter {name} {shot}".strip())
            if AT == "qa:shot" and name == "qa" and nth("qa:shot") == 2:
                die(AT)
            before, _local.stage = stage(), name
            try:
                return fn(*args, **kwargs)
            finally:
                _local.stage = before

        return wrapper

    tasks.analyze_song = staged("analyze", tasks.analyze_song)
    tasks.plan_scenes = staged("plan", tasks.plan_scenes)
    tasks.write_shots = staged("shots", tasks.write_shots)
    tasks.render_keyframe = staged("render", tasks.render_keyframe, shot_arg=True)
    tasks.qa_shot = staged("qa", tasks.qa_shot, shot_arg=True)
    tasks.assemble_video = staged("assemble", tasks.assemble_video)

    def counted(method):
        def wrapper(*args, **kwargs):
            log(f"model {stage()}")
            if AT == "plan:model" and stage() == "plan":
                die(AT)
            return method(*args, **kwargs)

        return wrapper

    get = running.ModelPool.get

    def get_counted(self, cfg):
        model = get(self, cfg)
        if not getattr(model, "_crash_counted", False):
            for name in ("generate", "reply", "score_options"):
                setattr(model, name, counted(getattr(model, name)))
            model._crash_counted = True
        return model

    running.ModelPool.get = get_counted

    write_path = LocalFileSystem.write_path

    def write_record(self, path, content, **kwargs):
        if Path(path).name.startswith("songflow-render-"):
            # Which keyframe this record keeps: keyframes are drawn several at a time, so the first
            # shot entered is not always the first whose result is persisted.
            found = re.search(rb"shot_(\d{3})_a0\.png", content if isinstance(content, bytes) else str(content).encode())
            if found:
                written = write_path(self, path, content, **kwargs)
                log(f"recorded render {int(found.group(1))}")
                return written
        if AT == "analyze:record" and Path(path).name.startswith("songflow-analyze-"):
            target = self._resolve_path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            half_write(target, content)
            die(AT)
        return write_path(self, path, content, **kwargs)

    LocalFileSystem.write_path = write_record
    fsync = fsutil._fsync

    def fsync_hook(path):
        path = Path(path)
        if path.is_file() and path.name.startswith("."):
            if AT == "shots:json" and path.name.startswith(".shot_list."):
                half_write(path)
                die(AT)
            if AT == "render:png" and path.suffix == ".png" and path.parent.name == "keyframes" and nth("render:png") == 2:
                half_write(path)
                die(AT)
        return fsync(path)

    fsutil._fsync = fsync_hook
    run = assemble.subprocess.run

    def run_hook(cmd, **kwargs):
        if AT != "assemble:ffmpeg":
            return run(cmd, **kwargs)
        kwargs.pop("capture_output", None)
        kwargs.pop("text", None)
        proc = assemble.subprocess.Popen(cmd, stdout=assemble.subprocess.DEVNULL, stderr=assemble.subprocess.DEVNULL, **kwargs)
        target = Path(kwargs.get("cwd", ".")) / cmd[-1]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (target.exists() and target.stat().st_size > 0) and proc.poll() is None:
            time.sleep(0.01)
        log(f"ffmpeg {proc.pid}")
        die(AT)

    assemble.subprocess.run = run_hook


if __name__ == "__main__":
    from songflow.command.cli import main

    install()
    sys.exit(main(sys.argv[1:]))
