"""Stage 2: a style bible shared by all scenes, then one scene per section, written by Gemma.

One call per scene: each sees its own section (energy, lyrics, note), which keeps a small model
from copying the previous scene; the style bible and the previous scene keep them coherent.
"""

from __future__ import annotations

import logging

from backends.base import TextModel
from backends.structured import generate_structured
from schemas.analysis import SongAnalysis
from schemas.scenes import Scene, SceneDraft, ScenePlan, StyleBible, scene_draft_after
from songflow.config import ModelConfig, PlanConfig
from stages._prompts import render_prompt

log = logging.getLogger(__name__)


def _energy_word(energy: float) -> str:
    return "quiet" if energy < 0.45 else "building" if energy < 0.8 else "loudest"


def plan_scenes(
    analysis: SongAnalysis,
    model: TextModel,
    cfg: PlanConfig = PlanConfig(),
    model_cfg: ModelConfig = ModelConfig(),
) -> ScenePlan:
    """Ask `model` for a style bible and a scene per section of `analysis`; timing comes from the sections."""
    interp = analysis.interpretation
    song = dict(
        title=analysis.title,
        mood=interp.mood,
        themes=", ".join(interp.themes),
        imagery=", ".join(interp.imagery),
        n_scenes=len(analysis.sections),
    )
    style = generate_structured(
        model,
        render_prompt("plan_style", **song),
        StyleBible,
        what="plan_scenes (stage 2), style bible",
        attempts=model_cfg.attempts,
        seed=model_cfg.seed,
    )
    scenes: list[Scene] = []
    previous: SceneDraft | None = None
    for section, note in zip(analysis.sections, interp.sections):
        draft = generate_structured(
            model,
            render_prompt(
                "plan_scene",
                **song,
                medium=style.medium,
                lighting=style.lighting,
                motif=style.recurring_motif,
                number=section.index + 1,
                energy=_energy_word(section.energy),
                note=note.description,
                lyrics="\n".join(line.text for line in section.lyrics) or "(instrumental)",
                previous=(
                    f"{previous.subject} in {previous.setting}, camera {previous.camera}"
                    if previous
                    else "(this is the first scene)"
                ),
            ),
            scene_draft_after(previous.palette if previous else None),
            what=f"plan_scenes (stage 2), scene {section.index}",
            attempts=model_cfg.attempts,
            seed=model_cfg.seed + 1 + section.index,
        )
        scenes.append(
            Scene(
                index=section.index,
                section_index=section.index,
                start=section.start,
                end=section.end,
                setting=draft.setting,
                subject=draft.subject,
                camera=draft.camera,
                palette=draft.palette.hex(),
            )
        )
        previous = draft
    return ScenePlan(duration=analysis.duration, style=style, scenes=scenes, model=model.id)
