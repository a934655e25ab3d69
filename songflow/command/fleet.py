"""Many songs through a Prefect deployment: submit an album once, watch it, recover crashed runs.

`submit` creates one deployment run per song with an idempotency key made of the song's content and
its settings: the server answers a second submission of the same song and settings with the run it
already has, so submitting a folder twice starts nothing new. `recover` puts runs that crashed (a
worker or flow process killed, a host gone) back in the work pool's queue, a capped number of times;
the run then reuses every stage it had finished (stage results are cached by content in the shared
result storage).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from songflow.core.fsutil import sha256_file

FLOW = "songflow"
DEFAULT_DEPLOYMENT = "songflow/songflow"
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


def song_key(audio: Path, lyrics: Path | None, parameters: dict[str, Any]) -> str:
    """The idempotency key of one song's run: its audio and lyrics by content, and every setting."""
    blob = json.dumps(
        {
            "audio": sha256_file(audio),
            "lyrics": sha256_file(lyrics) if lyrics else None,
            "parameters": {k: v for k, v in sorted(parameters.items()) if k not in ("audio", "lyrics") and v is not None},
        },
        sort_keys=True,
        default=str,
    ).encode()
    return f"songflow-{hashlib.sha256(blob).hexdigest()[:32]}"


@dataclass(frozen=True)
class Submitted:
    song: str
    run_id: Any
    run_name: str
    new: bool


def submit(songs: Sequence[tuple[Path, Path | None]], deployment: str, settings: dict[str, Any]) -> list[Submitted]:
    """One deployment run per song (audio and lyrics by absolute path: workers read them from a
    shared mount); a song already submitted with the same content and settings gets its run back."""
    from prefect.deployments import run_deployment

    out = []
    started = _now()
    for audio, lyrics in songs:
        parameters = {"audio": str(Path(audio).resolve()), "lyrics": str(Path(lyrics).resolve()) if lyrics else None, **settings}
        parameters = {k: v for k, v in parameters.items() if v is not None}
        run = run_deployment(deployment, parameters=parameters, idempotency_key=song_key(audio, lyrics, parameters), timeout=0, as_subflow=False)
        out.append(Submitted(song=Path(audio).name, run_id=run.id, run_name=run.name, new=run.created >= started))
    return out


def _now():
    import datetime

    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)


def read_runs(ids: Sequence[Any]) -> dict[Any, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(ids))), limit=200)
    return {r.id: r for r in runs}


def table(submitted: Sequence[Submitted], runs: dict[Any, Any]) -> list[str]:
    """One line per song: its run, state, the worker that took it and how long it ran."""
    lines = [f"  {'song':<28} {'run':<24} {'state':<10} {'worker':<16} seconds"]
    for s in submitted:
        run = runs.get(s.run_id)
        state = run.state.type.value if run and run.state else "?"
        worker = (run.labels or {}).get("prefect.worker.name", "-") if run else "-"
        seconds = f"{run.total_run_time.total_seconds():.0f}" if run and run.total_run_time else "-"
        name = run.name if run else s.run_name  # the flow names its run after the song once it starts
        lines.append(f"  {s.song[:28]:<28} {name[:24]:<24} {state:<10} {str(worker)[:16]:<16} {seconds}")
    return lines


def wait(submitted: Sequence[Submitted], *, poll: float = 2.0, timeout: float | None = None, on_change=None) -> dict[Any, Any]:
    """Poll until every run is in a terminal state (or `timeout` seconds); `on_change(run)` on each new state."""
    seen: dict[Any, str] = {}
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        runs = read_runs([s.run_id for s in submitted])
        for run in runs.values():
            state = run.state.type.value if run.state else "?"
            if seen.get(run.id) != state:
                seen[run.id] = state
                if on_change:
                    on_change(run)
        if all(seen.get(s.run_id) in TERMINAL for s in submitted) or (deadline is not None and time.monotonic() > deadline):
            return runs
        time.sleep(poll)


@dataclass(frozen=True)
class Recovery:
    run_name: str
    run_id: Any
    state: str  # "crashed" or "failed"
    times: int  # how many times the run ended in that state
    action: str  # "rescheduled" or "gave up"


def mark_silent_runs_crashed(client, *, stale: float) -> list[Any]:
    """Running songflow runs whose flow process has sent no heartbeat for `stale` seconds (its host
    or worker was killed: nobody is left to report) are set Crashed. Flow processes send heartbeats
    when PREFECT_FLOWS_HEARTBEAT_FREQUENCY is set (prefect.yaml sets it for the work pool)."""
    import datetime

    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter
    from prefect.states import Crashed

    now = datetime.datetime.now(datetime.timezone.utc)
    since = now - datetime.timedelta(seconds=stale)
    running = client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))),
        limit=200,
    )
    silent = []
    for run in running:
        if run.start_time is None or run.start_time > since:
            continue  # running for less than `stale`: too soon to tell
        beats = client.read_events(
            EventFilter(
                occurred=EventOccurredFilter(since=since, until=now),
                event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
                resource=EventResourceFilter(id=[f"prefect.flow-run.{run.id}"]),
            ),
            limit=1,
        )
        if not beats.events:
            client.set_flow_run_state(run.id, Crashed(message=f"no heartbeat for {stale:.0f} s: its worker or host is gone"), force=True)
            silent.append(run)
    return silent


def recover(*, max_tries: int = 2, deployment: str | None = None, stale: float | None = None, failed: bool = False) -> list[Recovery]:
    """Crashed songflow runs back to Scheduled, so a live worker takes them again, reusing every
    stage they finished; a run that has crashed more than `max_tries` times is left as it is (it is
    failing for a reason). With `stale`, Running runs silent for that many seconds are first set
    Crashed. With `failed`, Failed runs too (a stage that failed on one host's GPU, say), under
    the same cap, counted in failures."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName, FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.states import Scheduled

    types = [StateType.CRASHED, StateType.FAILED] if failed else [StateType.CRASHED]
    out = []
    with get_client(sync_client=True) as client:
        if stale is not None:
            mark_silent_runs_crashed(client, stale=stale)
        deployments = None
        if deployment:
            deployments = DeploymentFilter(name=DeploymentFilterName(any_=[deployment.split("/", 1)[-1]]))
        ended = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW])),
            deployment_filter=deployments,
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=types))),
            limit=200,
        )
        for run in ended:
            if run.deployment_id is None:
                continue  # a `songflow run` on one machine: no worker can take it again
            kind = run.state.type
            times = sum(s.type == kind for s in client.read_flow_run_states(run.id))
            word = kind.value.lower()
            if times > max_tries:
                out.append(Recovery(run.name, run.id, word, times, "gave up"))
                continue
            client.set_flow_run_state(run.id, Scheduled(message=f"rescheduled by songflow recover after it {word} ({times}x)"), force=True)
            out.append(Recovery(run.name, run.id, word, times, "rescheduled"))
    return out
