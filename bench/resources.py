"""Resources of a whole `songflow run` on a 10-minute song, against a 1-minute song in the same run.

    .venv/bin/python bench/resources.py [--minutes 10] [--baseline 1] [--preset fast] [--keep DIR]

Each song is generated (120 BPM, verses, choruses and bridges, with an .lrc) and made into a video
by the real command, `python -m songflow.command.cli run SONG --lyrics LRC --preset fast --outputs DIR`, as a
subprocess with the embedded default model, a fresh PREFECT_HOME (so the temporary Prefect server it
starts has an empty database and result storage) and its own TMPDIR. Warm cache: the GGUF is
converted before the clock starts. Every 0.2 s a sampler adds up the resident memory of the command
and all its descendants (the temporary Prefect server, ffmpeg), also per kind of process, and the
disk use (allocated blocks, as `du` counts) of the outputs folder, the temp dir and the Prefect home.
Prints wall time and seconds per stage, the peaks (and the stage running at the memory peak) and
the final sizes for both songs, and each figure's ratio to the 1-minute baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
INTERVAL = 0.2


def song_spec(minutes: float, title: str):
    """A song of `minutes` at 120 BPM (2 s a bar): intro, then verse / chorus / bridge / chorus
    blocks of 8 bars, and an outro taking what is left (2 to 8 bars)."""
    from songflow.listening import synth

    long = synth.long_spec()
    bars = round(minutes * 30)
    parts = [synth.Part("intro", 4, 0.25)]
    cycle = [("verse", 0.55), ("chorus", 1.0), ("bridge", 0.4), ("chorus", 0.95)]
    used, i = 4, 0
    while bars - used >= 8 + 2:
        name, energy = cycle[i % len(cycle)]
        parts.append(synth.Part(name, 8, energy, sung=True))
        used, i = used + 8, i + 1
    parts.append(synth.Part("outro", bars - used, 0.2))
    return synth.SongSpec(title=title, bpm=120.0, parts=tuple(parts), lyrics=long.lyrics, seed=23)


def disk_use(root: Path) -> int:
    """Bytes allocated to the files under `root` (as `du` counts), 0 if it does not exist; files
    that vanish while it walks (temp files renamed or removed) are skipped."""
    total = 0
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                continue
    return total


KINDS = ("songflow", "prefect server", "ffmpeg")


def kind(p: psutil.Process) -> str:
    cmd = " ".join(p.cmdline())
    return "prefect server" if "uvicorn" in cmd else "ffmpeg" if "ffmpeg" in p.name() else "songflow"


def tree_rss(proc: psutil.Process) -> dict[str, int]:
    """Resident bytes of `proc` and all its descendants, by kind of process."""
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return {}
    by_kind: dict[str, int] = {}
    for p in procs:
        try:
            k = kind(p)
            by_kind[k] = by_kind.get(k, 0) + p.memory_info().rss
        except psutil.Error:
            continue
    return by_kind


def last_stage(log: Path) -> str:
    """The stage running now: the one after the last `songflow: <stage> done` line of the run's log."""
    order = ["analyze", "plan", "shots", "render", "qa", "assemble", "timing"]
    done = [line.split()[1] for line in log.read_text().splitlines() if line.startswith("songflow: ") and " done in " in line]
    done = [d for d in done if d in order]
    if not done:
        return "analyze"
    nxt = order.index(done[-1]) + 1
    return "render + qa" if order[nxt - 1] == "shots" else order[nxt] if nxt < len(order) else "reports"


@dataclass
class Peaks:
    rss: int = 0  # the whole tree at once
    rss_stage: str = ""
    kinds: dict[str, int] = field(default_factory=dict)  # each kind's own peak
    procs: int = 0
    disk: dict[str, int] = field(default_factory=dict)


def sample(proc: psutil.Process, folders: dict[str, Path], log: Path, peaks: Peaks, stop: threading.Event) -> None:
    while not stop.is_set():
        by_kind = tree_rss(proc)
        total = sum(by_kind.values())
        if total > peaks.rss:
            peaks.rss, peaks.rss_stage = total, last_stage(log)
        for k, rss in by_kind.items():
            peaks.kinds[k] = max(peaks.kinds.get(k, 0), rss)
        try:
            peaks.procs = max(peaks.procs, 1 + len(proc.children(recursive=True)))
        except psutil.Error:
            pass
        for key, folder in folders.items():
            peaks.disk[key] = max(peaks.disk.get(key, 0), disk_use(folder))
        stop.wait(INTERVAL)


@dataclass
class Result:
    title: str
    duration: float
    shots: int
    wall: float
    peaks: Peaks
    final: dict[str, int]
    stages: dict[str, float]


