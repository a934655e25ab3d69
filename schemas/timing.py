"""The timing report: how the finished video's cuts and captions line up with the music and lyrics."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.analysis import BeatCheck
from schemas.common import Strict


class CutTiming(Strict):
    shot_index: int = Field(ge=1, description="The shot this cut leads into.")
    time: float = Field(description="Seconds: the frame on which the cut (or a transition's midpoint) happens.")
    kind: Literal["cut", "crossfade", "dip"]
    section_change: bool
    nearest_beat: float
    offset: float = Field(description="time - nearest_beat, seconds.")
    on_downbeat: bool
    inside_line: str | None = Field(None, description="The sung line this cut falls inside, if any.")
    line_allows_cut: bool = Field(False, description="The line is longer than the longest shot, so a cut on a beat inside it is allowed.")


class CaptionTiming(Strict):
    text: str
    start: float
    end: float
    shown_from: float = Field(description="Time of the first frame showing the caption.")
    shown_until: float = Field(description="Time of the first frame after it.")
    on_error_frames: float = Field(description="(shown_from - start) in frames.")
    off_error_frames: float = Field(description="(shown_until - end) in frames.")


class TimingSummary(Strict):
    cuts: int
    median_abs_offset: float = Field(description="Seconds, over all cuts (0 when there are none).")
    max_abs_offset: float
    share_within_limit: float = Field(ge=0, le=1, description="Share of cuts within max_cut_offset_seconds of a beat.")
    cuts_inside_lines: int = Field(description="Cuts inside a sung line that is not longer than a shot may be.")
    cuts_inside_long_lines: int
    max_caption_error_frames: float
    video_duration: float = Field(description="Seconds, measured on the MP4's video stream.")
    audio_duration: float = Field(description="Seconds, measured on the MP4's audio stream.")
    song_duration: float
    duration_error_frames: float = Field(description="Largest |stream duration - song duration| in frames.")


class BeatEvidence(Strict):
    """What the cut offsets are measured against, and how far that grid can be trusted: cut offsets
    are measured against the detected beats, so they say nothing about a grid at the wrong
    metrical level."""

    tracker: str
    tempo: float = Field(description="The grid's tempo, BPM.")
    confidence: float | None = Field(None, description="Share of the grid's beats on an onset stronger than the song's average.")
    check: BeatCheck | None = Field(None, description="The grid's tempo against an estimate made another way.")
    confirmed: bool = Field(description="The other estimate agrees on the metrical level and the confidence is at least 0.5.")
    note: str | None = Field(None, description="One line saying what is in doubt, when not confirmed.")


class TimingReport(Strict):
    fps: int
    limits: dict[str, float]
    cuts: list[CutTiming]
    captions: list[CaptionTiming]
    summary: TimingSummary
    failures: list[str] = Field(default_factory=list, description="Hard rules broken; empty when the video passes.")
    beat_grid: BeatEvidence | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def verdict(self) -> str:
        """'PASS', 'PASS, beat grid unconfirmed' (the cuts sit on a grid the music may not share) or 'FAIL'."""
        if self.failures:
            return "FAIL"
        return "PASS" if self.beat_grid is None or self.beat_grid.confirmed else "PASS, beat grid unconfirmed"
