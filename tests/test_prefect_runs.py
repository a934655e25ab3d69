"""Songflow as a Prefect citizen, against a real Prefect server: resumable runs, --from, hand
edits, artifacts. The model here is a scripted fake so that calls can be counted; the real model
runs through the same flow in test_end_to_end.py and test_served_deployment."""

from __future__ import annotations

import asyncio
import json

import pytest

from schemas import ScenePlan, ShotList
from songflow.core.errors import InputError, ModelOutputError
from songflow.core.store import SongOutputs
from tests.fakes import StageFake

def run_flow(song, outputs, fake, **kwargs):
    from flows.running import MODELS
    from flows.song import make_video

    wav, lrc, _ = song
    MODELS.put(fake)
    return make_video(audio=wav, lyrics=lrc, title="Kite", preset="fast", model=fake.id, outputs=outputs, **kwargs)


def counts(fake):
    return {name: fake.calls.count(name) for name in set(fake.calls)}


def test_rerun_after_stage_3_failure_reuses_stages_1_and_2(prefect_api, short_song, tmp_path):
    fake = StageFake(shots_reply="no JSON here, sorry", model_id="fake:rerun")
    with pytest.raises(ModelOutputError, match="write_shots"):
        run_flow(short_song, tmp_path, fake)
    first = counts(fake)
    assert first["SongInterpretation"] == 1 and first["StyleBible"] == 1 and first["ShotPromptBatch"] == 2

    fake.shots_reply = None  # now valid shots
    fake.calls.clear()
    video = run_flow(short_song, tmp_path, fake)
    second = counts(fake)
    assert "SongInterpretation" not in second and "StyleBible" not in second and "SceneDraft" not in second
    assert second["ShotPromptBatch"] >= 1 and second["KeyframeVerdict"] >= 1
    assert video.is_file()

    # A third run recomputes nothing at all.
    fake.calls.clear()
    run_flow(short_song, tmp_path, fake)
    assert fake.calls == []


def test_from_stage_recomputes_that_stage_and_after_only(prefect_api, short_song, tmp_path):
    fake = StageFake(shots_reply=None, model_id="fake:from")
    run_flow(short_song, tmp_path, fake)
    out = SongOutputs.for_song(tmp_path, "Kite")
    before = {stage: out.path(stage).stat().st_mtime_ns for stage in ("analysis", "scenes", "shots", "qa")}
    video_before = out.video.stat().st_mtime_ns
    fake.calls.clear()
    run_flow(short_song, tmp_path, fake, from_stage="shots")
    after = {stage: out.path(stage).stat().st_mtime_ns for stage in ("analysis", "scenes", "shots", "qa")}
    assert after["analysis"] == before["analysis"] and after["scenes"] == before["scenes"]
    assert after["shots"] > before["shots"] and after["qa"] > before["qa"]
    assert out.video.stat().st_mtime_ns > video_before
    c = counts(fake)
    assert set(c) == {"ShotPromptBatch", "KeyframeVerdict"}


def test_hand_edited_plan_is_used_and_invalid_edit_rejected(prefect_api, short_song, tmp_path):
    fake = StageFake(shots_reply=None, model_id="fake:edit")
    run_flow(short_song, tmp_path, fake)
    out = SongOutputs.for_song(tmp_path, "Kite")
    plan = json.loads(out.path("scenes").read_text())
    plan["scenes"][0]["subject"] = "a red lighthouse"
    plan["scenes"][0]["palette"] = ["#101820", "#c0392b", "#f5e6ca"]
    out.path("scenes").write_text(json.dumps(plan, indent=2))
    run_flow(short_song, tmp_path, fake, from_stage="shots")
    shots = out.load("shots", ShotList)
    first_scene = [s for s in shots.shots if s.scene_index == 0]
    assert first_scene and all(s.subject == "a red lighthouse" and s.palette[1] == "#c0392b" for s in first_scene)
    assert out.load("scenes", ScenePlan).scenes[0].subject == "a red lighthouse"  # the edit is kept

    plan["scenes"][1]["palette"] = ["red", "green", "blue"]
    out.path("scenes").write_text(json.dumps(plan, indent=2))
    with pytest.raises(InputError, match=r"scene_plan.json is not a valid ScenePlan: scenes.1.palette.0"):
        run_flow(short_song, tmp_path, fake, from_stage="shots")


def test_artifacts_and_task_names_are_readable_through_the_client(prefect_api, short_song, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, TaskRunFilter, TaskRunFilterFlowRunId

    fake = StageFake(shots_reply=None, model_id="fake:artifacts")
    state = run_flow(short_song, tmp_path, fake, return_state=True)
    run_id = str(state.state_details.flow_run_id)

    async def read():
        async with get_client() as client:
            run = await client.read_flow_run(run_id)
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])), limit=200
            )
            tasks = await client.read_task_runs(
                task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[run_id])), limit=200
            )
            return run, [a.model_dump(mode="json") for a in artifacts], [t.name for t in tasks]

    run, artifacts, task_names = asyncio.run(read())
    assert run.state.is_completed() and run.name == "Kite"
    by_key = {a["key"]: a for a in artifacts if a["key"]}
    for what in ("analysis", "scene-plan", "shot-list", "qa", "video", "storyboard", "render-progress", "qa-progress", "summary"):
        assert f"kite-{what}" in by_key, (what, sorted(by_key))
    assert by_key["kite-analysis"]["type"] == "table" and "Kite" in by_key["kite-analysis"]["description"]
    assert float(by_key["kite-render-progress"]["data"]) == 100.0
    assert float(by_key["kite-qa-progress"]["data"]) == 100.0
    assert "video.mp4" in by_key["kite-video"]["data"] and "storyboard.png" in by_key["kite-storyboard"]["data"]
    assert (tmp_path / "kite" / "storyboard.png").is_file()
    assert "render-shot-0" in task_names and "qa-shot-0" in task_names, task_names
