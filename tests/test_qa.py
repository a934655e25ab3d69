"""Stage 4 re-renders only for a reason: checks the renderer can meet, and rejections that name why."""

from __future__ import annotations

import random

import pytest

from renderers.procedural import ProceduralRenderer
from schemas import Shot
from schemas.qa import Check, Evidence, KeyframeVerdict, SeenVerdict
from schemas.scenes import ACCENTS, COLOURS, HIGHLIGHTS, MIDTONES, SHADOWS
from songflow.core.config import QAConfig
from stages.qa_keyframes import measure_keyframe, rejection_reasons
from stages.render_keyframes import render_keyframe

PROMPTS = [
    "Wide shot of the streetlights on the bay at night, neon glow",
    "Close-up of the radio in the city at dusk, candlelight",
    "Medium shot of a lone figure in a forest at dawn, soft morning light",
    "Aerial shot of the train on a desert road at noon, harsh noon sun",
    "Low-angle shot of a white horse in a wheat field, golden hour sunlight",
]


def test_procedural_renderer_meets_its_own_palette_on_first_attempts(tmp_path):
    """Random scene palettes (one colour per tone, as stage 2 plans them), compositions and prompts:
    the first render passes the palette check at least 90 % of the time."""
    rng = random.Random(5)
    renderer = ProceduralRenderer()
    results = []
    for i in range(30):
        palette = [COLOURS[rng.choice(list(tone))] for tone in (SHADOWS, MIDTONES, HIGHLIGHTS, ACCENTS)]
        shot = Shot(
            index=i, scene_index=0, start=0, end=1, prompt=rng.choice(PROMPTS),
            composition=rng.choice(["center", "left_third", "right_third", "low_horizon", "high_horizon", "close_up", "wide"]),
            setting="the bay at night", subject="the streetlights", palette=palette, camera="hold", seed=rng.randrange(2**30),
        )
        evidence = measure_keyframe(render_keyframe(shot, renderer, tmp_path), shot, None)
        results.append({c.name: c.passed for c in evidence.checks})
    palette_ok = sum(r["palette_match"] for r in results) / len(results)
    assert palette_ok >= 0.9, palette_ok
    assert sum(all(r.values()) for r in results) / len(results) >= 0.8


def test_palette_check_fails_a_picture_in_other_colours(tmp_path):
    renderer = ProceduralRenderer()
    shot = Shot(index=0, scene_index=0, start=0, end=1, prompt=PROMPTS[0], composition="center", setting="the bay", subject="the streetlights",
                palette=["#0b1d3a", "#0047ab", "#87ceeb", "#30d5c8"], camera="hold", seed=1)
    image = render_keyframe(shot, renderer, tmp_path)
    warm = shot.model_copy(update={"palette": ["#4a0e0e", "#cc5500", "#fff44f", "#ff3ea5"]})
    assert next(c for c in measure_keyframe(image, warm, None).checks if c.name == "palette_match").passed is False


def _evidence(*failed: str) -> Evidence:
    names = ["not_blank", "exposure_low", "exposure_high", "palette_match", "subject_placement"]
    return Evidence(kind="image-statistics", checks=[Check(name=n, value=0, threshold=0, passed=n not in failed) for n in names])


CFG = QAConfig()


@pytest.mark.parametrize(
    ("failed", "verdict", "sees", "reasons", "overruled"),
    [
        # A text-only judge rejecting a keyframe that passes every check, naming nothing: not followed.
        ((), KeyframeVerdict(issues=[], passed=False, score=10), False, [], True),
        ((), KeyframeVerdict(issues=[], passed=True, score=2), False, [], True),
        # ... naming a concrete issue: followed, and the issue is the reason.
        ((), KeyframeVerdict(issues=["the sky is cut off"], passed=False, score=3), False, ["judge: the sky is cut off"], False),
        # A failed check is a reason whatever the judge says.
        (("palette_match",), KeyframeVerdict(issues=[], passed=True, score=9), False, ["check:palette_match"], False),
        # A judge that saw the picture is followed, and says so.
        ((), SeenVerdict(issues=[], passed=False, score=2, box_2d=[0, 0, 10, 10]), True, ["judge: score 2"], False),
        ((), KeyframeVerdict(issues=[], passed=True, score=8), False, [], False),
    ],
)
def test_every_rejection_names_its_reason(failed, verdict, sees, reasons, overruled):
    got, note = rejection_reasons(_evidence(*failed), verdict, CFG, sees=sees)
    assert got == reasons
    assert (note is not None) == overruled


def _recording_renderer(tmp_path):
    """A renderer stand-in for the loop: what it was asked to draw, and a picture per attempt."""
    asked: list[Shot] = []

    def rerender(shot: Shot, attempt: int):
        asked.append(shot)
        return render_keyframe(shot, ProceduralRenderer(), tmp_path, attempt=attempt, seed=shot.seed_for(attempt))

    return asked, rerender


