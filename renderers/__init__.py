"""Renderers, chosen by an id string like models are; beside them the safety gate (safety.py).

Keyframes (`--renderer`, `RenderConfig.renderer`):
    procedural                    offline procedural art (the default)
    diffusers:<hub id or folder>  a diffusers text-to-image pipeline (FLUX.2 klein, Flux.1, SDXL, ...)
    comfyui:<url>#<workflow.json>[#<with_references.json>]  a ComfyUI server running API-format workflows
Shot motion (`--motion`, `RenderConfig.motion`):
    kenburns                      the assembly's eased zoom and pan over the still (the default)
    diffusers:<hub id or folder>  a diffusers image-to-video pipeline (Wan 2.x I2V)
    comfyui:<url>#<workflow.json> a ComfyUI workflow that saves frames

What a renderer takes and makes (`Capabilities`) is known from its id before the run starts; each
renderer is loaded once per process and shared by the shot tasks.
"""

from __future__ import annotations

import math
import threading

from renderers.base import Capabilities, Motion, Renderer
from songflow.core.config import RenderConfig
from songflow.core.errors import InputError

SCHEMES = {
    "procedural": "procedural",
    "diffusers": "diffusers:<hub id or local folder>",
    "comfyui": "comfyui:<base url>#<workflow.json>[#<with_references.json>]",
}
MOTION_SCHEMES = {
    "kenburns": "kenburns",
    "diffusers": "diffusers:<hub id or local folder>",
    "comfyui": "comfyui:<base url>#<workflow.json>",
}
BUILT_IN = {"procedural", "kenburns"}


def parse_id(renderer_id: str, *, schemes: dict[str, str] = SCHEMES, what: str = "renderer") -> tuple[str, str]:
    """('procedural', '') or ('diffusers', '<id or folder>'); an unknown or empty id is an InputError."""
    scheme, _, rest = renderer_id.partition(":")
    if scheme not in schemes or (scheme in BUILT_IN) != (rest == ""):
        raise InputError(f"unknown {what} {renderer_id!r}; valid: {', '.join(schemes.values())}")
    return scheme, rest


def parse_motion_id(motion_id: str) -> tuple[str, str]:
    return parse_id(motion_id, schemes=MOTION_SCHEMES, what="motion")


def server_of(renderer_id: str, *, motion: bool = False) -> tuple[str, str] | None:
    """(a URL that answers when the renderer's (or motion model's) server is up, the server in
    words) for one served over HTTP (ComfyUI); None for one that runs in this process."""
    scheme, rest = parse_motion_id(renderer_id) if motion else parse_id(renderer_id)
    if scheme != "comfyui":
        return None
    url = rest.split("#", 1)[0].rstrip("/")
    return f"{url}/system_stats", f"ComfyUI at {url}"


def motion_capabilities(motion_id: str) -> Capabilities | None:
    """What the image-to-video model named by `motion_id` makes; None for kenburns (no clips)."""
    scheme, rest = parse_motion_id(motion_id)
    if scheme == "kenburns":
        return None
    if scheme == "comfyui":
        from renderers.comfyui import motion_capabilities as comfyui_motion

        return comfyui_motion(rest)
    from renderers.diffusers import video_family_of

    return video_family_of(rest).capabilities


