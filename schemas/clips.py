"""Moving shots: one image-to-video clip per shot, or the still it fell back to."""

from __future__ import annotations

from pydantic import Field

from schemas.common import Strict


class FrameReview(Strict):
    """A vision model's verdict on one frame of a clip (its first, middle or last)."""

    frame: int = Field(ge=0)
    image: str = Field(description="The frame as a picture, relative to the song's output folder.")
    score: int = Field(ge=0, le=10)
    passed: bool
    reasons: list[str] = Field(default_factory=list, description="Why it was rejected: failed checks and the judge's issues.")


class ShotClip(Strict):
    shot_index: int = Field(ge=0)
    clip: str | None = Field(description="The clip's path relative to the song's output folder; null when the shot fell back to its still.")
    keyframe: str = Field(description="The keyframe it moves from (relative path).")
    frames: int = Field(ge=1, description="Frames the shot takes in the video at its frame rate, transition overlaps included.")
    native_frames: int = Field(0, ge=0, description="Frames the model made (its frame-count rule), before retiming.")
    native_fps: float = Field(0.0, ge=0)
    seed: int = Field(ge=0)
    fallback: str | None = Field(None, description="Why the shot kept its still with a Ken Burns move instead of a clip.")
    review: list[FrameReview] = Field(default_factory=list, description="A vision model's look at the clip's first, middle and last frames.")
    audio_start: float | None = Field(None, ge=0, description="Where the song's audio that moved the clip starts (seconds; a model moved by audio).")
    audio_seconds: float | None = Field(None, ge=0, description="How much of the song's audio moved the clip (the clip the model made).")
    voice: list[tuple[float, float]] = Field(
        default_factory=list, description="A lip-sync shot's sung spans (song seconds) whose voice moved the clip; empty for other shots."
    )
    voice_audio: str | None = Field(None, description="The voice the clip was moved by, a WAV (relative path; lip-sync shots).")
    last_keyframe: str | None = Field(None, description="The next shot's keyframe the clip ends on (relative path; continuity), or null.")

    @property
    def voice_seconds(self) -> float:
        return sum(b - a for a, b in self.voice)


class ClipReport(Strict):
    """Stage output of the motion step: which shots move, and how each clip was made."""

    model: str
    fps: int
    shots: list[ShotClip]
