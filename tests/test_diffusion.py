"""diffusers keyframes through the real `from_pretrained` path, on a tiny random FLUX.2 [klein]
pipeline built from configs here (no downloads), alone and inside the whole flow."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
from PIL import Image

pytest.importorskip("diffusers")

from renderers import capabilities, load_renderer, parse_id  # noqa: E402
from schemas import QAReport, ScenePlan, ShotList  # noqa: E402
from schemas.shots import Shot  # noqa: E402
from songflow.core.config import RenderConfig  # noqa: E402
from songflow.core.errors import InputError  # noqa: E402
from tests.conftest import first_stages, rerun_from_render  # noqa: E402
from renderers import motion_capabilities, native_frames, retime  # noqa: E402
from schemas.clips import ClipReport  # noqa: E402
from stages.assemble import plan_frames  # noqa: E402
from tests.tiny_diffusion import flux1, flux2_klein, offline_hub, wan_flf2v, wan_i2v  # noqa: E402,F401  (offline_hub: autouse)

DRAW = {"render.draw_width": "96", "render.draw_height": "64"}  # the tiny model draws small; keyframes are 1280x720


@pytest.fixture(scope="session")
def tiny_klein(tmp_path_factory):
    return flux2_klein(tmp_path_factory.mktemp("pipelines") / "tiny-flux2-klein")


@pytest.fixture
def spy(monkeypatch):
    """What the pipeline was called with, per call."""
    from diffusers import Flux2KleinPipeline

    calls: list[dict] = []
    real = Flux2KleinPipeline.__call__

    def record(self, *args, **kwargs):
        calls.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Flux2KleinPipeline, "__call__", record)
    return calls


@pytest.fixture(scope="session")
def tiny_flux1(tmp_path_factory):
    return flux1(tmp_path_factory.mktemp("pipelines") / "tiny-flux1")


@pytest.fixture(scope="session")
def tiny_wan(tmp_path_factory):
    return wan_i2v(tmp_path_factory.mktemp("pipelines") / "tiny-wan-i2v")


@pytest.fixture(scope="session")
def tiny_wan_flf(tmp_path_factory):
    return wan_flf2v(tmp_path_factory.mktemp("pipelines") / "tiny-wan-flf2v")


def _shot(**kw) -> Shot:
    base = dict(prompt="a dancer on a rooftop in neon rain", composition="center", index=0, scene_index=0, start=0.0, end=2.0,
                setting="rooftop", subject="dancer", palette=["#0b1d3a", "#5483b3", "#f4d35e"], camera="push", seed=3)
    return Shot(**{**base, **kw})


def test_capabilities_are_known_from_the_id_before_loading(tiny_klein, tmp_path):
    caps = capabilities(f"diffusers:{tiny_klein}")
    assert caps.references and not caps.video
    assert not capabilities("procedural").references
    with pytest.raises(InputError, match="no model_index.json"):
        capabilities(f"diffusers:{tmp_path}")
    with pytest.raises(InputError, match="renderer folder not found"):
        capabilities("diffusers:./no/such/folder")
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "AudioLDMPipeline"}))
    with pytest.raises(InputError, match="is a AudioLDMPipeline; diffusers keyframe renderers: Flux2KleinPipeline"):
        capabilities(f"diffusers:{tmp_path}")
    for bad in ("dall-e", "diffusers:", "procedural:x", ""):
        with pytest.raises(InputError, match="unknown renderer"):
            parse_id(bad)


def test_same_seed_same_pixels_and_references_reach_the_pipeline(tiny_klein, spy):
    renderer = load_renderer(RenderConfig(renderer=f"diffusers:{tiny_klein}", draw_width=96, draw_height=64))
    shot = _shot()
    a = np.asarray(renderer.render(shot, seed=3, width=320, height=180), dtype=float)
    b = np.asarray(renderer.render(shot, seed=3, width=320, height=180), dtype=float)
    c = np.asarray(renderer.render(shot, seed=4, width=320, height=180), dtype=float)
    ref = Image.new("RGB", (1280, 720), (200, 30, 30))
    d = np.asarray(renderer.render(shot, seed=3, width=320, height=180, references=[ref]), dtype=float)
    assert a.shape == (180, 320, 3)
    assert np.array_equal(a, b) and np.abs(a - c).mean() > 5
    assert "image" not in spy[0] and [im.size for im in spy[3]["image"]] == [(96, 64)]
    assert not np.array_equal(a, d)  # the reference changed the picture
    assert spy[0]["prompt"].startswith("a dancer on a rooftop in neon rain, subject centred")
    assert spy[0]["num_inference_steps"] == 4 and spy[0]["guidance_scale"] == 1.0  # FLUX.2 klein's own defaults
    assert renderer is load_renderer(RenderConfig(renderer=f"diffusers:{tiny_klein}", draw_width=96, draw_height=64))  # loaded once


def test_a_family_without_a_reference_input_draws_from_the_reference_by_img2img(tiny_flux1, monkeypatch):
    from diffusers import FluxImg2ImgPipeline, FluxPipeline

    calls: dict[str, list] = {"txt2img": [], "img2img": []}
    for cls, name in ((FluxPipeline, "txt2img"), (FluxImg2ImgPipeline, "img2img")):
        real = cls.__call__
        monkeypatch.setattr(cls, "__call__", lambda self, *a, _real=real, _n=name, **kw: calls[_n].append(kw) or _real(self, *a, **kw))
    cfg = RenderConfig(renderer=f"diffusers:{tiny_flux1}", draw_width=96, draw_height=64, steps=2)
    renderer = load_renderer(cfg)
    assert renderer.capabilities.references
    shot = _shot(composition="wide")
    plain = np.asarray(renderer.render(shot, seed=5, width=320, height=180), dtype=float)
    ref = Image.new("RGB", (1280, 720), (20, 40, 200))
    guided = np.asarray(renderer.render(shot, seed=5, width=320, height=180, references=[ref]), dtype=float)
    again = np.asarray(renderer.render(shot, seed=5, width=320, height=180, references=[ref]), dtype=float)
    assert len(calls["txt2img"]) == 1 and len(calls["img2img"]) == 2
    assert calls["img2img"][0]["image"].size == (96, 64) and calls["img2img"][0]["strength"] == cfg.reference_strength
    assert np.array_equal(guided, again) and np.abs(plain - guided).mean() > 5  # (random weights: no colour to inherit)


def test_clip_lengths_follow_the_models_frame_rule_and_keep_the_shots_frames(tiny_wan, tiny_klein):
    caps = motion_capabilities(f"diffusers:{tiny_wan}")
    assert caps.video and (caps.frame_step, caps.frame_offset, caps.fps, caps.max_frames) == (4, 1, 16.0, 81)
    assert motion_capabilities("kenburns") is None
    with pytest.raises(InputError, match="a still-image model: use it with --renderer"):
        motion_capabilities(f"diffusers:{tiny_klein}")
    with pytest.raises(InputError, match="an image-to-video model: use it with --motion"):
        capabilities(f"diffusers:{tiny_wan}")
    for frames in range(1, 200):
        n = native_frames(frames, 24, caps)
        assert n % 4 == 1 and n <= 81
        shown = retime(n, 16.0, frames, 24)
        assert len(shown) == frames and shown == sorted(shown) and max(shown) < n
        if n < 81:  # the clip covers the shot at its own speed: frame i shows the picture of time i/24
            assert n / 16.0 >= frames / 24 and (n - 4) / 16.0 < frames / 24
            assert all(abs(k / 16.0 - i / 24) < 1 / 16 for i, k in enumerate(shown))


def test_continuity_ends_a_clip_on_the_next_shots_keyframe(tiny_wan, tiny_wan_flf, tmp_path, monkeypatch):
    """A first-last-frame Wan (its image embedding has a position table for two images) takes the
    next shot's keyframe as the clip's last frame: the pipeline gets it, its CLIP encoder sees both
    pictures, the clip keeps the shot's frames from its first native frame to its last; a plain
    Wan 2.1 I2V (an image encoder, no such table) cannot, and asking it for continuity is one line."""
    import torch
    from diffusers import WanImageToVideoPipeline

    from renderers import check_renderer, load_motion
    from songflow.core.config import RenderConfig
    from stages.animate_shots import animate_shot, continuity_targets

    assert not motion_capabilities(f"diffusers:{tiny_wan}").last_frame and motion_capabilities(f"diffusers:{tiny_wan_flf}").last_frame
    with pytest.raises(InputError, match="needs a motion model that ends a clip on a given frame"):
        check_renderer(RenderConfig(motion=f"diffusers:{tiny_wan}", motion_continuity=True))
    with pytest.raises(InputError, match="needs a motion model that ends a clip on a given frame"):
        check_renderer(RenderConfig(motion_continuity=True))  # kenburns
    check_renderer(RenderConfig(motion=f"diffusers:{tiny_wan_flf}", motion_continuity=True))

    keys = [tmp_path / "keyframes" / f"shot_{i}.png" for i in range(5)]
    keys[0].parent.mkdir()
    for i, key in enumerate(keys):
        Image.new("RGB", (64, 48), (40 * i, 200 - 30 * i, 90)).save(key)
    scenes = [_shot(index=i, scene_index=s) for i, s in enumerate([0, 0, 1, 1, 1])]
    assert continuity_targets(scenes, keys) == [keys[1], None, keys[3], keys[4], None]  # a new scene's cut stays a cut

    real, calls, seen = WanImageToVideoPipeline.__call__, [], []
    monkeypatch.setattr(WanImageToVideoPipeline, "__call__", lambda self, *a, **kw: calls.append(kw) or real(self, *a, **kw))
    cfg = RenderConfig(motion=f"diffusers:{tiny_wan_flf}", motion_width=64, motion_height=48, motion_steps=2, motion_continuity=True)
    motion = load_motion(cfg)
    import stages.animate_shots as stage

    spread = []
    monkeypatch.setattr(stage, "retime", lambda *a, **kw: spread.append(kw["ends"]) or retime(*a, **kw))
    hook = motion.pipe.image_encoder.register_forward_pre_hook(lambda m, args, kwargs: seen.append(kwargs["pixel_values"].shape[0]), with_kwargs=True)
    try:
        ended = animate_shot(scenes[0], keys[0], motion, tmp_path, frames=30, last_keyframe=keys[1])
        plain = animate_shot(scenes[1], keys[1], motion, tmp_path, frames=30)
    finally:
        hook.remove()
    assert seen == [2, 2] and spread == [True, False]  # the first and the last picture, each time
    for call, key in zip(calls, (keys[1], keys[1])):  # a scene's last shot: an FLF model returns to its own keyframe
        with Image.open(key) as want:
            assert np.array_equal(np.asarray(call["last_image"]), np.asarray(want.convert("RGB").resize((64, 48), Image.LANCZOS)))
    assert ended.last_keyframe == "keyframes/shot_1.png" and plain.last_keyframe is None
    assert ended.native_frames == 21 and ended.clip and plain.clip
    with av.open(str(tmp_path / ended.clip)) as container:
        assert sum(1 for _ in container.decode(container.streams.video[0])) == 30
    shown = retime(21, 16.0, 30, 24, ends=True)  # spread from the first native frame to the last
    assert shown[0] == 0 and shown[-1] == 20 and shown == sorted(shown) and len(shown) == 30
    assert torch.is_tensor(motion.pipe.transformer.condition_embedder.image_embedder.pos_embed)


def test_a_wan_checkpoints_configs_say_its_rate_and_whether_it_takes_a_last_frame(tiny_wan, tmp_path):
    """Read from model_index.json and transformer/config.json, without the weights: Wan 2.2 I2V-A14B
    (no image encoder) takes a last frame; TI2V-5B (`expand_timesteps`) makes 24 fps clips up to 121
    frames and takes none."""
    import shutil

    def variant(name: str, **index) -> Path:
        folder = tmp_path / name
        shutil.copytree(tiny_wan, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
        config = json.loads((folder / "model_index.json").read_text())
        (folder / "model_index.json").write_text(json.dumps({**config, **index}))
        return folder

    a14b = motion_capabilities(f"diffusers:{variant('a14b', image_encoder=[None, None], image_processor=[None, None])}")
    ti2v = motion_capabilities(f"diffusers:{variant('ti2v', image_encoder=[None, None], image_processor=[None, None], expand_timesteps=True)}")
    assert a14b.last_frame and (a14b.fps, a14b.max_frames) == (16.0, 81)
    assert not ti2v.last_frame and (ti2v.fps, ti2v.max_frames, ti2v.frame_step) == (24.0, 121, 4)


def test_the_flow_draws_its_keyframes_with_a_diffusers_pipeline(e2e, tiny_klein, tmp_path, spy):
    """The short song's stages 1-3 (from the end-to-end run), rendered again with the tiny pipeline:
    each scene's first keyframe is the reference of its other shots, the video is whole and on time."""
    outputs = tmp_path / "outputs"
    before = e2e["out"]
    out = first_stages(e2e, outputs)
    # The short song sings in one scene only: the lead also walks through the last scene (a
    # hand-edited shot list, as a user may write), so a character's look crosses scenes.
    plan, listed = out.load("scenes", ScenePlan), out.load("shots", ShotList)
    last = listed.shots[-1]
    assert plan.characters and not last.characters
    edited = listed.model_copy(update={"shots": [*listed.shots[:-1], last.model_copy(update={"characters": plan.characters[:1]})]})
    out.save("shots", edited)
    state = rerun_from_render(e2e, outputs, renderer=f"diffusers:{tiny_klein}", settings=DRAW)
    assert state.is_completed(), state.message  # the timing rules held (a broken one fails the run)
    shots = out.load("shots", ShotList).shots
    qa = out.load("qa", QAReport)
    # expected references: each character's first accepted keyframe, then the scene's first keyframe
    chosen = [r.attempts[r.chosen_attempt].image for r in qa.shots]
    scene_first, character_first, expected = {}, {}, []
    for s in shots:
        first = scene_first.setdefault(s.scene_index, s.index)
        refs = [character_first[c.name] for c in s.characters if c.name in character_first]
        refs += [chosen[first]] if first != s.index else []
        expected.append(list(dict.fromkeys(refs)))
        for c in s.characters:
            character_first.setdefault(c.name, chosen[s.index])
    for s, result, refs in zip(shots, qa.shots, expected):
        for attempt in result.attempts:
            assert attempt.references == refs, (s.index, attempt.references, refs)
    assert any(s.characters for s in shots[:-1])  # the sung scene has the lead
    scene_of = {chosen[i]: shots[i].scene_index for i in range(len(shots))}
    assert any(scene_of[r] != s.scene_index for s, refs in zip(shots, expected) for r in refs), "no character reference crossed scenes"
    # every render went through the pipeline, and those with references passed them on, the look in the prompt
    with_refs = sum(len(r.attempts) for r, refs in zip(qa.shots, expected) if refs)
    assert len(spy) == sum(len(r.attempts) for r in qa.shots)
    assert sum("image" in call for call in spy) == with_refs > 0
    look = plan.characters[0]
    assert any(f"{look.name}: {look.look}" in call["prompt"] for call in spy)
    # the same seed gives the same pixels: shot 0 drawn again by the loaded pipeline matches its keyframe
    from songflow.core.config import from_env

    again = load_renderer(from_env("fast", renderer=f"diffusers:{tiny_klein}", settings=DRAW).render).render(
        shots[0], seed=shots[0].seed_for(0), width=1280, height=720, style=plan.style,
    )
    assert np.array_equal(np.asarray(again), np.asarray(Image.open(out.root / qa.shots[0].attempts[0].image).convert("RGB")))
    # keyframes at the video's size, drawn by the model (not the procedural art of the first run)
    mine = Image.open(out.root / qa.shots[0].attempts[0].image)
    theirs = Image.open(before.root / "keyframes" / "shot_000_a0.png")
    assert mine.size == (1280, 720) and not np.array_equal(np.asarray(mine), np.asarray(theirs))
    with av.open(str(out.video)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
    assert abs(frames - round(shots[-1].end * 24)) <= 1


def test_moving_shots_from_an_image_to_video_model_keep_every_cut_on_its_frame(e2e, tiny_klein, tiny_wan, tmp_path, monkeypatch):
    """The short song with diffusers keyframes and Wan image-to-video clips: each clip has exactly
    its shot's planned frames, the video is whole and the timing rules hold; a shot whose clip
    fails keeps its still (Ken Burns) and clips.json says why."""
    from diffusers import WanImageToVideoPipeline

    real = WanImageToVideoPipeline.__call__
    asked: list[int] = []

    def flaky(self, *args, **kwargs):  # the third clip fails, as a GPU out of memory would
        asked.append(kwargs["num_frames"])
        if len(asked) == 3:
            raise RuntimeError("CUDA out of memory (simulated)")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(WanImageToVideoPipeline, "__call__", flaky)
    outputs = tmp_path / "outputs"
    out = first_stages(e2e, outputs)
    settings = {**DRAW, "render.motion_width": "64", "render.motion_height": "48", "render.motion_steps": "2"}
    state = rerun_from_render(e2e, outputs, renderer=f"diffusers:{tiny_klein}", motion=f"diffusers:{tiny_wan}", settings=settings)
    assert state.is_completed(), state.message
    from songflow.core.config import from_env
    from schemas import SongAnalysis

    analysis, shots = out.load("analysis", SongAnalysis), out.load("shots", ShotList)
    plan = plan_frames(analysis, shots, from_env("fast").assemble)
    clips = out.load("clips", ClipReport)
    assert [c.shot_index for c in clips.shots] == [s.index for s in shots.shots]
    assert asked == [native_frames(c.frames, 24, motion_capabilities(f"diffusers:{tiny_wan}")) for c in clips.shots]
    fell = [c for c in clips.shots if c.clip is None]
    assert [c.shot_index for c in fell] == [2] and "CUDA out of memory" in fell[0].fallback
    for c, f in zip(clips.shots, plan.shots):
        assert c.frames == f.lead + (f.last - f.first) + f.tail
        if c.clip:
            with av.open(str(out.root / c.clip)) as container:
                stream = container.streams.video[0]
                assert sum(1 for _ in container.decode(stream)) == c.frames
                assert (stream.width, stream.height) == (1280, 720)
    with av.open(str(out.video)) as container:
        assert sum(1 for _ in container.decode(container.streams.video[0])) == plan.total
    page = (out.root / "report.html").read_text()
    assert f"clips {len(clips.shots) - 1}/{len(clips.shots)}" in page and "no clip: RuntimeError: CUDA out of memory (simulated)" in page
