"""Stage 2: a style bible shared by all scenes, then one scene per section, written by Gemma.

One call per scene: each sees its own section (energy, lyrics, note), which keeps a small model
from copying the previous scene; the style bible and the previous scene keep them coherent.
"""

from __future__ import annotations

import logging

from backends.base import TextModel
from backends.structured import generate_structured
from schemas.analysis import Section, SongAnalysis
from schemas.scenes import Cast, Character, Scene, SceneDraft, ScenePlan, StyleBible, scene_draft_after
from songflow.core.config import ModelConfig, PlanConfig
from schemas.scenes import ACCENTS, HIGHLIGHTS, MIDTONES, SHADOWS, CameraMotion, PaletteDraft
from songflow.words.vocab import (
    HAIR, LEADS, LIGHTS, MEDIA, OUTFITS, PLACES_GENERIC, SUBJECTS_GENERIC, TIMES, WEATHER, loudness_word, lyric_nouns, noun_kind,
    section_roles, with_article,
)
from songflow.words.agreement import has_weather, lights_for, subjects_for
from songflow.words.choose import Chooser, capitalize
from stages._prompts import render_prompt, render_text

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
    if not model.writes_freely:
        return choose_scenes(analysis, model, model_cfg)
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
    lyrics = "\n".join(line.text for line in analysis.lyrics) or "(instrumental)"
    cast = generate_structured(
        model, render_prompt("plan_cast", **song, lyrics=lyrics), Cast, what="plan_scenes (stage 2), cast",
        attempts=model_cfg.attempts, seed=model_cfg.seed + 500,
    ).characters
    names = tuple(dict.fromkeys(c.name for c in cast))
    cast = [next(c for c in cast if c.name == n) for n in names]
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
            scene_draft_after(previous.palette if previous else None, names),
            what=f"plan_scenes (stage 2), scene {section.index}",
            attempts=model_cfg.attempts,
            seed=model_cfg.seed + 1 + section.index,
        )
        scenes.append(
            _scene(section, setting=draft.setting, subject=draft.subject, camera=draft.camera, palette=draft.palette.hex(),
                   characters=list(dict.fromkeys(getattr(draft, "characters", []))))
        )
        previous = draft
    return ScenePlan(duration=analysis.duration, style=style, characters=cast, scenes=scenes, model=model.id)


def _scene(section: Section, **fields) -> Scene:
    """The scene of `section`: its timing, and what the model wrote or chose."""
    return Scene(index=section.index, section_index=section.index, start=section.start, end=section.end, **fields)


# Camera moves in words, for a model that chooses.
CAMERA_WORDS: dict[str, CameraMotion] = {
    "still": "hold", "push": "push", "leftward": "pan_left", "rightward": "pan_right",
    "closer": "zoom_in", "wider": "zoom_out", "upward": "tilt_up", "downward": "tilt_down",
}

def _tier(own: list[str], fallback: list[str], previous: str | None, used: set[str]) -> list[str]:
    """`own` options when any is left after dropping `previous`; else the fallback ones not used
    yet (a song may return to its own images, but stock ones would only repeat)."""
    mine = [o for o in own if o != previous]
    if mine:
        return mine
    rest = [o for o in dict.fromkeys(fallback) if o != previous]
    return [o for o in rest if o not in used] or rest


def _phrases(nouns: list[str]) -> list[str]:
    return [with_article(n) for n in nouns]


