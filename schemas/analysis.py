"""Stage 1 hand-off: what the audio analysis measured and what Gemma read into it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from schemas.common import TIME_EPS, Strict, check_tiling, text


class LyricLine(Strict):
    start: float = Field(ge=0, description="Seconds from the start of the song.")
    end: float = Field(gt=0)
    text: str = Field(max_length=300)
    timing: Literal["given", "given-start", "estimated", "heard"] = Field(
        description="'given': start and end from the lyrics file; 'given-start': the file gave the start, "
        "the end was estimated from where the voice stops; 'estimated': plain text placed on the detected "
        "vocal regions; 'heard': words an audio model heard in that stretch of the song (no lyrics given)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> LyricLine:
        if self.end <= self.start:
            raise ValueError(f"lyric line ends ({self.end:.3f}s) before it starts ({self.start:.3f}s)")
        return self


class Section(Strict):
    index: int = Field(ge=0)
    start: float = Field(ge=0)
    end: float = Field(gt=0)
    energy: float = Field(ge=0, le=1, description="Mean loudness relative to the loudest section.")
    label: str = Field(pattern=r"^[A-Z]$", description="Sections that sound alike share a label (A, B, A, ...).")
    lyrics: list[LyricLine] = Field(default_factory=list, description="Lines that start in this section (or up to 0.1 s before it).")


class VocalRegion(Strict):
    start: float = Field(ge=0)
    end: float = Field(gt=0)


class BeatCheck(Strict):
    """The beat grid's tempo against an estimate made another way: when they disagree, the
    metrical level (the beat, or half, double, 2/3 ... of it) is in doubt."""

    method: str = Field(description="How the other estimate was made.")
    tempo: float = Field(gt=0, description="The other estimate, BPM.")
    relation: str = Field(description="Grid tempo : other estimate, as '1:1', '3:2', '2:1' ...; 'unrelated' when neither.")
    agrees: bool


class HeardWindow(Strict):
    """What an audio-capable model hears in one window of the song (stage 1's listening schema)."""

    genre: text(40) = Field(description="Genre or style in a few words.")  # type: ignore[valid-type]
    mood: text(60) = Field(description="Mood of this stretch.")  # type: ignore[valid-type]
    instruments: list[text(30)] = Field(max_length=6, description="Instruments and voices heard.")  # type: ignore[valid-type]
    words: list[text(120)] = Field(max_length=8, description="Sung lines heard, in order; empty when none.")  # type: ignore[valid-type]


class HeardPart(HeardWindow):
    start: float = Field(ge=0)
    end: float = Field(gt=0)


class Hearing(Strict):
    """The song as heard by an audio model, window by window: heard, not given."""

    model: str
    windows: list[HeardPart] = Field(min_length=1)


class TagScore(Strict):
    tag: str = Field(max_length=40, description="'mtt:<tag>' (MagnaTagATune tagger) or 'msd:<tag>' (Million Song Dataset tagger).")
    score: float = Field(ge=0, le=1)


class SectionTags(Strict):
    index: int = Field(ge=0)
    top: list[TagScore] = Field(max_length=10, description="The section's strongest tags, strongest first.")
    voice: float = Field(ge=0, le=1, description="Share of the section the tagger hears a voice in.")


class TagRow(Strict):
    tag: str = Field(max_length=40)
    scores: list[Annotated[float, Field(ge=0, le=1)]] = Field(description="One score per window.")


class Options(Strict):
    """What the chooser was offered for one word, and why."""

    offered: list[str] = Field(min_length=1)
    from_tags: bool = Field(description="True: only the options a heard tag supports; False: no option's tag was heard, so all were offered.")


class MusicTags(Strict):
    """What the music tagger heard: tag scores for the song, each section and each window."""

    tagger: str = Field(description="The tagger and its models.")
    threshold: float = Field(ge=0, le=1, description="A tag at or above this score counts as heard.")
    window: float = Field(gt=0, description="Seconds per window.")
    starts: list[float] = Field(min_length=1, description="Start of each window, seconds.")
    song: list[TagScore] = Field(max_length=12, description="The song's strongest tags (mean over its windows), strongest first.")
    sections: list[SectionTags]
    taggram: list[TagRow] = Field(max_length=24, description="The song's strongest tags, window by window (the report draws it).")
    voice_share: float = Field(ge=0, le=1, description="Share of the song's windows the tagger hears a voice in.")
    genre: Options
    mood: Options


class SectionNote(Strict):
    """What Gemma writes for one section."""

    description: text(120) = Field(description="One line: what this part of the song feels like.")  # type: ignore[valid-type]


class SongInterpretation(Strict):
    """The part of SongAnalysis written by the model (stage 1's decoder schema)."""

    mood: text(60) = Field(description="Overall mood in a few words.")  # type: ignore[valid-type]
    genre: text(40) | None = Field(None, description="Genre or style in a few words.")  # type: ignore[valid-type]
    themes: list[text(40)] = Field(min_length=1, max_length=4, description="Themes of the song.")  # type: ignore[valid-type]
    imagery: list[text(60)] = Field(min_length=1, max_length=5, description="Concrete images the song evokes.")  # type: ignore[valid-type]
    sections: list[SectionNote] = Field(max_length=12, description="One note per section, in order.")


class SongAnalysis(Strict):
    """Stage 1 output: measured music features, lyrics and the model's interpretation."""

    title: str = Field(max_length=200)
    audio_path: str
    audio_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    duration: float = Field(gt=0, description="Seconds.")
    tempo: float = Field(gt=0, description="Beats per minute.")
    beats: list[float] = Field(min_length=2, description="Beat times in seconds.")
    downbeats: list[float] = Field(min_length=1, description="Beat times that start a bar.")
    beat_tracker: str = Field("librosa", description="The tracker that found the beats (analyze.beats).")
    beats_per_bar: int | None = Field(None, ge=1, le=12, description="Beats to the bar: found from the music, or as set (analyze.beats_per_bar).")
    beat_division: Literal[2, 3] | None = Field(None, description="How each beat divides: 2 (simple time), 3 (compound: a 6/8's dotted quarters into eighths).")
    time_signature: str | None = Field(None, pattern=r"^[0-9]{1,2}/(4|8)$", description="The metre heard: '4/4', '3/4', '2/4', or '6/8', '9/8', '12/8' when the beat divides in three.")
    beat_doubts: list[str] = Field(default_factory=list, max_length=8, description="Where two readings of the beat disagree (level, phase, bar length), one line each.")
    cut_grid: Literal["beats", "onsets"] = Field("beats", description="What cuts follow: the beats, or the strong onsets when the beat grid itself is in doubt.")
    onsets: list[float] = Field(default_factory=list, description="The strong onsets (s) cuts follow when cut_grid is 'onsets'.")
    beat_confidence: float | None = Field(None, ge=0, le=1, description="Share of the beats that land on an onset stronger than the song's average.")
    beat_check: BeatCheck | None = None
    sections: list[Section] = Field(min_length=1)
    energy: list[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]] = Field(default_factory=list, description="Loudness 0..1 sampled at energy_rate Hz.")
    energy_rate: float = Field(10.0, gt=0, description="Samples per second of `energy`.")
    vocals: list[VocalRegion] = Field(default_factory=list, description="Where a voice was detected in the audio.")
    lyrics_source: Literal["lrc", "srt", "vtt", "txt", "heard", "none"]
    lyrics: list[LyricLine] = Field(default_factory=list)
    heard: Hearing | None = Field(None, description="What an audio model heard, when stage 1 listened.")
    tags: MusicTags | None = Field(None, description="What the music tagger heard (analyze.tagger); None when it is off.")
    interpretation: SongInterpretation
    model: str = Field(description="Model id that wrote the interpretation.")

    @property
    def cut_points(self) -> list[float]:
        """Where cuts may go: the beats, or the strong onsets when the grid is in doubt."""
        return self.onsets if self.cut_grid == "onsets" else self.beats

    @model_validator(mode="after")
    def _consistent(self) -> SongAnalysis:
        if any(b2 <= b1 for b1, b2 in zip(self.beats, self.beats[1:])):
            raise ValueError("beat times must increase")
        if self.beats[0] < 0 or self.beats[-1] > self.duration + TIME_EPS:
            raise ValueError("beat times must lie inside the song")
        beat_set = set(self.beats)
        if any(d not in beat_set for d in self.downbeats):
            raise ValueError("every downbeat must be one of the beats")
        if any(b <= a for a, b in zip(self.onsets, self.onsets[1:])) or any(t < 0 or t > self.duration + TIME_EPS for t in self.onsets):
            raise ValueError("onset times must increase and lie inside the song")
        if self.cut_grid == "onsets" and len(self.onsets) < 2:
            raise ValueError("cuts that follow the onsets need at least two onsets")
        check_tiling([(s.start, s.end) for s in self.sections], 0.0, self.duration, "section")
        if [s.index for s in self.sections] != list(range(len(self.sections))):
            raise ValueError("section indexes must be 0, 1, 2, ... in order")
        if len(self.interpretation.sections) != len(self.sections):
            raise ValueError(
                f"interpretation has {len(self.interpretation.sections)} section notes "
                f"for {len(self.sections)} sections"
            )
        if self.tags is not None:
            if [t.index for t in self.tags.sections] != list(range(len(self.sections))):
                raise ValueError("tags must have one entry per section, in order")
            if any(len(row.scores) != len(self.tags.starts) for row in self.tags.taggram):
                raise ValueError("every taggram row must have one score per window")
        for line in self.lyrics:
            if line.end > self.duration + TIME_EPS:
                raise ValueError(f"lyric line {line.text!r} ends after the song ({line.end:.2f}s)")
        return self