def run_song(minutes: float, title: str, preset: str, root: Path) -> Result:
    from schemas.shots import ShotList
    from songflow.listening import synth
    from songflow.core.store import SongOutputs

    spec = song_spec(minutes, title)
    wav, lrc, truth = synth.write_song(spec, root / "songs")
    work = root / f"{minutes:g}min"
    folders = {"outputs": work / "outputs", "tmp": work / "tmp", "prefect": work / "prefect-home"}
    for folder in folders.values():
        folder.mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(folders["tmp"]), "PREFECT_HOME": str(folders["prefect"])}
    for name in ("PREFECT_API_URL", "PREFECT_LOCAL_STORAGE_PATH", "PREFECT_API_DATABASE_CONNECTION_URL"):
        env.pop(name, None)
    command = [sys.executable, "-m", "songflow.command.cli", "run", str(wav), "--lyrics", str(lrc), "--preset", preset,
               "--outputs", str(folders["outputs"])]
    peaks, stop = Peaks(), threading.Event()
    log = (work / "run.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    sampler = threading.Thread(target=sample, args=(psutil.Process(proc.pid), folders, work / "run.log", peaks, stop), daemon=True)
    sampler.start()
    rc = proc.wait()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    log.close()
    if rc != 0:
        raise SystemExit(f"{title}: songflow run exited {rc}; see {work / 'run.log'}")
    final = {key: disk_use(folder) for key, folder in folders.items()}
    out = SongOutputs.for_song(folders["outputs"], title)
    shots = out.load("shots", ShotList)
    final["video"] = out.video.stat().st_size
    final["keyframes"] = disk_use(out.root / "keyframes")
    stages = {line.split()[1]: float(line.split(" done in ")[1].split("s")[0])
              for line in (work / "run.log").read_text().splitlines() if line.startswith("songflow: ") and " done in " in line}
    return Result(title, truth.duration, len(shots.shots), wall, peaks, final, stages)


def mib(n: int) -> str:
    return f"{n / 2**20:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--baseline", type=float, default=1.0, help="the baseline song's minutes")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--keep", type=Path, help="folder for songs, outputs, temp dirs (default: a temp folder)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="songflow-resources-"))
    root.mkdir(parents=True, exist_ok=True)

    from backends.gguf import converted_folder, resolve_gguf
    from songflow.core.config import cache_dir

    converted_folder(*resolve_gguf("embedded", cache_dir()), cache_dir())  # warm cache: converted once
    base = run_song(args.baseline, "Resource Baseline", args.preset, root)
    long = run_song(args.minutes, "Resource Long", args.preset, root)
    print(f"preset {args.preset}; outputs and logs under {root}")
    print_table(base, long, args.baseline, args.minutes)


def print_table(base: Result, long: Result, base_minutes: float, minutes: float) -> None:
    rows = [
        ("song duration (s)", lambda r: f"{r.duration:.1f}", lambda r: r.duration),
        ("shots", lambda r: f"{r.shots}", lambda r: r.shots),
        ("wall (s)", lambda r: f"{r.wall:.1f}", lambda r: r.wall),
        ("wall / song", lambda r: f"{r.wall / r.duration:.2f}", lambda r: r.wall / r.duration),
        *[(f"  {stage} (s)", lambda r, s=stage: f"{r.stages.get(s, 0):.1f}", lambda r, s=stage: r.stages.get(s, 0))
          for stage in ("analyze", "plan", "shots", "render", "qa", "assemble", "timing")],
        ("peak RSS, process tree (MiB)", lambda r: mib(r.peaks.rss), lambda r: r.peaks.rss),
        ("  stage at that peak", lambda r: r.peaks.rss_stage, None),
        *[(f"  peak RSS, {k} alone (MiB)", lambda r, k=k: mib(r.peaks.kinds.get(k, 0)), lambda r, k=k: r.peaks.kinds.get(k, 0)) for k in KINDS],
        ("processes in the tree (most at once)", lambda r: f"{r.peaks.procs}", lambda r: r.peaks.procs),
        ("peak disk, outputs (MiB)", lambda r: mib(r.peaks.disk["outputs"]), lambda r: r.peaks.disk["outputs"]),
        ("final disk, outputs (MiB)", lambda r: mib(r.final["outputs"]), lambda r: r.final["outputs"]),
        ("  of which video.mp4 (MiB)", lambda r: mib(r.final["video"]), lambda r: r.final["video"]),
        ("  of which keyframes/ (MiB)", lambda r: mib(r.final["keyframes"]), lambda r: r.final["keyframes"]),
        ("peak disk, TMPDIR (MiB)", lambda r: mib(r.peaks.disk["tmp"]), lambda r: r.peaks.disk["tmp"]),
        ("final disk, TMPDIR (MiB)", lambda r: mib(r.final["tmp"]), lambda r: r.final["tmp"]),
        ("peak disk, PREFECT_HOME (MiB)", lambda r: mib(r.peaks.disk["prefect"]), lambda r: r.peaks.disk["prefect"]),
        ("final disk, PREFECT_HOME (MiB)", lambda r: mib(r.final["prefect"]), lambda r: r.final["prefect"]),
    ]
    print(f"| measure | {base.title} ({base_minutes:g} min, baseline) | {long.title} ({minutes:g} min) | ratio |")
    print("|---|---:|---:|---:|")
    for label, show, value in rows:
        b, v = (value(base), value(long)) if value else (0, 0)
        ratio = f"{v / b:.2f}" if b else "-"
        print(f"| {label} | {show(base)} | {show(long)} | {ratio} |")


if __name__ == "__main__":
    main()
