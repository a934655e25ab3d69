"""Stage 2 hand-off: one scene per section and a style bible shared by all of them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from schemas.common import HexColor, Strict, check_tiling, text

CameraMotion = Literal["hold", "pan_left", "pan_right", "zoom_in", "zoom_out", "tilt_up", "tilt_down"]


class StyleBible(Strict):
    """Look shared by every scene, so the video reads as one piece."""

    medium: text(80) = Field(description="Visual medium, e.g. 'grainy 35mm film' or 'flat vector art'.")  # type: ignore[valid-type]
    lighting: text(80) = Field(description="Light quality shared by all scenes.")  # type: ignore[valid-type]
    recurring_motif: text(60) = Field(description="An element that appears in every scene.")  # type: ignore[valid-type]


class SceneDraft(Strict):
    """What the model writes for one section."""

    setting: text(100) = Field(description="Where the scene takes place.")  # type: ignore[valid-type]
    subject: text(80) = Field(description="The main thing in frame.")  # type: ignore[valid-type]
    palette: list[HexColor] = Field(min_length=3, max_length=5, description="Colours as #rrggbb, darkest first.")
    camera: CameraMotion = Field(description="Camera motion for the scene.")


class ScenePlanDraft(Strict):
    """Stage 2's decoder schema."""

    style: StyleBible
    scenes: list[SceneDraft] = Field(max_length=12, description="One scene per section, in order.")


class Scene(SceneDraft):
    index: int = Field(ge=0)
    section_index: int = Field(ge=0)
    start: float = Field(ge=0)
    end: float = Field(gt=0)


class ScenePlan(Strict):
    """Stage 2 output."""

    duration: float = Field(gt=0)
    style: StyleBible
    scenes: list[Scene] = Field(min_length=1)
    model: str

    @model_validator(mode="after")
    def _covers_song(self) -> ScenePlan:
        for scene in self.scenes:
            if scene.start < 0 or scene.end > self.duration + 1e-6:
                raise ValueError(
                    f"scene {scene.index} ({scene.start:.2f}-{scene.end:.2f}s) lies outside the song "
                    f"(0-{self.duration:.2f}s)"
                )
        check_tiling([(s.start, s.end) for s in self.scenes], 0.0, self.duration, "scene")
        if [s.index for s in self.scenes] != list(range(len(self.scenes))):
            raise ValueError("scene indexes must be 0, 1, 2, ... in order")
        return self
