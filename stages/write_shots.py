"""Stage 3: shot boundaries computed on beats, image prompts written by Gemma (one call per scene)."""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass

from backends.base import TextModel
from backends.structured import generate_structured
from schemas.analysis import LyricLine, SongAnalysis
from schemas.common import exact_items
from schemas.scenes import ScenePlan
from schemas.shots import PROMPT_LENGTH, Shot, ShotList, ShotPromptBatch
from songflow.core.config import ModelConfig, ShotConfig
from schemas.scenes import COLOUR_NAMES, Scene
from songflow.words.vocab import COMPOSITION_FOR, LENSES, SHOT_SIZES, loudness_word, lyric_nouns, noun_kind, section_roles, with_article
from songflow.words.agreement import subjects_for
from songflow.words.staging import staging
from songflow.words.choose import Chooser, capitalize, join_words
from stages._prompts import render_prompt, render_text

log = logging.getLogger(__name__)

EPS = 1e-6


@dataclass(frozen=True)
class ShotSpan:
    start: float
    end: float
    scene_index: int


def inside_phrase(t: float, lines: list[LyricLine], edge: float) -> LyricLine | None:
    """The lyric line that `t` falls inside (more than `edge` seconds from both its ends), if any."""
    for line in lines:
        if line.start + edge < t < line.end - edge:
            return line
    return None


def shot_spans(analysis: SongAnalysis, cfg: ShotConfig = ShotConfig()) -> list[ShotSpan]:
    """Cut each section into shots. Rules, hardest first:

    - sections change on their (downbeat) boundaries; every other cut is on a detected beat;
    - no cut inside a sung line; a line longer than `max_shot_seconds` may be cut on a beat inside it;
    - every shot lasts `min_shot_seconds` .. `max_shot_seconds` where the beats allow it;
    - shot length follows section energy (beats_per_shot_calm .. _intense) at the local tempo, and
      cuts prefer downbeats.

    Within a section the cuts are chosen together (dynamic programming over the allowed beats),
    minimising how far each shot's length is from its target, so one awkward phrase does not
    push every later cut off the bar.
    """
    beats = analysis.cut_points  # the onsets when the beat grid is in doubt
    downbeats = set(analysis.downbeats)
    lines = analysis.lyrics
    long_lines = [ln for ln in lines if ln.end - ln.start > cfg.max_shot_seconds]
    short_lines = [ln for ln in lines if ln.end - ln.start <= cfg.max_shot_seconds]
    spans: list[ShotSpan] = []
    for section in analysis.sections:
        n_beats = cfg.beats_per_shot_calm + (cfg.beats_per_shot_intense - cfg.beats_per_shot_calm) * section.energy
        # Candidate cuts more than EPS from the section's ends and from each other (as ShotList checks).
        inside: list[int] = []
        for i, t in enumerate(beats):
            if t - section.start > EPS and section.end - t > EPS and (not inside or t - beats[inside[-1]] > EPS):
                inside.append(i)
        allowed = [i for i in inside if not inside_phrase(beats[i], short_lines, cfg.phrase_edge_seconds)]
        times = [section.start] + [beats[i] for i in allowed] + [section.end]
        # Extra cost of a node: off the downbeat, or inside a long line (allowed as a last resort).
        extra = [0.0]
        for i in allowed:
            cost = 0.0 if beats[i] in downbeats else cfg.off_downbeat_cost
            if inside_phrase(beats[i], long_lines, cfg.phrase_edge_seconds):
                cost += LONG_LINE_CUT_COST
            extra.append(cost)
        extra.append(0.0)
        targets = [n_beats * _beat_period(beats, i) for i in allowed]
        targets = [targets[0] if targets else n_beats * _beat_period(beats, 0), *targets]

        def shot_cost(a: int, b: int) -> float:
            length, target = times[b] - times[a], targets[a]
            if length < cfg.min_shot_seconds - BEAT_JITTER or length > cfg.max_shot_seconds + BEAT_JITTER:
                return OUT_OF_BOUNDS_COST + length / 1000  # a path always exists; it is just dear
            return ((length - target) / target) ** 2

        n = len(times)
        best = [0.0] + [float("inf")] * (n - 1)
        back = [0] * n
        for b in range(1, n):
            for a in range(b):
                cost = best[a] + shot_cost(a, b) + extra[b]
                if cost < best[b]:
                    best[b], back[b] = cost, a
        cuts, node = [], back[n - 1]
        while node > 0:
            cuts.append(times[node])
            node = back[node]
        edges = [section.start, *reversed(cuts), section.end]
        spans += [ShotSpan(a, b, section.index) for a, b in zip(edges, edges[1:])]
    return spans