def test_a_rejected_shot_gets_its_prompt_rewritten_and_the_second_attempt_is_kept(tmp_path):
    """A writing model: the first verdict fails the shot with an issue, the model rewrites the prompt
    from it (schema-bound), the new picture is judged and kept; every attempt keeps its prompt."""
    import json

    from stages.qa_keyframes import qa_shot
    from tests.fakes import ScriptedModel

    shot = Shot(index=3, scene_index=0, start=0, end=1, prompt=PROMPTS[0], composition="center", setting="the bay at night",
                subject="the streetlights", palette=["#0b1d3a", "#5483b3", "#c1e8ff", "#30d5c8"], camera="hold", seed=11)
    first = render_keyframe(shot, ProceduralRenderer(), tmp_path)
    rewritten = "Wide shot of the streetlights on the bay at night, one tall lamp in the centre, neon glow"
    model = ScriptedModel([
        json.dumps({"issues": ["the streetlights are too small to read"], "passed": False, "score": 3}),
        json.dumps({"prompt": rewritten}),
        json.dumps({"issues": [], "passed": True, "score": 8}),
    ])
    asked, rerender = _recording_renderer(tmp_path)
    result = qa_shot(shot, first, None, model, rerender, QAConfig(max_rerenders=2), out_dir=tmp_path)
    assert [a.prompt for a in result.attempts] == [PROMPTS[0], rewritten]
    assert [s.prompt for s in asked] == [rewritten] and asked[0].seed == shot.seed  # seed_for(1) is applied by the renderer call
    assert result.chosen_attempt == 1 and result.passed
    assert result.attempts[0].reasons == ["judge: the streetlights are too small to read"] and not result.attempts[0].accepted
    assert [a.seed for a in result.attempts] == [shot.seed_for(0), shot.seed_for(1)]
    assert all(a.evidence.checks and a.verdict for a in result.attempts)
    rewrite_call = model.calls[1]
    assert rewrite_call["schema"]["title"] == "PromptRewrite"
    assert "the streetlights are too small to read" in rewrite_call["messages"][-1]["content"]


def test_a_small_model_fixes_a_failed_check_with_a_phrase_it_chooses(tmp_path):
    """The real 270M (a chooser): a keyframe that fails the exposure check is drawn again from its
    prompt plus the fix phrase the model picked; the original subject stays, within 200 characters."""
    import backends
    from songflow.core.config import ModelConfig
    from stages.qa_keyframes import FIXES, _fit, rewrite_prompt
    from schemas.qa import QAAttempt

    model = backends.load_model(ModelConfig())
    assert not model.writes_freely
    shot = Shot(index=0, scene_index=0, start=0, end=1, prompt=PROMPTS[2], composition="left_third", setting="a forest at dawn",
                subject="a lone figure", palette=["#0d0d12", "#2b2b2b", "#c1e8ff"], camera="hold", seed=1)
    rejected = QAAttempt(attempt=0, seed=1, image="k.png", evidence=_evidence("exposure_low", "subject_placement"),
                         verdict=KeyframeVerdict(issues=["the picture is too dark"], passed=False, score=2), accepted=False,
                         reasons=["check:exposure_low", "check:subject_placement"])
    new = rewrite_prompt(shot, rejected, model, ModelConfig(), 1)
    assert new.startswith("Medium shot of a lone figure in a forest at dawn") and len(new) <= 200
    assert any(f in new for f in FIXES["exposure_low"]) and "subject on the left third" in new
    long = _fit("x" * 150 + ", a very long trailing phrase about the light", ["brightly lit", "subject centred"])
    assert long == "x" * 150 + ", brightly lit, subject centred"


def test_a_vision_model_looks_at_a_clips_first_middle_and_last_frames(tmp_path):
    """A clip whose middle frame a vision judge rejects is not used: the shot keeps its still, and
    clips.json keeps the three verdicts and the frames they were given."""
    import json

    from PIL import Image

    from renderers.base import Capabilities, Motion
    from songflow.core.config import AssembleConfig, ModelConfig
    from stages.animate_shots import animate_shot
    from stages.qa_keyframes import review_frames
    from tests.fakes import ScriptedModel

    class Drift(Motion):  # a stand-in video model: the keyframe slowly washing out
        name = "drift"
        capabilities = Capabilities(video=True, frame_step=4, frame_offset=1, fps=16.0, max_frames=81)

        def animate(self, shot, keyframe, *, frames, seed, style=None, audio=None, voice=None, last=None):
            grey = Image.new("RGB", keyframe.size, (128, 128, 128))
            return [Image.blend(keyframe, grey, 0.3 * k / max(1, frames - 1)) for k in range(frames)]

    shot = Shot(index=2, scene_index=0, start=0, end=1, prompt=PROMPTS[0], composition="center", setting="the bay at night",
                subject="the streetlights", palette=["#0b1d3a", "#5483b3", "#c1e8ff", "#30d5c8"], camera="push", seed=5)
    key = render_keyframe(shot, ProceduralRenderer(), tmp_path)
    seen = lambda ok, issues: json.dumps({"issues": issues, "passed": ok, "score": 8 if ok else 2, "box_2d": [300, 300, 700, 700]})  # noqa: E731
    judge = ScriptedModel([seen(True, []), seen(False, ["the streetlights melt into grey smears"]), seen(True, [])])
    judge.supports_images = True
    cfg = AssembleConfig(width=320, height=180, preset="ultrafast")

    def review(s, frames):
        return review_frames(s, frames, judge, QAConfig(), ModelConfig(), tmp_path)

    clip = animate_shot(shot, key, Drift(), tmp_path, frames=24, cfg=cfg, review=review)
    assert clip.clip is None and clip.fallback.startswith("QA of frame 12: judge: the streetlights melt into grey smears")
    assert [r.frame for r in clip.review] == [0, 12, 23] and [r.passed for r in clip.review] == [True, False, True]
    assert [r.image for r in clip.review] == [f"clips/shot_002_{n}.png" for n in ("first", "middle", "last")]
    assert all(len(call["messages"]) and call["schema"]["title"] == "SeenVerdict" for call in judge.calls)
    assert not (tmp_path / "clips" / "shot_002.mp4").exists()
    # the same clip with a judge that passes all three is kept
    judge.replies = [seen(True, [])] * 3
    kept = animate_shot(shot, key, Drift(), tmp_path, frames=24, cfg=cfg, review=review)
    assert kept.clip == "clips/shot_002.mp4" and all(r.passed for r in kept.review)