def choose_scenes(analysis: SongAnalysis, model: TextModel, model_cfg: ModelConfig) -> ScenePlan:
    """A model that chooses: the look from vocabularies; per scene a place and a subject from the
    section's own lyrics first (then the song's, then stock ones), the time, weather, light, camera
    move and colours. None of place, time, weather, light, camera or colours repeats the scene before; code writes the phrases."""
    interp = analysis.interpretation
    roles = section_roles([(bool(s.lyrics), s.energy) for s in analysis.sections])
    doc = render_text(
        "plan_scenes.choose",
        title=analysis.title,
        genre=interp.genre or "song",
        mood=interp.mood,
        themes=", ".join(interp.themes),
        imagery=", ".join(interp.imagery),
        shape=capitalize(", ".join(f"{loudness_word(s.energy)} {r}" for s, r in zip(analysis.sections, roles))),
    )
    ask = Chooser(model, doc, seed=model_cfg.seed)
    song_nouns = lyric_nouns(analysis.title + "\n" + "\n".join(line.text for line in analysis.lyrics))
    song_places = _phrases([n for n in song_nouns if noun_kind(n) == "place"])
    song_things = _phrases([n for n in song_nouns if noun_kind(n) != "place"])
    medium = ask.pick("Visual style:", MEDIA)
    motif = ask.pick_phrase("Recurring motif:", song_things or list(SUBJECTS_GENERIC))
    # A sung song has a lead who recurs in its sung scenes, with one fixed look: the song's own
    # people first, then stock leads; hair and clothes from short lists.
    cast: list[Character] = []
    if analysis.lyrics:
        people = {n: with_article(n) for n in song_nouns if noun_kind(n) == "person"}
        lead = ask.pick_phrase("Lead character:", {**people, **{k: v for k, v in LEADS.items() if k not in people}})
        cast = [Character(name=lead, look=f"{ask.pick_phrase('Their hair:', HAIR)}, {ask.pick_phrase('They wear:', OUTFITS)}")]
    scenes: list[Scene] = []
    previous_place, previous_subject, previous_palette, previous = None, None, None, None
    used: set[str] = set()
    conditions: tuple[str, str] | None = None
    for section, role in zip(analysis.sections, roles):
        words = " / ".join(line.text for line in section.lyrics)
        here = lyric_nouns(words)
        scene_ask = Chooser(
            model,
            f"{doc}\nScene {section.index + 1} of {len(analysis.sections)}, the {role} ({loudness_word(section.energy)}). "
            f"Lyrics: {words or 'no words'}",
            seed=model_cfg.seed,
        )
        # The section's own nouns when it has any; else the song's, then stock ones.
        places = _phrases([n for n in here if noun_kind(n) == "place"])
        # The section's own places, else the song's (other than the scene before's), else stock ones.
        own = places or [p for p in song_places if p != previous_place]
        place = scene_ask.pick_phrase("Setting:", _tier(own, song_places + list(PLACES_GENERIC), previous_place, used))
        when = scene_ask.pick_phrase("Time of day:", TIMES, exclude=[conditions[0]] if conditions else [])
        # Indoors there is no weather; outdoors, not the weather of the scene before.
        weather = scene_ask.pick_phrase("Weather:", WEATHER, exclude=[conditions[1]] if conditions else []) if has_weather(place) else ""
        setting = " ".join(w for w in (place, when, weather) if w)
        things = _phrases([n for n in here if noun_kind(n) != "place"])
        subjects = subjects_for(setting, _tier(things, song_things + list(SUBJECTS_GENERIC), previous_subject, used))
        subject = scene_ask.pick_phrase("Main subject:", subjects or subjects_for(setting, SUBJECTS_GENERIC))
        # Only lights that can shine there and then (no noon sun at dawn, no strobe in a field).
        light = scene_ask.pick("Light:", lights_for(setting, LIGHTS), exclude=[previous.light] if previous else [])
        camera = scene_ask.pick_phrase("Camera move:", CAMERA_WORDS, exclude=[previous.camera] if previous else [])
        before = previous_palette
        palette = PaletteDraft(  # no tone as in the scene before: a new section looks new
            shadow=scene_ask.pick("Shadow colour:", list(SHADOWS), exclude=[before.shadow] if before else []),
            midtone=scene_ask.pick("Main colour:", list(MIDTONES), exclude=[before.midtone] if before else []),
            highlight=scene_ask.pick("Highlight colour:", list(HIGHLIGHTS), exclude=[before.highlight] if before else []),
            accent=scene_ask.pick("Accent colour:", list(ACCENTS), exclude=[before.accent] if before else []),
        )
        scenes.append(
            _scene(section, setting=setting, subject=subject, camera=camera, light=light, palette=palette.hex(),
                   characters=[c.name for c in cast] if section.lyrics else [])
        )
        previous_place, previous_subject, previous_palette, previous = place, subject, palette, scenes[-1]
        used |= {place, subject}
        conditions = (when, weather)
        log.info("scene %d: %s in %s", section.index, subject, scenes[-1].setting)
    # The look's lighting runs through every shot: one that fits every scene's time and place.
    fits = [o for o in LIGHTS if all(lights_for(sc.setting, [o]) for sc in scenes)]
    style = StyleBible(medium=medium, lighting=ask.pick("Lighting:", fits or list(LIGHTS)), recurring_motif=motif)
    return ScenePlan(duration=analysis.duration, style=style, characters=cast, scenes=scenes, model=model.id)