def native_frames(frames: int, fps: int, caps: Capabilities) -> int:
    """The clip length to ask a video model for: the first count it can make (frame_step * k +
    frame_offset) that covers `frames` output frames at `fps`, or its longest."""
    need = max(1, math.ceil(frames * caps.fps / fps - 1e-9))
    k = max(0, math.ceil((need - caps.frame_offset) / caps.frame_step))
    n = caps.frame_step * k + caps.frame_offset
    if caps.max_frames and n > caps.max_frames:
        n = caps.frame_step * ((caps.max_frames - caps.frame_offset) // caps.frame_step) + caps.frame_offset
    return n


def retime(native: int, native_fps: float, frames: int, fps: int, *, slow: bool = True, ends: bool = False) -> list[int]:
    """For each of `frames` output frames at `fps`, the native frame it shows: the clip plays at its
    own speed and its surplus is trimmed; a clip shorter than the shot (the model's longest) is
    slowed to fill it, or with `slow=False` (a clip moved by its audio: slowing would break the
    sync) holds its last frame. With `ends` (a clip that ends on the next shot's keyframe) the clip
    is spread over the shot from its first frame to its last, whatever its surplus. Either way the
    shot keeps exactly `frames` frames."""
    if ends:
        return [round(i * (native - 1) / max(1, frames - 1)) for i in range(frames)]
    if native / native_fps >= frames / fps - 1e-9 or not slow:
        return [min(native - 1, int(i * native_fps / fps + 1e-9)) for i in range(frames)]
    return [min(native - 1, int(i * native / frames)) for i in range(frames)]


def capabilities(renderer_id: str) -> Capabilities:
    """What the renderer named by `renderer_id` takes and makes, without loading its weights."""
    scheme, rest = parse_id(renderer_id)
    if scheme == "procedural":
        from renderers.procedural import ProceduralRenderer

        return ProceduralRenderer.capabilities
    if scheme == "comfyui":
        from renderers.comfyui import capabilities as comfyui_capabilities

        return comfyui_capabilities(rest)
    from renderers.diffusers import family_of

    return family_of(rest).capabilities


def check_renderer(cfg: RenderConfig) -> Capabilities:
    """Fail before the run starts with one line when the renderer or the motion model cannot be
    used here (unknown id, missing package or folder, a model of the wrong kind, continuity asked
    of a motion model that cannot end a clip on a given frame)."""
    motion = motion_capabilities(cfg.motion)
    if cfg.motion_continuity and not (motion and motion.last_frame):
        raise InputError(
            f"render.motion_continuity needs a motion model that ends a clip on a given frame; {cfg.motion} does not "
            "(diffusers: a Wan first-last-frame checkpoint such as Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers; comfyui: a 'songflow last frame' node)"
        )
    return capabilities(cfg.renderer)


# Each renderer and motion model is loaded once per process (per id and settings) and shared by
# the render, QA and motion tasks.
_LOADED: dict[tuple[str, RenderConfig], Renderer | Motion] = {}
_LOCK = threading.Lock()


def _once(kind: str, cfg: RenderConfig, make):
    with _LOCK:
        if (kind, cfg) not in _LOADED:
            _LOADED[kind, cfg] = make()
        return _LOADED[kind, cfg]


def load_renderer(cfg: RenderConfig) -> Renderer:
    scheme, rest = parse_id(cfg.renderer)

    def make() -> Renderer:
        if scheme == "procedural":
            from renderers.procedural import ProceduralRenderer

            return ProceduralRenderer()
        if scheme == "comfyui":
            from renderers.comfyui import ComfyUIRenderer

            return ComfyUIRenderer(rest, cfg)
        from renderers.diffusers import DiffusersRenderer

        return DiffusersRenderer(rest, cfg)

    return _once("renderer", cfg, make)


def release_renderers() -> None:
    """Close every loaded renderer's processes and connections (at the end of a run's drawing)."""
    with _LOCK:
        loaded = [r for r in _LOADED.values() if isinstance(r, Renderer)]
    for renderer in loaded:
        renderer.close()
    from renderers.procedural import release  # the pool also draws stage 4's safe fallback keyframes

    release()


def load_motion(cfg: RenderConfig) -> Motion | None:
    """The image-to-video model, or None for kenburns."""
    scheme, rest = parse_motion_id(cfg.motion)
    if scheme == "kenburns":
        return None

    def make() -> Motion:
        if scheme == "comfyui":
            from renderers.comfyui import ComfyUIMotion

            return ComfyUIMotion(rest, cfg)
        from renderers.diffusers import DiffusersMotion

        return DiffusersMotion(rest, cfg)

    return _once("motion", cfg, make)


__all__ = [
    "Capabilities", "Motion", "Renderer", "capabilities", "check_renderer", "load_motion", "load_renderer",
    "motion_capabilities", "native_frames", "parse_id", "parse_motion_id", "release_renderers", "retime",
]
