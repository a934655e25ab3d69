"""Every setting a run needs, checked before any stage runs: usage errors as one line each."""

from __future__ import annotations

import time

import backends
import renderers
from renderers import check_renderer
from renderers.safety import check_safety, gate_name
from songflow.core.config import MODEL_STAGES, PipelineConfig
from songflow.core.errors import InputError
from songflow.listening import beatnet
from songflow.listening.beats import import_madmom


def check_settings(cfg: PipelineConfig) -> None:
    """The beat tracker, the renderer and motion model, the safety gate, then each stage's model
    against what the stage is set to need; raises InputError with one line naming what to change."""
    if cfg.analyze.beats == "madmom":
        import_madmom()  # one line naming the extra to install, before the run starts
    if cfg.analyze.beats in ("hybrid", "beatnet"):
        beatnet.weights_folder()  # one line naming the wheel to install
    check_renderer(cfg.render)
    check_safety(gate_name(cfg.render))
    backends.check_capabilities(cfg)


# How long the servers a run will use may take, together, to answer before a run (`check_servers`).
SERVER_WAIT = 5.0


def servers(cfg: PipelineConfig) -> dict[str, tuple[str, str]]:
    """The HTTP servers a run with `cfg` will call: {probe URL: (the server in words, the setting
    that names it)}, each once."""
    found: dict[str, tuple[str, str]] = {}
    for stage in MODEL_STAGES:
        model_id = cfg.model_for(stage).id
        server = backends.server_of(model_id)
        if server:
            found.setdefault(server[0], (server[1], f"the model {model_id}"))
    for setting, renderer_id, motion in (("renderer", cfg.render.renderer, False), ("motion model", cfg.render.motion, True)):
        server = renderers.server_of(renderer_id, motion=motion)
        if server:
            found.setdefault(server[0], (server[1], f"the {setting} {renderer_id.split('#', 1)[0]}"))
    return found


def check_servers(cfg: PipelineConfig, wait: float = SERVER_WAIT) -> None:
    """Before a run on this machine (run, check, batch): every model, renderer and motion server it
    will call answers its health URL (200) within `wait` seconds in all, or InputError names the
    first that does not. (A worker's runs skip this and retry their stages instead: flows.running.RETRIES.)"""
    import httpx

    deadline = time.monotonic() + wait
    with httpx.Client() as client:
        for url, (name, setting) in servers(cfg).items():
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise httpx.ConnectTimeout("no time left")
                reply = client.get(url, timeout=left)
            except httpx.TimeoutException:
                raise InputError(f"{name} ({setting}) did not answer within {wait:.0f} s: start it, or choose another") from None
            except httpx.TransportError as exc:
                why = "connection refused" if isinstance(exc, httpx.ConnectError) and "refused" in str(exc).lower() else f"{type(exc).__name__}: {exc}"
                raise InputError(f"cannot reach {name} ({setting}): {why}; start it, or choose another") from None
            if reply.status_code in (502, 503, 504):
                raise InputError(f"{name} ({setting}) is not ready (HTTP {reply.status_code}: still loading?): wait for it, or choose another")
            if reply.status_code != 200:
                raise InputError(f"{name} ({setting}) answered {reply.status_code} at {url}, not as that server would: check the address")
