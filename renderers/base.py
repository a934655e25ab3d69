"""The renderer interface: a keyframe per shot, from the shot and optional reference pictures."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

from schemas.drawing import DRAWING_KEY, TRY_KEY, Drawing
from schemas.scenes import StyleBible
from schemas.shots import Shot

if TYPE_CHECKING:
    from renderers.song_audio import ShotAudio


# How a shot's planned composition reads in a text-to-image prompt.
COMPOSITION_WORDS = {
    "center": "subject centred",
    "left_third": "subject on the left third",
    "right_third": "subject on the right third",
    "low_horizon": "low horizon, wide sky",
    "high_horizon": "high horizon, ground filling the frame",
    "close_up": "close-up",
    "wide": "wide shot",
}


def prompt_for(shot: Shot, style: StyleBible | None) -> str:
    parts = [shot.prompt.rstrip(". "), COMPOSITION_WORDS[shot.composition]]
    parts += [f"{c.name}: {c.look}" for c in shot.characters]  # the same words in every shot they are in
    if style:
        parts += [style.medium, style.lighting]
    return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Capabilities:
    """What a renderer takes and makes, known before the run starts."""

    references: bool = False  # takes reference pictures (characters, the scene's style)
    video: bool = False  # makes moving shots
    frame_step: int = 1  # frame counts it can make: frame_step * k + frame_offset
    frame_offset: int = 0
    fps: float | None = None  # its native frame rate (video)
    max_frames: int | None = None
    audio: bool = False  # its clips are driven by the shot's own audio (trimmed to the shot, never slowed)
    lip_sync: bool = False  # a lip-sync shot (a singer on a sung line) is moved by its voice
    last_frame: bool = False  # a clip can end on a given picture (the next shot's keyframe: continuity)

    def describe(self) -> str:
        parts = ["reference pictures" if self.references else "no reference pictures"]
        if self.video:
            parts.append(f"video at {self.fps:g} fps in {self.frame_step}k+{self.frame_offset} frames" + (f", at most {self.max_frames}" if self.max_frames else "")
                         + (", moved by the shot's audio" if self.audio else "") + (", lip-sync for sung shots" if self.lip_sync else "") + (", ends on a given last frame" if self.last_frame else ""))
        else:
            parts.append("stills only")
        return ", ".join(parts)


class Motion(abc.ABC):
    """Turns a shot's keyframe into a moving clip."""

    name: str
    capabilities: Capabilities

    @abc.abstractmethod
    def animate(
        self, shot: Shot, keyframe: Image.Image, *, frames: int, seed: int, style: StyleBible | None = None, audio: ShotAudio | None = None,
        voice: ShotAudio | None = None, last: Image.Image | None = None,
    ) -> list[Image.Image]:
        """`frames` pictures (its native frame count, `capabilities.frame_step` * k +
        `frame_offset`) moving from `keyframe`, at its native frame rate; a model whose
        capabilities take `audio` gets the song's samples under the clip, and one that does
        `lip_sync` gets a lip-sync shot's `voice` (the voice stem, silent outside the sung lines),
        and one that takes a `last_frame` ends the clip on `last` (the next shot's keyframe)."""


class Renderer(abc.ABC):
    """Turns a shot into a keyframe image."""

    name: str
    capabilities: Capabilities = Capabilities()
    parallel: bool = False  # safe to call from several threads at once (else one shot at a time)

    def close(self) -> None:
        """Stop what drawing started (processes, connections); the next render starts them again."""

    @abc.abstractmethod
    def render(
        self,
        shot: Shot,
        *,
        seed: int,
        width: int,
        height: int,
        style: StyleBible | None = None,
        references: Sequence[Image.Image] = (),
    ) -> Image.Image:
        """Draw `shot` deterministically for `seed`, `width` x `height`, guided by `references` where
        the renderer takes them."""


def drawing_of(path) -> Drawing | None:
    """What the renderer recorded it drew in the keyframe PNG at `path` (None: it recorded nothing)."""
    with Image.open(path) as im:
        text = getattr(im, "text", {}).get(DRAWING_KEY)
    return Drawing.model_validate_json(text) if text else None


def try_of(path) -> int:
    """The try of its task that drew the keyframe PNG at `path` (1 unless it says otherwise)."""
    with Image.open(path) as im:
        return int(getattr(im, "text", {}).get(TRY_KEY, 1))
