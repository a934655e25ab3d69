"""An album through a fleet whose servers fail under it, for bench/soak.py and tests/test_soak.py.

One PostgreSQL 15 cluster, a Prefect server on it, one llama.cpp server (PyPI xllamacpp) serving
the embedded Gemma 3 270M to every stage (`--model openai:...`), and two workers started as
separate hosts (tests/fleet_setup.py), every one of them on 127.0.0.1. The album is submitted with
`songflow submit`; while it runs, faults are injected at moments drawn from a seeded schedule:

    worker   a host's worker and its flow run SIGKILLed, the worker started again 3 s later (as
             systemd's Restart= does); `songflow recover --stale` puts the run back in the queue
    prefect  the Prefect server stopped, left down a few seconds and started again on its port and
             database (an upgrade)
    model    the llama.cpp server SIGKILLed (an OOM kill) and started again on its port

An operator's timer runs `songflow recover --stale STALE` every RECOVER_EVERY seconds, as the
README says to. At the end each song's folder is checked without trusting the run states
(`check_folder`), and nothing the soak started may outlive it (`leftovers`).
"""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fleet_setup import BIN, REPO, deploy, fleet_env, kill_host, start_worker, stop_host

KINDS = ("worker", "prefect", "model")
HOSTS = ("a", "b")
ALIAS = "gemma-3-270m"
RECOVER_EVERY = 10.0  # seconds between the operator's `songflow recover --stale` runs
LLAMA_THREADS = int(os.environ.get("SONGFLOW_SOAK_LLAMA_THREADS", "2"))  # its two slots decode side by side
STALE = 75.0  # heartbeats every 30 s (prefect.yaml): two missed, and some slack for a server restart


@dataclass
class Fault:
    kind: str
    at: float  # seconds after the album was submitted
    target: str
    down: float = 0.0  # seconds from the kill to the server answering again


@dataclass
class SoakResult:
    songs: list[str]
    completed: list[str]  # songs whose folder passed every check
    faults: list[Fault]
    wall: float
    rescheduled: int  # runs `songflow recover` put back in the queue
    task_retries: int  # task tries Prefect made again after a failure a retry can fix
    runs: dict[str, list[str]]  # song -> the states of its flow runs on the server
    problems: list[str] = field(default_factory=list)  # what a folder check found, one line each
    leftovers: list[str] = field(default_factory=list)  # what outlived the soak, one line each
    worker_restarts: dict[str, int] = field(default_factory=dict)  # worker processes that exited by themselves

    @property
    def passed(self) -> bool:
        return len(self.completed) == len(self.songs) and not self.problems and not self.leftovers


def album(folder: Path, songs: int, bpm: float = 92.0, two_parts: bool = False) -> dict[str, float]:
    """`songs` generated songs with .lrc, from `bpm` up, 5 BPM apart: 8 bars in four parts, or with
    `two_parts` a sung verse and chorus of 3 bars each (fewer scenes: the short soak); stem -> seconds."""
    from songflow.listening import synth

    def spec(i: int):
        title = f"soak-{i + 1:02d}"
        if not two_parts:
            return synth.short_spec(bpm=bpm + 5 * i, title=title)
        return synth.SongSpec(title=title, bpm=bpm + 5 * i, parts=(synth.Part("verse", 3, 0.55, sung=True), synth.Part("chorus", 3, 1.0, sung=True)),
                              lyrics={"verse": ("Streetlights hum across the bay",), "chorus": ("Ride the neon tide tonight",)})

    return {f"soak-{i + 1:02d}": synth.write_song(spec(i), folder, stem=f"soak-{i + 1:02d}")[2].duration for i in range(songs)}


def schedule(seed: int, faults: int, kinds: tuple[str, ...], gap: tuple[float, float]) -> list[tuple[float, str]]:
    """(seconds after the previous fault was over, or after submission for the first, kind): every
    kind as often as the others, in a seeded order, at seeded moments."""
    rng = random.Random(seed)
    order = [kinds[i % len(kinds)] for i in range(faults)]
    rng.shuffle(order)
    return [(rng.uniform(*gap), kind) for kind in order]


