"""Stage 3 hand-off: shots with code-computed boundaries and model-written image prompts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from schemas.common import HexColor, Strict, check_tiling, text
from schemas.scenes import CameraMotion, Character

PROMPT_LENGTH = 200  # an image prompt, as stage 3 writes it and stage 4 rewrites it

Composition = Literal["center", "left_third", "right_third", "low_horizon", "high_horizon", "close_up", "wide"]
# What the renderer reads instead of parsing prose (stage 3 fills them; None in older shot lists).
ShotSize = Literal["extreme_wide", "wide", "medium", "medium_close_up", "close_up", "extreme_close_up"]
Angle = Literal["eye_level", "low", "high", "aerial"]
TimeOfDay = Literal["dawn", "morning", "noon", "afternoon", "sunset", "dusk", "night", "midnight"]
Weather = Literal["clear", "drizzle", "downpour", "fog", "snow", "wind", "storm", "haze"]
Light = Literal["sun", "moon", "neon", "strobe", "streetlight", "candle", "fire", "daylight", "twilight", "backlight"]


class ShotPrompt(Strict):
    """What the model writes for one shot."""

    prompt: text(PROMPT_LENGTH) = Field(description="Image prompt for this shot's keyframe.")  # type: ignore[valid-type]
    composition: Composition = Field(description="Where the subject sits in frame.")


class ShotPromptBatch(Strict):
    """Stage 3's decoder schema: the prompts for all shots of one scene, in order."""

    shots: list[ShotPrompt] = Field(max_length=32, description="One entry per shot, in order.")


class Shot(ShotPrompt):
    index: int = Field(ge=0)
    scene_index: int = Field(ge=0)
    start: float = Field(ge=0)
    end: float = Field(gt=0)
    setting: str = Field(max_length=100, description="The scene's setting.")
    subject: str = Field(max_length=80, description="The scene's subject.")
    palette: list[HexColor] = Field(min_length=3, max_length=5)
    camera: CameraMotion
    seed: int = Field(ge=0, description="Renderer seed; QA re-renders use a new one.")
    characters: list[Character] = Field(default_factory=list, description="The recurring characters in frame, with their fixed looks.")
    shot_size: ShotSize | None = Field(None, description="How much of the subject the frame shows.")
    angle: Angle | None = Field(None, description="Where the camera looks from.")
    time_of_day: TimeOfDay | None = Field(None, description="The time of day of the setting.")
    weather: Weather | None = Field(None, description="The weather of the setting (None indoors or unsaid).")
    light: Light | None = Field(None, description="The kind of light the shot is lit by.")

    def seed_for(self, attempt: int) -> int:
        """Renderer seed of QA attempt `attempt` (0 is the first render)."""
        return self.seed if attempt == 0 else (self.seed + 7919 * attempt) & 0x7FFFFFFF


class ShotList(Strict):
    """Stage 3 output. Shots tile [0, duration] exactly."""

    duration: float = Field(gt=0)
    shots: list[Shot] = Field(min_length=1)
    model: str

    @model_validator(mode="after")
    def _tiles_song(self) -> ShotList:
        check_tiling([(s.start, s.end) for s in self.shots], 0.0, self.duration, "shot")
        if [s.index for s in self.shots] != list(range(len(self.shots))):
            raise ValueError("shot indexes must be 0, 1, 2, ... in order")
        return self
