"""Render a 1280x720 keyframe per shot with the chosen renderer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from renderers import Renderer
from schemas.drawing import DRAWING_KEY, TRY_KEY
from schemas.scenes import StyleBible
from schemas.shots import Shot
from songflow.core.config import RenderConfig
from songflow.core.fsutil import atomic_path

log = logging.getLogger(__name__)

# A renderer that is not `parallel` (a model on one GPU, a server) draws one shot at a time.
_ONE_AT_A_TIME = threading.Lock()


def keyframe_name(shot_index: int, attempt: int) -> str:
    return f"keyframes/shot_{shot_index:03d}_a{attempt}.png"


def render_keyframe(
    shot: Shot,
    renderer: Renderer,
    out_dir: Path,
    *,
    attempt: int = 0,
    seed: int | None = None,
    style: StyleBible | None = None,
    cfg: RenderConfig = RenderConfig(),
    references: Sequence[Path] = (),
    drawn_on_try: int = 1,
) -> Path:
    """Render one keyframe to `out_dir/keyframes/` atomically; return its path. `references` (earlier
    keyframes) go to a renderer that takes reference pictures. `drawn_on_try`: the try of the task
    drawing it (above 1: the renderer's server failed before and was waited for), kept in the PNG."""
    pictures = []
    if renderer.capabilities.references:
        for path in references:
            with Image.open(path) as im:
                pictures.append(im.convert("RGB"))
    kwargs = dict(seed=shot.seed if seed is None else seed, width=cfg.width, height=cfg.height, style=style, references=pictures)
    if renderer.parallel:
        image = renderer.render(shot, **kwargs)
    else:
        with _ONE_AT_A_TIME:
            image = renderer.render(shot, **kwargs)
    info = PngInfo()
    if DRAWING_KEY in image.info:
        info.add_text(DRAWING_KEY, image.info[DRAWING_KEY])
    if drawn_on_try > 1:
        info.add_text(TRY_KEY, str(drawn_on_try))
    target = Path(out_dir) / keyframe_name(shot.index, attempt)
    with atomic_path(target) as tmp:
        image.save(tmp, format="PNG", pnginfo=info)
    return target

