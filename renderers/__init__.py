"""Renderers, chosen by an id string like models are.

    procedural                    offline procedural art (the default)
    diffusers:<hub id or folder>  a diffusers text-to-image pipeline (FLUX.2 klein, Flux.1, SDXL, ...)

What a renderer takes and makes (`Capabilities`) is known from its id before the run starts; each
renderer is loaded once per process and shared by the shot tasks.
"""

from __future__ import annotations

import threading

from renderers.base import Capabilities, Renderer
from songflow.config import RenderConfig
from songflow.errors import InputError

SCHEMES = {
    "procedural": "procedural",
    "diffusers": "diffusers:<hub id or local folder>",
}


def parse_id(renderer_id: str) -> tuple[str, str]:
    """('procedural', '') or ('diffusers', '<id or folder>'); an unknown or empty id is an InputError."""
    scheme, _, rest = renderer_id.partition(":")
    if scheme not in SCHEMES or (scheme == "procedural") != (rest == ""):
        raise InputError(f"unknown renderer {renderer_id!r}; valid: {', '.join(SCHEMES.values())}")
    return scheme, rest


def capabilities(renderer_id: str) -> Capabilities:
    """What the renderer named by `renderer_id` takes and makes, without loading its weights."""
    scheme, rest = parse_id(renderer_id)
    if scheme == "procedural":
        from renderers.procedural import ProceduralRenderer

        return ProceduralRenderer.capabilities
    from renderers.diffusers import family_of

    return family_of(rest).capabilities


def check_renderer(cfg: RenderConfig) -> Capabilities:
    """Fail before the run starts with one line when the renderer cannot be used here."""
    return capabilities(cfg.renderer)


class RendererPool:
    """One renderer per (id, settings) in this process, shared by the render and QA tasks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[RenderConfig, Renderer] = {}

    def get(self, cfg: RenderConfig) -> Renderer:
        with self._lock:
            if cfg not in self._loaded:
                self._loaded[cfg] = _load(cfg)
            return self._loaded[cfg]


def _load(cfg: RenderConfig) -> Renderer:
    scheme, rest = parse_id(cfg.renderer)
    if scheme == "procedural":
        from renderers.procedural import ProceduralRenderer

        return ProceduralRenderer()
    from renderers.diffusers import DiffusersRenderer

    return DiffusersRenderer(rest, cfg)


RENDERERS = RendererPool()


def load_renderer(cfg: RenderConfig) -> Renderer:
    return RENDERERS.get(cfg)


__all__ = ["Capabilities", "Renderer", "RENDERERS", "capabilities", "check_renderer", "load_renderer", "parse_id"]