class Server:
    """A context-manager server that can be stopped and started again (`start()` gives its URL)."""

    def __init__(self, make: Callable[[int], AbstractContextManager[str]]):
        self.make, self.n, self.cm, self.url = make, 0, None, None

    def start(self) -> str:
        self.n += 1
        self.cm = self.make(self.n)
        self.url = self.cm.__enter__()
        return self.url

    def stop(self) -> None:
        if self.cm is not None:
            cm, self.cm = self.cm, None
            cm.__exit__(None, None, None)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _runs(api: str) -> list[dict] | None:
    """Every flow run on the server (the soak's server holds only the album's), or None while it is down."""
    try:
        r = httpx.post(f"{api}/flow_runs/filter", json={"limit": 200}, timeout=5)
        r.raise_for_status()
        return r.json()
    except (httpx.HTTPError, ValueError):
        return None


def soak(root: Path, *, songs: int = 12, faults: int = 6, seed: int = 0, kinds: tuple[str, ...] = KINDS, preset: str = "fast",
         gap: tuple[float, float] = (10.0, 40.0), bpm: float = 92.0, two_parts: bool = False, timeout: float = 3600.0, say: Callable[[str], None] = print) -> SoakResult:
    """Run the album in `root` (its servers, hosts and shared folder live there) with `faults`
    faults of `kinds` (none: the baseline), check every folder, and stop everything."""
    from backends.gguf import resolve_gguf
    from songflow.command.fleet import DEFAULT_DEPLOYMENT
    from songflow.core.config import cache_dir
    from tests.llama_server import llama_server
    from tests.postgres_server import postgres_server
    from tests.prefect_server import free_port, prefect_server

    root.mkdir(parents=True, exist_ok=True)
    shared = root / "shared"
    durations = album(shared / "album", songs, bpm, two_parts)
    gguf = resolve_gguf("embedded", cache_dir())[0]
    template = REPO / "backends" / "templates" / "gemma3.jinja"
    api_port, model_port = free_port(), free_port()
    plan = schedule(seed, faults, kinds, gap)
    before = snapshot()
    done_faults: list[Fault] = []
    workers: dict[str, subprocess.Popen] = {}
    restarts = {h: 0 for h in HOSTS}
    rescheduled = 0
    (root / "server").mkdir(exist_ok=True)
    with ExitStack() as stack:
        db = stack.enter_context(postgres_server(root))
        db_port = int(db.rsplit(":", 1)[1].split("/")[0])
        prefect = Server(lambda n: prefect_server(root / "server", database_url=db, port=api_port))
        llama_procs: list[subprocess.Popen] = []
        llama = Server(lambda n: llama_server(gguf, template, root / f"llama-{n}.log", alias=ALIAS, port=model_port, started=llama_procs,
                                                threads=LLAMA_THREADS))
        stack.callback(prefect.stop)
        stack.callback(llama.stop)
        setup = time.monotonic()
        api = prefect.start()
        model = f"openai:{llama.start()}#{ALIAS}"
        env = fleet_env(api, shared)
        servers_up = time.monotonic()
        deploy(env, HOSTS)
        say(f"servers up in {servers_up - setup:.0f}s, pool, deployment and limits in {time.monotonic() - servers_up:.0f}s")

        def start(host: str) -> None:
            tmp = root / host / "tmp"  # a host's own temp folder: what a killed host leaves there is its own
            tmp.mkdir(parents=True, exist_ok=True)
            workers[host] = start_worker(env, root / host, host, name=f"songflow-{host}", OMP_NUM_THREADS="1", TMPDIR=str(tmp))

        def stop_workers() -> None:
            for proc in workers.values():
                stop_host(proc)

        for host in HOSTS:
            start(host)
        stack.callback(stop_workers)
        outputs = shared / "outputs"
        submit = [str(BIN / "songflow"), "submit", str(shared / "album"), "--deployment", DEFAULT_DEPLOYMENT, "--preset", preset,
                  "--outputs", str(outputs), "--model", model, "--no-wait"]
        t0 = time.monotonic()
        sent = subprocess.run(submit, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        if sent.returncode != 0:
            raise RuntimeError(f"songflow submit failed:\n{sent.stdout[-2000:]}{sent.stderr[-2000:]}")
        say(f"{time.monotonic() - t0:5.0f}s submitted {songs} songs; faults planned: {', '.join(f'{k} +{d:.0f}s' for d, k in plan)}")
        rng = random.Random(seed + 1)
        next_fault = t0 + plan[0][0] if plan else None
        recover: subprocess.Popen | None = None
        last_recover = t0
        runs: list[dict] = []
        while True:
            now = time.monotonic()
            if now - t0 > timeout:
                say(f"{now - t0:5.0f}s gave up waiting")
                break
            for host, proc in workers.items():  # as systemd would: a worker that exited is started again
                if proc.poll() is not None:
                    restarts[host] += 1
                    say(f"{now - t0:5.0f}s worker {host} exited by itself ({proc.returncode}): started again")
                    start(host)
            if recover is not None and recover.poll() is not None:
                out = recover.stdout.read()
                found = re.search(r"(\d+) run\(s\) rescheduled", out)
                if found and int(found.group(1)):
                    rescheduled += int(found.group(1))
                    say(f"{now - t0:5.0f}s songflow recover: {out.strip().splitlines()[-1]}")
                recover = None
            if recover is None and now - last_recover >= RECOVER_EVERY:
                last_recover = now
                recover = subprocess.Popen([str(BIN / "songflow"), "recover", "--stale", str(STALE)], env=env, cwd=REPO,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            current = _runs(api)
            if current is not None:
                runs = current
                if len(runs) == songs and all(r["state_type"] == "COMPLETED" for r in runs):
                    break
            if next_fault is not None and now >= next_fault:
                kind = plan[len(done_faults)][1]
                at = now - t0
                if kind == "worker":
                    busy = sorted({(r.get("labels") or {}).get("prefect.worker.name", "")[len("songflow-"):] for r in runs if r["state_type"] == "RUNNING"} & set(HOSTS))
                    host = rng.choice(busy or list(HOSTS))
                    kill_host(workers[host])
                    time.sleep(3)
                    start(host)
                    fault = Fault(kind, at, f"host {host}" + ("" if busy else " (idle)"), 3.0)
                elif kind == "prefect":
                    prefect.stop()
                    time.sleep(rng.uniform(3, 10))
                    prefect.start()
                    fault = Fault(kind, at, api, time.monotonic() - t0 - at)
                else:
                    llama_procs[-1].kill()
                    llama_procs[-1].wait()
                    llama.stop()
                    time.sleep(rng.uniform(2, 6))
                    llama.start()
                    fault = Fault(kind, at, model, time.monotonic() - t0 - at)
                done_faults.append(fault)
                say(f"{at:5.0f}s fault {len(done_faults)}/{len(plan)}: {kind} ({fault.target}), back after {fault.down:.1f}s")
                next_fault = time.monotonic() + plan[len(done_faults)][0] if len(done_faults) < len(plan) else None
            time.sleep(1.0)
        wall = time.monotonic() - t0
        if recover is not None:
            recover.wait(timeout=120)
        final = _runs(api) or runs
    logs = "\n".join(p.read_text(errors="replace") for p in sorted(root.glob("*/worker.log")))
    states: dict[str, list[str]] = {}
    for r in final:
        states.setdefault(r["name"], []).append(r["state_type"])
    problems = []
    for name, st in states.items():
        if st.count("COMPLETED") > 1 or len(st) > 1:
            problems.append(f"{name}: {len(st)} runs on the server ({', '.join(st)})")
    for stem in durations:  # the flow runs' own log lines, from every host's worker log
        finished = len(re.findall(rf"Flow run '{re.escape(stem)}' - Finished in state Completed", logs))
        if finished > 1:
            problems.append(f"{stem}: completed {finished} times (worker logs)")
    completed = []
    for stem, seconds in durations.items():
        found = check_folder(outputs, stem, shared / "album" / f"{stem}.wav", seconds)
        problems += found
        if not found:
            completed.append(stem)
    retries = len(re.findall(r"Retry \d+/\d+ will start", logs))
    return SoakResult(songs=list(durations), completed=completed, faults=done_faults, wall=wall, rescheduled=rescheduled,
                      task_retries=retries, runs=states, problems=problems, worker_restarts={h: n for h, n in restarts.items() if n},
                      leftovers=leftovers(before, root, (api_port, model_port, db_port)))


EXPECTED = {"analysis.json", "scene_plan.json", "shot_list.json", "qa_report.json", "timing_report.json", "video.mp4",
            "video.srt", "video.vtt", "report.html", "storyboard.png", ".lock"}


def check_folder(outputs: Path, stem: str, audio: Path, seconds: float) -> list[str]:
    """What is wrong with one song's folder, read from the files alone: every JSON validates against
    its schema and belongs to this song (its audio's SHA-256); no file of another song, no temp
    file; the video decodes to its last frame and lasts the song; the cuts a viewer sees (ffmpeg's
    scene-change score) are on the shot list's frames."""
    import av

    from schemas import QAReport, ScenePlan, ShotList, SongAnalysis
    from schemas.timing import TimingReport
    from songflow.core.config import PRESETS
    from songflow.core.fsutil import sha256_file
    from songflow.core.store import SongOutputs
    from stages.assemble import plan_frames
    from stages.timing_report import cut_visibility, scene_scores

    out = SongOutputs.for_song(outputs, stem)
    if not out.video.is_file():
        return [f"{stem}: no video"]
    problems = []
    try:
        analysis = out.load("analysis", SongAnalysis)
        shots = out.load("shots", ShotList)
        out.load("scenes", ScenePlan)
        qa = out.load("qa", QAReport)
        TimingReport.model_validate_json(out.path("timing").read_text())
    except Exception as err:  # noqa: BLE001 - any reason a file does not load is the finding
        return [f"{stem}: {type(err).__name__}: {str(err).splitlines()[0]}"]
    if analysis.audio_sha256 != sha256_file(audio):
        problems.append(f"{stem}: analysis.json is another song's (audio {analysis.audio_sha256[:12]})")
    keyframes = {p.name for p in (out.root / "keyframes").iterdir()} if (out.root / "keyframes").is_dir() else set()
    wanted = {Path(a.image).name for s in qa.shots for a in s.attempts if a.withheld is None}
    if keyframes != wanted:
        problems.append(f"{stem}: keyframes not those of its QA report: {sorted(keyframes ^ wanted)[:4]}")
    stray = sorted(p.name for p in out.root.iterdir() if p.is_file() and p.name not in EXPECTED)
    if stray:
        problems.append(f"{stem}: stray files {stray[:6]}")
    fps = PRESETS["fast"].assemble.fps
    with av.open(str(out.video)) as f:
        frames = sum(1 for _ in f.decode(video=0))
        duration = f.duration / 1e6
    if abs(frames - round(seconds * fps)) > 1 or abs(duration - seconds) > 0.1:
        problems.append(f"{stem}: video {frames} frames / {duration:.2f}s for a {seconds:.2f}s song")
    seen = cut_visibility(scene_scores(out.video), plan_frames(analysis, shots, PRESETS["fast"].assemble))
    # one cut in five may land between two pictures too alike for the scene-change score, and one
    # cut in any song: a three-cut song with one such pair is 2 of 3, not a broken folder
    if seen["hard_cuts"] - seen["hard_seen"] > max(1, 0.2 * seen["hard_cuts"]):
        problems.append(f"{stem}: {seen['hard_seen']} of {seen['hard_cuts']} planned cuts seen in the picture")
    return problems


def snapshot() -> dict:
    """What a leftover would show against: the temp folder's entries and this process's children."""
    import psutil

    return {"tmp": set(os.listdir(tempfile.gettempdir())), "children": {p.pid for p in psutil.Process().children(recursive=True)}}


def leftovers(before: dict, root: Path, ports: tuple[int, ...] = ()) -> list[str]:
    """Whatever the soak started that is still there: a process (a child of this one, or any
    process working in or naming `root`), a listening port, a new entry in the temp folder."""
    import psutil

    found = []
    me = os.getpid()
    for p in psutil.process_iter(["pid", "cmdline", "cwd"]):
        if p.pid == me:
            continue
        try:
            mine = p.pid in {c.pid for c in psutil.Process().children(recursive=True)} and p.pid not in before["children"]
            names_root = str(root) in " ".join(p.info["cmdline"] or []) or str(p.info["cwd"] or "").startswith(str(root))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if mine or names_root:
            found.append(f"process {p.pid}: {' '.join(p.info['cmdline'] or [])[:120]}")
    found += [f"port {port} still listening" for port in ports if _port_open(port)]
    new = set(os.listdir(tempfile.gettempdir())) - before["tmp"]
    new = {n for n in new if not (Path(tempfile.gettempdir()) / n).resolve() == root.resolve()}
    found += [f"temp entry {n}" for n in sorted(new)]
    return found
