"""Stage 3: shot boundaries computed on beats, image prompts written by Gemma (one call per scene)."""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass

from backends.base import TextModel
from backends.structured import generate_structured
from schemas.analysis import SongAnalysis
from schemas.common import exact_items
from schemas.scenes import ScenePlan
from schemas.shots import Shot, ShotList, ShotPromptBatch
from songflow.config import ModelConfig, ShotConfig
from stages._prompts import render_prompt

log = logging.getLogger(__name__)

EPS = 1e-6


@dataclass(frozen=True)
class ShotSpan:
    start: float
    end: float
    scene_index: int


def shot_spans(analysis: SongAnalysis, cfg: ShotConfig = ShotConfig()) -> list[ShotSpan]:
    """Cut each section into shots on beats: shorter shots when louder, cuts snapped to downbeats.

    Sections start on beats, so every cut (shot start after 0) is a beat time.
    """
    beats = analysis.beats
    downbeats = set(analysis.downbeats)
    spans: list[ShotSpan] = []
    for section in analysis.sections:
        length = round(cfg.beats_per_shot_calm + (cfg.beats_per_shot_intense - cfg.beats_per_shot_calm) * section.energy)
        length = max(1, length)
        inside = [i for i, t in enumerate(beats) if section.start - EPS <= t < section.end - EPS]
        cuts: list[float] = []
        if inside:
            last = inside[-1]
            current = inside[0]
            while True:
                target = current + length
                # Stop when the rest of the section would make a shot shorter than half a shot.
                if target > last or last - target + 1 < (length + 1) // 2:
                    break
                window = range(max(current + 1, target - cfg.downbeat_snap_beats), min(last, target + cfg.downbeat_snap_beats) + 1)
                on_downbeat = [i for i in window if beats[i] in downbeats]
                cut = min(on_downbeat, key=lambda i: abs(i - target)) if on_downbeat else target
                cuts.append(beats[cut])
                current = cut
        edges = [section.start, *cuts, section.end]
        spans += [ShotSpan(a, b, section.index) for a, b in zip(edges, edges[1:])]
    return spans


def shot_seed(audio_sha256: str, index: int) -> int:
    """Deterministic renderer seed per shot; QA re-renders derive theirs with Shot.seed_for."""
    return zlib.crc32(f"{audio_sha256}:{index}:0".encode()) & 0x7FFFFFFF


def write_shots(
    analysis: SongAnalysis,
    plan: ScenePlan,
    model: TextModel,
    cfg: ShotConfig = ShotConfig(),
    model_cfg: ModelConfig = ModelConfig(),
) -> ShotList:
    """Shots tiling the song, with prompts written in one batched model call per scene."""
    spans = shot_spans(analysis, cfg)
    style = plan.style
    shots: list[Shot] = []
    for scene in plan.scenes:
        mine = [s for s in spans if s.scene_index == scene.section_index]
        section = analysis.sections[scene.section_index]
        messages = render_prompt(
            "write_shots",
            medium=style.medium,
            lighting=style.lighting,
            motif=style.recurring_motif,
            scene_number=scene.index + 1,
            n_scenes=len(plan.scenes),
            setting=scene.setting,
            subject=scene.subject,
            palette=", ".join(scene.palette),
            camera=scene.camera,
            lyrics="\n".join(line.text for line in section.lyrics) or "(instrumental)",
            imagery=", ".join(analysis.interpretation.imagery),
            n_shots=len(mine),
        )
        batch = generate_structured(
            model,
            messages,
            exact_items(ShotPromptBatch, "shots", len(mine)),
            what=f"write_shots (stage 3), scene {scene.index}",
            attempts=model_cfg.attempts,
            seed=model_cfg.seed + scene.index,
        )
        for span, prompt in zip(mine, batch.shots):
            index = len(shots)
            shots.append(
                Shot(
                    index=index,
                    scene_index=scene.index,
                    start=span.start,
                    end=span.end,
                    prompt=prompt.prompt,
                    composition=prompt.composition,
                    setting=scene.setting,
                    subject=scene.subject,
                    palette=scene.palette,
                    camera=scene.camera,
                    seed=shot_seed(analysis.audio_sha256, index),
                )
            )
    log.info("%d shots over %d scenes", len(shots), len(plan.scenes))
    return ShotList(duration=analysis.duration, shots=shots, model=model.id)
