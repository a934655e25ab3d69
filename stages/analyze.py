"""Stage 1: measure the music (librosa), place the lyrics, and have Gemma interpret the song."""

from __future__ import annotations

import logging
import math
import tempfile
from pathlib import Path

import numpy as np

from backends.base import TextModel
from backends.structured import generate_structured
from schemas.analysis import (
    BeatCheck, HeardPart, HeardWindow, Hearing, LyricLine, MusicTags, Options, Section, SectionTags, SongAnalysis, SongInterpretation, TagRow,
    TagScore, VocalRegion,
)
from schemas.common import exact_items
from songflow.listening.audio import load_audio
from songflow.core.fsutil import sha256_file
from songflow.core.config import AnalyzeConfig, ModelConfig
from songflow.listening.lyrics import Lyrics
from songflow.listening.measure import lay_along, measure_song, place_lyrics
from songflow.listening.music import ENERGY_RATE, MusicFeatures, time_signature
from songflow.words.vocab import (
    GENRE_TAGS, INSTRUMENT_TAGS, MOOD_TAGS, PLACES_GENERIC, SUBJECTS_GENERIC, THEMES, feelings_for, loudness_word, lyric_nouns, section_roles,
    with_article,
)
from songflow.words.choose import Chooser, capitalize, join_words
from stages._prompts import render_prompt, render_text

log = logging.getLogger(__name__)


LISTEN_RATE = 16000  # what audio encoders such as Gemma 4's take

# A line that starts this little before a section boundary is sung in the next section (the
# boundary sits on a detected downbeat, a few ms off the lyric file's time).
LINE_SLACK = 0.1

# A line this much inside a section boundary (from both its ends) is cut by it.
LINE_EDGE = 0.07


def clear_of_lines(
    sections: list[tuple[float, float, float]], downbeats: list[float], lines: list[LyricLine], beats_per_bar: int
) -> list[tuple[float, float, float]]:
    """Section boundaries moved off sung lines: a boundary inside a line (a section found a bar
    early or late) goes to the nearest downbeat within two bars that no line crosses; a scene
    change never cuts a sung line. Boundaries with no such downbeat stay."""
    def inside(t: float) -> bool:
        return any(line.start + LINE_EDGE < t < line.end - LINE_EDGE for line in lines)

    bounds = [a for a, _, _ in sections[1:]]
    moved = []
    for k, b in enumerate(bounds):
        if inside(b):
            bar = float(np.median(np.diff(downbeats))) if len(downbeats) > 1 else 2.0
            low = moved[-1] if moved else 0.0
            high = bounds[k + 1] if k + 1 < len(bounds) else sections[-1][1]
            free = [d for d in downbeats if abs(d - b) <= 2 * bar + 1e-6 and low < d < high and not inside(d)]
            if free:
                log.info("section boundary %.2fs is inside a sung line: moved to the downbeat at %.2fs", b, min(free, key=lambda d: abs(d - b)))
                b = min(free, key=lambda d: abs(d - b))
        moved.append(b)
    edges = [sections[0][0], *moved, sections[-1][1]]
    return [(a, b, e) for (a, b), (_, _, e) in zip(zip(edges, edges[1:]), sections)]


def listening_windows(features: MusicFeatures, cfg: AnalyzeConfig) -> list[tuple[float, float]]:
    """Stretches of at most `listen_window_seconds` (what the audio encoder takes), following the
    sections; when there are more than `max_listen_windows`, an even spread of them."""
    windows = []
    for a, b, _ in features.sections:
        n = max(1, math.ceil((b - a) / cfg.listen_window_seconds - 1e-9))
        windows += [(a + (b - a) * k / n, a + (b - a) * (k + 1) / n) for k in range(n)]
    if len(windows) > cfg.max_listen_windows:
        pick = [round(i * (len(windows) - 1) / (cfg.max_listen_windows - 1)) for i in range(cfg.max_listen_windows)] if cfg.max_listen_windows > 1 else [0]
        windows = [windows[i] for i in sorted(set(pick))]
    return windows