OUT_OF_BOUNDS_COST = 1000.0
# Detected beats wobble by a few ms: a 0.998 s shot between beats a second apart is a 1 s shot.
BEAT_JITTER = 0.05
LONG_LINE_CUT_COST = 5.0


def _beat_period(beats: list[float], i: int) -> float:
    """Local beat period (median of the surrounding inter-beat intervals): follows tempo changes."""
    window = beats[max(0, i - 4) : i + 5]
    gaps = sorted(b - a for a, b in zip(window, window[1:]) if b - a > EPS)  # repeated beats make no period
    return gaps[len(gaps) // 2] if gaps else 0.5


# Consecutive shots of a scene alternate between the scene's move and its counter-move.
COUNTER_MOVE = {
    "pan_left": "pan_right", "pan_right": "pan_left", "zoom_in": "zoom_out", "zoom_out": "zoom_in",
    "tilt_up": "tilt_down", "tilt_down": "tilt_up", "hold": "push", "push": "hold",
}


def shot_camera(scene_camera: str, k: int) -> str:
    """Camera move of the k-th shot (from 0) of a scene."""
    return scene_camera if k % 2 == 0 else COUNTER_MOVE[scene_camera]


def shot_seed(audio_sha256: str, index: int) -> int:
    """Deterministic renderer seed per shot; QA re-renders derive theirs with Shot.seed_for."""
    return zlib.crc32(f"{audio_sha256}:{index}:0".encode()) & 0x7FFFFFFF


def _shot(analysis: SongAnalysis, scene: Scene, span: ShotSpan, index: int, first: int, prompt: str, composition: str, plan: ScenePlan) -> Shot:
    """Shot `index` (the scene's first is `first`): the scene's setting, subject, palette and
    characters (with their fixed looks), the camera move alternating with its counter-move, a seed
    from the audio, and its staging (size, angle, time, weather, light) read from the words."""
    return Shot(
        characters=[c for c in plan.characters if c.name in scene.characters],
        index=index,
        scene_index=scene.index,
        start=span.start,
        end=span.end,
        prompt=prompt,
        composition=composition,
        setting=scene.setting,
        subject=scene.subject,
        palette=scene.palette,
        camera=shot_camera(scene.camera, index - first),
        seed=shot_seed(analysis.audio_sha256, index),
        **staging(prompt, scene.setting, scene.light or plan.style.lighting),
    )


def write_shots(
    analysis: SongAnalysis,
    plan: ScenePlan,
    model: TextModel,
    cfg: ShotConfig = ShotConfig(),
    model_cfg: ModelConfig = ModelConfig(),
) -> ShotList:
    """Shots tiling the song, with prompts written in one batched model call per scene."""
    spans = shot_spans(analysis, cfg)
    if not model.writes_freely:
        return choose_shots(analysis, plan, spans, model, model_cfg)
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
        first = len(shots)
        for span, prompt in zip(mine, batch.shots):
            shots.append(_shot(analysis, scene, span, len(shots), first, prompt.prompt, prompt.composition, plan))
    log.info("%d shots over %d scenes", len(shots), len(plan.scenes))
    return ShotList(duration=analysis.duration, shots=shots, model=model.id)


# Water and open ground take "on" (on the bay), everything else "in" (in the city).
ON_PLACES = {"bay", "beach", "shore", "coast", "sea", "ocean", "pier", "river", "lake", "rooftop", "roof", "bridge", "highway", "road", "platform", "hill", "hills", "cliff", "dunes", "island"}


def _where(setting: str) -> str:
    head = setting.split()[1] if len(setting.split()) > 1 else setting
    return ("on " if head in ON_PLACES else "in ") + setting


def compose_prompt(size: str, subject: str, focus: str | None, scene: Scene, lens: str, medium: str) -> str:
    """One image prompt from the choices: framing, subject, setting, light, lens, medium and colours."""
    names = [COLOUR_NAMES.get(c, c) for c in scene.palette]
    colours = join_words([names[1], names[0], names[-1]])
    what = f"{subject} and {focus}" if focus else subject
    light = f", {scene.light}" if scene.light else ""
    text = f"{capitalize(size)} of {what} {_where(scene.setting)}{light}, {lens}, {medium} in {colours}"
    if len(text) > PROMPT_LENGTH:
        text = f"{capitalize(size)} of {what} {_where(scene.setting)}{light}, {medium}"
    return text[:PROMPT_LENGTH]




# Framings that show the place (far) and those that show the subject (near). A cut between two far
# framings of one place changes little on screen; an edit goes from far to near and back.
FAR = ("extreme wide shot", "wide shot", "high-angle shot", "aerial shot")


def far_and_near(ranked: list[str], k: int) -> list[str]:
    """`k` framings that take turns between far and near, each group's best-ranked first and the
    best framing of all leading (a group with too few framings leaves the rest to the other)."""
    far = [f for f in ranked if f in FAR]
    near = [f for f in ranked if f not in FAR]
    first, second = (far, near) if ranked[0] in FAR else (near, far)
    n_first = min(len(first), max((k + 1) // 2, k - len(second)))
    first, second = first[:n_first], second[: k - n_first]
    if len(second) > len(first):
        first, second = second, first
    out = []
    for i in range(len(first)):
        out += first[i : i + 1] + second[i : i + 1]
    return out


def choose_shots(analysis: SongAnalysis, plan: ScenePlan, spans: list[ShotSpan], model: TextModel, model_cfg: ModelConfig) -> ShotList:
    """A model that chooses: per scene it ranks framings and lenses; consecutive shots take the next
    framing in its order, and each shot adds the lyric image sung over it (or the scene's next one),
    so no two shots of a scene read alike. Code writes the sentence."""
    style = plan.style
    interp = analysis.interpretation
    roles = section_roles([(bool(s.lyrics), s.energy) for s in analysis.sections])
    shots: list[Shot] = []
    for scene in plan.scenes:
        mine = [s for s in spans if s.scene_index == scene.section_index]
        section = analysis.sections[scene.section_index]
        words = " / ".join(line.text for line in section.lyrics)
        doc = render_text(
            "write_shots.choose",
            title=analysis.title, genre=interp.genre or "song", mood=interp.mood,
            medium=style.medium, lighting=style.lighting, motif=style.recurring_motif,
            number=scene.index + 1, n_scenes=len(plan.scenes), role=roles[scene.section_index],
            loudness=loudness_word(section.energy), subject=scene.subject, setting=scene.setting,
            light=scene.light or style.lighting, lyrics=words or "no words",
        )
        ask = Chooser(model, doc, seed=model_cfg.seed + scene.index)
        count = max(4, min(len(mine), len(SHOT_SIZES)))
        if count < len(mine) and count % 2:  # framings that repeat: an even cycle keeps far and near taking turns
            count -= 1
        sizes = far_and_near(ask.ranked("Shot 1 framing:", SHOT_SIZES), count)
        lenses = ask.ranked("Shot 1 lens:", LENSES)[:3]
        subject_words = set(scene.subject.split()) | set(scene.setting.split())
        extras = [n for n in lyric_nouns(words) if n not in subject_words and noun_kind(n) != "place"]
        extras += [n for n in lyric_nouns(" ".join(interp.imagery)) if n not in subject_words and n not in extras]
        # Only what can be in this setting: no highway in a bedroom.
        extras = [n for n in extras if subjects_for(scene.setting, [n])]
        first = len(shots)
        for k, span in enumerate(mine):
            sung = " ".join(line.text for line in section.lyrics if line.start < span.end and line.end > span.start)
            over = [n for n in lyric_nouns(sung) if n not in subject_words and noun_kind(n) != "place" and subjects_for(scene.setting, [n])]
            focus = over[k % len(over)] if over else (extras[k % len(extras)] if extras and k else None)
            size = sizes[k % len(sizes)]
            prompt = compose_prompt(size, scene.subject, with_article(focus) if focus else None, scene, lenses[k % len(lenses)], style.medium)
            shots.append(_shot(analysis, scene, span, len(shots), first, prompt, COMPOSITION_FOR[size], plan))
    log.info("%d shots over %d scenes", len(shots), len(plan.scenes))
    return ShotList(duration=analysis.duration, shots=shots, model=model.id)
