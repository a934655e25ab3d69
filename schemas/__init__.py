"""Hand-off models between stages: each is the decoder's JSON Schema and the validator."""

from schemas.clips import ClipReport, ShotClip
from schemas.analysis import LyricLine, Section, SectionNote, SongAnalysis, SongInterpretation
from schemas.qa import Evidence, KeyframeVerdict, QAAttempt, QAReport, ShotQA
from schemas.scenes import PaletteDraft, Scene, SceneDraft, ScenePlan, StyleBible
from schemas.shots import Shot, ShotList, ShotPrompt, ShotPromptBatch

__all__ = [
    "ClipReport",
    "ShotClip",
    "Evidence",
    "KeyframeVerdict",
    "LyricLine",
    "QAAttempt",
    "QAReport",
    "Scene",
    "SceneDraft",
    "ScenePlan",
    "PaletteDraft",
    "Section",
    "SectionNote",
    "Shot",
    "ShotList",
    "ShotPrompt",
    "ShotPromptBatch",
    "ShotQA",
    "SongAnalysis",
    "SongInterpretation",
    "StyleBible",
]