def test_a_drawable_subject_missing_is_a_reason_to_redraw_and_a_word_with_no_drawing_is_not(tmp_path):
    """Stage 4 reads what the renderer says it drew: a subject it can draw that is not in the
    picture fails `subject_drawn` (a new seed may bring it into frame); a word it has no drawing for
    is only reported, since a redraw would draw the same."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    from schemas.drawing import DRAWING_KEY, Drawing, Element
    from stages.qa_keyframes import _evidence_text

    renderer = ProceduralRenderer()
    shot = Shot(index=0, scene_index=0, start=0, end=1, prompt=PROMPTS[0], composition="center", setting="the bay", subject="the streetlights",
                palette=["#0b1d3a", "#0047ab", "#87ceeb", "#30d5c8"], camera="hold", seed=1)
    drawn = render_keyframe(shot, renderer, tmp_path)
    evidence = measure_keyframe(drawn, shot, None)
    assert evidence.drawing is not None and next(c for c in evidence.checks if c.name == "subject_drawn").passed
    assert "asked vs drawn" in _evidence_text(evidence)  # what the judge reads

    def with_record(record: Drawing, name: str):
        info = PngInfo()
        info.add_text(DRAWING_KEY, record.model_dump_json())
        path = tmp_path / name
        Image.open(drawn).save(path, pnginfo=info)
        return measure_keyframe(path, shot, None)

    lost = Drawing(renderer="procedural", subject_cover=0.0, elements=[Element(kind="subject", asked="streetlamp", drawn=None, cover=0.0)])
    check = next(c for c in with_record(lost, "lost.png").checks if c.name == "subject_drawn")
    assert not check.passed
    assert "check:subject_drawn" in rejection_reasons(with_record(lost, "lost.png"), KeyframeVerdict(issues=[], passed=True, score=8), CFG, sees=False)[0]
    unknown = Drawing(renderer="procedural", subject_cover=0.01, fallbacks=["a teapot"],
                      elements=[Element(kind="subject", asked="a teapot", drawn="emblem", cover=0.01)])
    evidence = with_record(unknown, "unknown.png")
    assert next(c for c in evidence.checks if c.name == "subject_drawn").passed
    assert evidence.measurements["no_drawing_for"] == "a teapot"


def test_a_keyframe_drawn_on_a_later_try_says_so_in_its_qa(tmp_path):
    """A keyframe whose task was retried (its renderer's server was down on the first try) keeps
    the try in its PNG, and stage 4 carries it into the attempt and qa_report.json (the report card
    and its badge: tests/test_comfyui.py, with a real server killed and restarted)."""
    import json

    from schemas.qa import QAReport
    from stages.qa_keyframes import qa_shot
    from tests.fakes import ScriptedModel

    shot = Shot(index=0, scene_index=0, start=0, end=1, prompt=PROMPTS[0], composition="center", setting="the bay at night",
                subject="the streetlights", palette=["#0b1d3a", "#5483b3", "#c1e8ff", "#30d5c8"], camera="hold", seed=11)
    results = []
    for tries in (1, 2):
        image = render_keyframe(shot, ProceduralRenderer(), tmp_path / str(tries), drawn_on_try=tries)
        model = ScriptedModel([json.dumps({"issues": [], "passed": True, "score": 8})])
        results.append(qa_shot(shot, image, None, model, lambda s, a: image, QAConfig(max_rerenders=0), out_dir=tmp_path / str(tries)))
    first, retried = (r.attempts[0] for r in results)
    assert (first.drawn_on_try, first.retried) == (1, None)
    assert retried.drawn_on_try == 2
    assert retried.retried == "drawn on try 2: the renderer's server failed on try 1 and was waited for"
    report = QAReport.model_validate_json(QAReport(model="m", evidence_kind="image-statistics", pass_score=6, shots=[results[1]]).model_dump_json())
    assert report.shots[0].attempts[0].drawn_on_try == 2  # kept through qa_report.json