def listen(y, sr: int, features: MusicFeatures, model: TextModel, cfg: AnalyzeConfig, model_cfg: ModelConfig, *, title: str) -> Hearing:
    """Send the song to an audio-capable model window by window (16 kHz mono WAV clips)."""
    import librosa
    import soundfile as sf

    windows = listening_windows(features, cfg)
    parts = []
    with tempfile.TemporaryDirectory(prefix="songflow-listen-") as tmp:
        for i, (a, b) in enumerate(windows):
            clip = Path(tmp) / f"window_{i:02d}.wav"
            chunk = y[int(a * sr) : int(b * sr)]
            sf.write(clip, librosa.resample(chunk, orig_sr=sr, target_sr=LISTEN_RATE), LISTEN_RATE, subtype="PCM_16")
            messages = render_prompt(
                "listen", title=title, start=f"{a:.1f}", end=f"{b:.1f}", duration=f"{features.duration:.1f}", part=i + 1, n_parts=len(windows)
            )
            heard = generate_structured(
                model, messages, HeardWindow, what=f"analyze (stage 1), listening {a:.0f}-{b:.0f}s",
                attempts=model_cfg.attempts, seed=model_cfg.seed + 100 + i, audio=(clip,),
            )
            parts.append(HeardPart(start=round(a, 3), end=round(b, 3), **heard.model_dump()))
    log.info("listened to %d windows with %s", len(parts), model.id)
    return Hearing(model=model.id, windows=parts)


def heard_lyrics(heard: Hearing, features: MusicFeatures) -> list[LyricLine]:
    """The words heard in each window, laid on the voice detected inside it, marked 'heard'."""
    out: list[LyricLine] = []
    for part in heard.windows:
        words = tuple(w.strip() for w in part.words if w.strip())
        if not words:
            continue
        regions = [(max(a, part.start), min(b, part.end)) for a, b in features.vocals if b > part.start and a < part.end]
        for line in lay_along(words, regions or [(part.start, part.end)]):
            out.append(line.model_copy(update={"timing": "heard"}))
    return out


def _heard_lines(heard: Hearing | None) -> str:
    if heard is None:
        return ""
    rows = [
        f"- {p.start:.0f}-{p.end:.0f}s: {p.genre}; {p.mood}; {', '.join(p.instruments) or 'no instruments named'}"
        + (f"; words: {' / '.join(p.words)}" if p.words else "")
        for p in heard.windows
    ]
    return "What a listener heard, stretch by stretch:\n" + "\n".join(rows)


def _section_lines(sections: list[Section]) -> str:
    rows = []
    for s in sections:
        words = " / ".join(line.text for line in s.lyrics) or "(instrumental)"
        loudness = "quiet" if s.energy < 0.45 else "building" if s.energy < 0.8 else "loud"
        rows.append(f"{s.index + 1}. part {s.label}, {loudness}: {words}")
    return "\n".join(rows)


def analyze_song(
    audio_path: Path,
    lyrics: Lyrics | None,
    model: TextModel,
    cfg: AnalyzeConfig = AnalyzeConfig(),
    model_cfg: ModelConfig = ModelConfig(),
    *,
    title: str | None = None,
) -> SongAnalysis:
    """Measure `audio_path`, attach `lyrics`, and ask `model` for mood, themes, imagery and section notes."""
    y = load_audio(audio_path, cfg.sample_rate, max_minutes=cfg.max_minutes)
    features = measure_song(y, cfg)
    log.info("%.1fs, %.1f BPM, %d beats, %d sections", features.duration, features.tempo, len(features.beats), len(features.sections))
    lines = place_lyrics(lyrics, features)
    heard = None
    if model.supports_audio and cfg.listen != "never":
        heard = listen(y, cfg.sample_rate, features, model, cfg, model_cfg, title=title or Path(audio_path).stem)
        if not lines:  # no lyrics given: the words the model heard, placed on the voice in their window
            lines = heard_lyrics(heard, features)
    spans = clear_of_lines(features.sections, features.downbeats, lines, features.beats_per_bar)
    sections = [
        Section(
            index=i,
            start=a,
            end=b,
            energy=e,
            label=label,
            lyrics=[ln for ln in lines if a - LINE_SLACK <= ln.start < b - LINE_SLACK or (i == 0 and ln.start < a)],
        )
        for i, ((a, b, e), label) in enumerate(zip(spans, features.labels, strict=True))
    ]
    title = title or Path(audio_path).stem.replace("_", " ").replace("-", " ").title()
    tags = music_tags(features, sections, cfg)
    if tags is not None:
        log.info("heard: %s", ", ".join(f"{t.tag} {t.score:.2f}" for t in tags.song[:6]))
    if model.writes_freely:
        interpretation = _write_interpretation(model, model_cfg, title, features, sections, lines, heard, tags)
    else:
        interpretation = choose_interpretation(model, model_cfg, title, features, sections, lines, heard, tags)
    return SongAnalysis(
        title=title,
        audio_path=str(Path(audio_path).resolve()),
        audio_sha256=sha256_file(audio_path),
        duration=features.duration,
        tempo=features.tempo,
        beats=features.beats,
        downbeats=features.downbeats,
        beat_tracker=features.tracker,
        beats_per_bar=features.beats_per_bar,
        beat_division=features.beat_division,
        time_signature=time_signature(features.beats_per_bar, features.beat_division),
        beat_doubts=features.beat_doubts,
        cut_grid=features.cut_grid,
        onsets=features.onsets,
        beat_confidence=features.beat_confidence,
        beat_check=BeatCheck(**vars(features.tempo_check)) if features.tempo_check else None,
        sections=sections,
        energy=features.energy,
        energy_rate=ENERGY_RATE,
        vocals=[VocalRegion(start=a, end=b) for a, b in features.vocals],
        lyrics_source=lyrics.source if lyrics else ("heard" if lines else "none"),
        lyrics=lines,
        heard=heard,
        tags=tags,
        interpretation=interpretation,
        model=model.id,
    )


