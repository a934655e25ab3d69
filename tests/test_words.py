"""The words the stages write, read by the word checker: the real Gemma 3 270M on three songs
(the demo, a song with other lyrics, an instrumental), and the checker itself on known bad words."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import ScenePlan, ShotList, SongAnalysis
from songflow.listening import synth
from songflow.words.wordcheck import check_words, phrase_problem


def _lyrics(spec: synth.SongSpec) -> str:
    return "\n".join(line for lines in spec.lyrics.values() for line in lines)


@pytest.fixture(scope="module")
def model():
    import backends
    from songflow.core.config import ModelConfig

    return backends.load_model(ModelConfig())


def _stages(model, wav: Path, lrc: Path | None, title: str) -> tuple[SongAnalysis, ScenePlan, ShotList]:
    from songflow.core.config import PipelineConfig
    from songflow.listening.lyrics import read_lyrics
    from stages.analyze import analyze_song
    from stages.plan_scenes import plan_scenes
    from stages.write_shots import write_shots

    cfg = PipelineConfig()
    analysis = analyze_song(wav, read_lyrics(lrc) if lrc else None, model, cfg.analyze, cfg.model, title=title)
    plan = plan_scenes(analysis, model, cfg.plan, cfg.model)
    return analysis, plan, write_shots(analysis, plan, model, cfg.shots, cfg.model)


@pytest.fixture(scope="module")
def songs(model, tmp_path_factory):
    """Stages 1-3 on the demo, on a song with other lyrics, and on an instrumental (no lyrics file)."""
    folder = tmp_path_factory.mktemp("word-songs")
    demo_wav, demo_lrc, _ = synth.write_song(synth.DEMO, folder)
    desert = synth.desert_spec()
    desert_wav, desert_lrc, _ = synth.write_song(desert, folder)
    inst_wav, _, _ = synth.write_song(synth.short_spec(title="Night Drive"), folder, stem="night-drive")
    return {
        "demo": (_stages(model, demo_wav, demo_lrc, synth.DEMO.title), _lyrics(synth.DEMO)),
        "desert": (_stages(model, desert_wav, desert_lrc, desert.title), _lyrics(desert)),
        "instrumental": (_stages(model, inst_wav, None, "Night Drive"), None),
    }


@pytest.mark.parametrize("song", ["demo", "desert", "instrumental"])
def test_word_checker_passes_on_the_embedded_model(songs, song):
    (analysis, plan, shots), _ = songs[song]
    assert analysis.model == "gguf:embedded"
    report = check_words(analysis, plan, shots)
    assert report.passed, report.failures
    assert all(len(s.prompt.split()) >= 8 for s in shots.shots)
    assert report.repeated_share <= 0.10
    if song == "instrumental":
        assert analysis.lyrics_source == "none" and not analysis.lyrics
        # With no words, prompts still vary and name things (not the title alone).
        assert len({s.prompt for s in shots.shots}) == len(shots.shots)


def test_words_follow_their_own_song(songs):
    """Settings, subjects and prompts share words with their own lyrics, not with the other song's."""
    (demo, demo_lyrics), (desert, desert_lyrics) = songs["demo"], songs["desert"]
    on_demo = check_words(*demo, other_lyrics=desert_lyrics).overlap
    on_desert = check_words(*desert, other_lyrics=demo_lyrics).overlap
    for overlap in (on_demo, on_desert):
        assert overlap.own >= 0.15 and overlap.own >= 3 * overlap.other, overlap


def test_scenes_take_their_own_sections_images(songs):
    """A sung scene is set among its own lines' images more often than a random pick would be."""
    (analysis, plan, _), _ = songs["demo"]
    from songflow.words.vocab import content_words

    hits = sum(
        bool(content_words(f"{scene.setting} {scene.subject}") & content_words(" ".join(line.text for line in section.lyrics)))
        for scene, section in zip(plan.scenes, analysis.sections)
        if section.lyrics
    )
    sung = sum(bool(s.lyrics) for s in analysis.sections)
    assert hits == sung


LYRICS = ["I trace your name in salt and spray", "Ride the neon tide tonight"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("stay, my", "ends on 'my'"),
        ("the city,", "trailing punctuation"),
        (", ", "fewer than two words"),
        ("The", "fewer than two words"),
        ("I trace your name in salt and spray/The", "5 or more words"),
        ("ride the neon tide tonight", "a lyric line"),
        ("- the city", "leading punctuation"),
    ],
)
def test_checker_flags_the_fragments_users_saw(text, why):
    from songflow.words.wordcheck import _lyric_runs, _norm

    problem = phrase_problem(text, {_norm(t) for t in LYRICS}, _lyric_runs(LYRICS))
    assert problem is not None and problem.startswith(why), problem


def test_checker_accepts_a_composed_prompt_and_flags_missing_parts(songs):
    (analysis, plan, shots), _ = songs["demo"]
    bad = shots.model_copy(update={"shots": [s.model_copy(update={"prompt": "the city lights"}) for s in shots.shots]})
    report = check_words(analysis, plan, bad)
    assert not report.passed
    assert len(report.prompt_problems) == len(shots.shots)
    assert "no shot size" in report.prompt_problems[0].why and "words" in report.prompt_problems[0].why
    assert report.repeated_share > 0.5


def test_every_vocabulary_phrase_reads_as_a_phrase():
    """What a chooser can pick must itself pass the checker (a one-word theme would be a fragment)."""
    from songflow.words import vocab

    phrases = [*vocab.MOODS, *vocab.GENRES, *vocab.THEMES, *vocab.MEDIA, *vocab.LIGHTS, *vocab.TIMES.values(),
               *vocab.WEATHER.values(), *vocab.SHOT_SIZES, *vocab.LENSES, *vocab.PLACES_GENERIC, *vocab.SUBJECTS_GENERIC]
    bad = {p: phrase_problem(p, set(), set()) for p in phrases}
    assert not {p: why for p, why in bad.items() if why}
