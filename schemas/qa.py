"""Stage 4 hand-off: a verdict per keyframe, every attempt kept, and the evidence it rests on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from schemas.drawing import Drawing
from schemas.common import Strict, text
from schemas.shots import PROMPT_LENGTH

EvidenceKind = Literal["image", "image-statistics"]


class KeyframeVerdict(Strict):
    """Stage 4's decoder schema: the model's judgement of one keyframe."""

    # Issues first: the model states the problems before it decides and scores.
    issues: list[text(100)] = Field(max_length=4, description="Concrete problems, empty if none.")  # type: ignore[valid-type]
    passed: bool = Field(description="Whether the keyframe is good enough to use.")
    score: int = Field(ge=0, le=10, description="How well the keyframe matches its prompt, 0-10.")


class SeenVerdict(KeyframeVerdict):
    """Stage 4's decoder schema for a model that sees the keyframe: also where the subject is."""

    box_2d: list[int] = Field(
        min_length=4, max_length=4,
        description="The main subject's box [ymin, xmin, ymax, xmax] in a 1000x1000 frame.",
        json_schema_extra={"items": {"type": "integer", "minimum": 0, "maximum": 1000}},
    )

    @field_validator("box_2d")
    @classmethod
    def _ordered(cls, box: list[int]) -> list[int]:
        """Corners given the other way round describe the same box: put them in order."""
        if not all(0 <= v <= 1000 for v in box):
            raise ValueError("box_2d values must lie in 0..1000")
        (ymin, ymax), (xmin, xmax) = sorted(box[0::2]), sorted(box[1::2])
        return [ymin, xmin, ymax, xmax]


class Check(Strict):
    """A measurement compared with a threshold, computed in code."""

    name: str
    value: float
    threshold: float
    passed: bool


class Evidence(Strict):
    kind: EvidenceKind = Field(
        description="'image': the model saw the keyframe; 'image-statistics': it read measurements of it."
    )
    measurements: dict[str, float | str] = Field(default_factory=dict)
    checks: list[Check] = Field(default_factory=list)
    drawing: Drawing | None = Field(None, description="What the renderer drew next to what the shot asked for, where it records it.")


class PromptRewrite(Strict):
    """Stage 4's rewrite of a rejected shot's image prompt."""

    prompt: text(PROMPT_LENGTH) = Field(description="The image prompt, rewritten so the next picture fixes the issues.")  # type: ignore[valid-type]


class QAAttempt(Strict):
    attempt: int = Field(ge=0)
    seed: int
    prompt: str | None = Field(None, description="The image prompt this attempt was drawn from (a rewrite after a rejection).")
    image: str = Field(description="Keyframe path relative to the song's output folder.")
    references: list[str] = Field(
        default_factory=list, description="Reference pictures the renderer was given (paths relative to the song's output folder)."
    )
    evidence: Evidence
    verdict: KeyframeVerdict | SeenVerdict
    accepted: bool
    reasons: list[str] = Field(
        default_factory=list,
        description="Why the attempt was rejected: 'check:<name>' per failed check, 'judge: <issue>' per issue the "
        "judge cited (or 'judge: score N' when it rejected without one). Empty when accepted.",
    )
    overruled: str | None = Field(None, description="A judge's rejection that was not followed, and why.")
    withheld: str | None = Field(None, description="Why the picture was withheld (deleted, never shown): the safety gate's verdict.")
    drawn_on_try: int = Field(
        1, ge=1, description="The try that drew the picture: above 1, the renderer's server could not be reached or was restarting on the tries before, and was waited for."
    )


    @property
    def retried(self) -> str | None:
        """One line for the report where the picture was drawn on a later try; None on the first."""
        if self.drawn_on_try == 1:
            return None
        before = "try 1" if self.drawn_on_try == 2 else f"tries 1-{self.drawn_on_try - 1}"
        return f"drawn on try {self.drawn_on_try}: the renderer's server failed on {before} and was waited for"


class ShotQA(Strict):
    shot_index: int = Field(ge=0)
    attempts: list[QAAttempt] = Field(min_length=1)
    passed: bool
    chosen_attempt: int = Field(ge=0, description="Attempt whose keyframe goes into the video.")

    @model_validator(mode="after")
    def _chosen_exists(self) -> ShotQA:
        if self.chosen_attempt >= len(self.attempts):
            raise ValueError(f"chosen attempt {self.chosen_attempt} does not exist")
        return self


class QAReport(Strict):
    """Stage 4 output."""

    model: str
    evidence_kind: EvidenceKind
    pass_score: int
    shots: list[ShotQA]
    rejections: dict[str, int] = Field(default_factory=dict, description="Rejected attempts counted by reason.")
    safety: str = Field("off", description="The safety gate every keyframe passed before it was judged.")

    @property
    def withheld(self) -> int:
        """Pictures the safety gate withheld."""
        return sum(a.withheld is not None for s in self.shots for a in s.attempts)

    @property
    def redrawn(self) -> int:
        """Shots with a picture drawn after the renderer's server came back (a later try)."""
        return sum(any(a.drawn_on_try > 1 for a in s.attempts) for s in self.shots)

    @model_validator(mode="after")
    def _one_per_shot(self) -> QAReport:
        if [s.shot_index for s in self.shots] != list(range(len(self.shots))):
            raise ValueError("QA report must hold one entry per shot, in order")
        return self