def _write_interpretation(model, model_cfg, title, features, sections, lines, heard, tags: MusicTags | None = None) -> SongInterpretation:
    """A model that writes: mood, genre, themes, imagery and section notes in its own words."""
    messages = render_prompt(
        "analyze",
        title=title,
        tempo=f"{features.tempo:.0f}",
        duration=f"{features.duration:.1f}",
        sections=_section_lines(sections),
        lyrics="\n".join(line.text for line in lines) or "(none given)",
        n_sections=len(sections),
        heard=_heard_lines(heard) + _tag_lines(tags),
    )
    draft = generate_structured(
        model,
        messages,
        exact_items(SongInterpretation, "sections", len(sections)),
        what="analyze (stage 1)",
        attempts=model_cfg.attempts,
        seed=model_cfg.seed,
    )
    return SongInterpretation.model_validate(draft.model_dump())


def song_shape(sections: list[Section]) -> str:
    """'quiet intro, building verse, loud chorus, quiet outro': the song's form in words."""
    roles = section_roles([(bool(s.lyrics), s.energy) for s in sections])
    return capitalize(", ".join(f"{loudness_word(s.energy)} {role}" for s, role in zip(sections, roles)))


def choose_interpretation(model, model_cfg, title, features, sections, lines, heard, tags: MusicTags | None = None) -> SongInterpretation:
    """A model that chooses: mood and genre among the options the tagger's tags support (all of
    them when it heard none, or is off), themes from a vocabulary, imagery from the lyrics' nouns
    and the instruments heard (or, with no lyrics, from stock images), a feeling per section that
    fits its energy; code writes the phrases, naming the instrument that leads a section."""
    lyrics_text = "\n".join(line.text for line in lines)
    doc = render_text(
        "analyze.choose",
        title=title,
        tempo=f"{features.tempo:.0f}",
        duration=f"{features.duration:.0f}",
        shape=song_shape(sections),
        lyrics=lyrics_text or "(instrumental, no words)",
        heard=_heard_lines(heard) + _tag_lines(tags),
    )
    ask = Chooser(model, doc, seed=model_cfg.seed)
    mood = ask.pick("Mood of the song:", tags.mood.offered if tags else list(MOOD_TAGS))
    genre = ask.pick("Genre:", tags.genre.offered if tags else list(GENRE_TAGS))
    themes = ask.top("Themes:", THEMES, 3)
    instruments = [image for image, _ in heard_instruments(features.taggram.mean(), tags.threshold)] if tags else []
    nouns = lyric_nouns(f"{title}\n{lyrics_text}")
    if nouns:
        images = [with_article(n) for n in ask.top("The most striking image of the song: the", nouns, 5)]
        if len(images) < 2:
            images += ask.top("An image that fits the song:", instruments + list(SUBJECTS_GENERIC), 2 - len(images))
        elif instruments and len(images) == 5:
            images[-1] = ask.pick("An instrument the video can show:", instruments)
        elif instruments:
            images.append(ask.pick("An instrument the video can show:", instruments))
    else:  # nothing sung to film: the instrument heard leads the images
        lead = [ask.pick("An instrument the video can show:", instruments)] if instruments else []
        images = lead + ask.top("An image that fits the song:", list(SUBJECTS_GENERIC + PLACES_GENERIC), 4 - len(lead))
    roles = section_roles([(bool(s.lyrics), s.energy) for s in sections])
    notes = []
    for s, role in zip(sections, roles):
        part = Chooser(
            model,
            f"{doc}\nPart {s.index + 1} of {len(sections)}, the {role} ({loudness_word(s.energy)}): "
            + (" / ".join(line.text for line in s.lyrics) or "no words"),
            seed=model_cfg.seed,
        )
        feeling = part.pick("This part feels", feelings_for(s.energy))
        seen = [with_article(n) for n in lyric_nouns(" ".join(line.text for line in s.lyrics))][:3]
        lead = section_lead(features, s, tags.threshold) if tags else None
        head = f"{capitalize(feeling)} {role}" + (f", {lead}-driven" if lead else "")
        notes.append({"description": f"{head} with {join_words(seen)}" if seen else f"{head}, {mood}"})
    return SongInterpretation.model_validate(
        {"mood": mood, "genre": genre, "themes": themes, "imagery": images[:5], "sections": notes}
    )


