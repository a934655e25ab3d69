"""Stage 2: one scene per section plus a shared style bible, written by Gemma."""

from __future__ import annotations

import logging

from backends.base import TextModel
from backends.structured import generate_structured
from schemas.analysis import SongAnalysis
from schemas.common import exact_items
from schemas.scenes import COLOURS, Scene, ScenePlan, ScenePlanDraft
from songflow.config import ModelConfig, PlanConfig
from stages._prompts import render_prompt

log = logging.getLogger(__name__)


def plan_scenes(
    analysis: SongAnalysis,
    model: TextModel,
    cfg: PlanConfig = PlanConfig(),
    model_cfg: ModelConfig = ModelConfig(),
) -> ScenePlan:
    """Ask `model` for a scene per section of `analysis`; timing comes from the sections."""
    sections = analysis.sections
    notes = analysis.interpretation.sections
    rows = []
    for s, note in zip(sections, notes):
        words = " / ".join(line.text for line in s.lyrics) or "instrumental"
        rows.append(f"{s.index + 1}. {s.start:.1f}-{s.end:.1f}s, energy {s.energy:.2f}. {note.description} Lyrics: {words}")
    interp = analysis.interpretation
    messages = render_prompt(
        "plan_scenes",
        title=analysis.title,
        mood=interp.mood,
        themes=", ".join(interp.themes),
        imagery=", ".join(interp.imagery),
        sections="\n".join(rows),
        n_scenes=len(sections),
        colours=", ".join(COLOURS),
    )
    draft = generate_structured(
        model,
        messages,
        exact_items(ScenePlanDraft, "scenes", len(sections)),
        what="plan_scenes (stage 2)",
        attempts=model_cfg.attempts,
        max_new_tokens=cfg.max_new_tokens,
        seed=model_cfg.seed,
    )
    scenes = [
        Scene(
            index=s.index,
            section_index=s.index,
            start=s.start,
            end=s.end,
            setting=d.setting,
            subject=d.subject,
            camera=d.camera,
            palette=d.palette_hex(),
        )
        for s, d in zip(sections, draft.scenes)
    ]
    return ScenePlan(duration=analysis.duration, style=draft.style, scenes=scenes, model=model.id)
