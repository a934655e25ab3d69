"""Every setting a run needs, checked before any stage runs: usage errors as one line each."""

from __future__ import annotations

import backends
from renderers import check_renderer
from renderers.safety import check_safety, gate_name
from songflow.core.config import PipelineConfig
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