# ---------------------------------------------------------------- what the tagger heard

SONG_TAGS = 10  # tags kept for the song, each section (top) and the taggram rows
TAGGRAM_ROWS = 16


def music_tags(features: MusicFeatures, sections: list[Section], cfg: AnalyzeConfig) -> MusicTags | None:
    """The tagger's taggram summed up for the song and each section, with the genre and mood
    options its tags support; None when the tagger is off."""
    taggram = features.taggram
    if taggram is None or not len(taggram.starts):
        return None
    from songflow.listening.voice import voiced_windows

    means = taggram.mean()
    ranked = sorted(means, key=lambda t: -means[t])
    voiced = voiced_windows(taggram, cfg.voice_threshold)
    per_section = []
    for s in sections:
        rows = (taggram.starts < s.end) & (taggram.starts + taggram.window > s.start)
        per_section.append(SectionTags(
            index=s.index,
            top=[TagScore(tag=t, score=round(v, 3)) for t, v in taggram.top(SONG_TAGS, s.start, s.end)],
            voice=round(float(voiced[rows].mean()) if rows.any() else 0.0, 3),
        ))
    return MusicTags(
        tagger=f"musicnn ({taggram.model})",
        threshold=cfg.tag_threshold,
        window=round(taggram.window, 4),
        starts=[round(float(t), 3) for t in taggram.starts],
        song=[TagScore(tag=t, score=round(means[t], 3)) for t in ranked[:SONG_TAGS]],
        sections=per_section,
        taggram=[TagRow(tag=t, scores=[round(float(v), 3) for v in taggram.column(t)]) for t in ranked[:TAGGRAM_ROWS]],
        voice_share=round(float(voiced.mean()), 3),
        genre=supported(GENRE_TAGS, means, cfg.tag_threshold, cfg.tag_share),
        mood=supported(MOOD_TAGS, means, cfg.tag_threshold, cfg.tag_share),
    )


def supported(options: dict[str, tuple[str, ...]], means: dict[str, float], threshold: float, share: float = 0.0) -> Options:
    """The options whose best tag scores at least `threshold` and at least `share` of the best
    option's; all of them when no option's tag reaches `threshold`."""
    support = {o: max(means.get(t, 0.0) for t in tags) for o, tags in options.items()}
    best = max(support.values())
    if best < threshold:
        return Options(offered=list(options), from_tags=False)
    return Options(offered=[o for o in options if support[o] >= max(threshold, share * best)], from_tags=True)


# Instruments are quieter tags than genres (a metal guitar is heard as "rock" and "metal" first):
# one counts as heard at this share of the tag threshold.
INSTRUMENT_SHARE = 0.5


def heard_instruments(means: dict[str, float], threshold: float) -> list[tuple[str, str]]:
    """(image, word) of each instrument whose tags' mean scores reach its share of `threshold`,
    strongest first."""
    found = []
    for word, (image, names) in INSTRUMENT_TAGS.items():
        score = max(means.get(t, 0.0) for t in names)
        if score >= threshold * INSTRUMENT_SHARE:
            found.append((score, image, word))
    return [(image, word) for _, image, word in sorted(found, reverse=True)]


def section_lead(features: MusicFeatures, section: Section, threshold: float) -> str | None:
    """The instrument that leads `section`, when the tagger hears one there."""
    found = heard_instruments(features.taggram.mean(section.start, section.end), threshold)
    return found[0][1] if found else None


def _tag_lines(tags: MusicTags | None) -> str:
    if tags is None:
        return ""
    heard = ", ".join(f"{t.tag.split(':', 1)[1]} {t.score:.2f}" for t in tags.song[:8])
    return (f"\nA music tagger hears: {heard}."
            + (f"\nGenres it supports: {', '.join(tags.genre.offered)}." if tags.genre.from_tags else "")
            + (f"\nMoods it supports: {', '.join(tags.mood.offered)}." if tags.mood.from_tags else ""))
