"""A stage that fails leaves the earlier stages' results intact and raises with the evidence."""

from __future__ import annotations

import pytest

from schemas import ScenePlan, SongAnalysis
from songflow.core.errors import ModelOutputError
from songflow.core.store import LOCK, SongOutputs
from tests.fakes import StageFake


def test_garbage_in_stage_3_keeps_stages_1_and_2(short_song, tmp_path):
    from prefect.testing.utilities import prefect_test_harness

    from flows.running import MODELS
    from flows.song import make_video

    wav, lrc, _ = short_song
    fake = StageFake(shots_reply="Sure! Here are some lovely shots: a kite, a beach, a wave.")
    MODELS.put(fake)
    with prefect_test_harness(server_startup_timeout=120):
        with pytest.raises(ModelOutputError) as info:
            make_video(audio=wav, lyrics=lrc, title="Kite", preset="fast", model=fake.id, outputs=tmp_path)
    assert "write_shots (stage 3)" in str(info.value)
    assert info.value.raw_outputs[0].startswith("Sure! Here are")
    out = SongOutputs.for_song(tmp_path, "Kite")
    assert out.load("analysis", SongAnalysis).model == fake.id
    assert len(out.load("scenes", ScenePlan).scenes) >= 1
    assert not out.path("shots").exists() and not out.path("qa").exists() and not out.video.exists()
    assert not [p for p in out.root.iterdir() if p.name.startswith(".") and p.name != LOCK], "temp files left behind"
    assert fake.calls.count("ShotPromptBatch") == 2  # the fast preset's attempts, then it gave up


def test_broken_timing_rule_fails_the_run_and_keeps_the_outputs(short_song, tmp_path, monkeypatch):
    """A video that breaks a hard timing rule fails the run with the figures; nothing is lost."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.running import MODELS
    from flows.song import make_video
    from schemas.timing import TimingReport
    from songflow.core.config import PRESETS, TimingConfig
    from stages.timing_report import TimingError

    strict = PRESETS["fast"].model_copy(update={"timing": TimingConfig(max_cut_offset_seconds=0.0)})
    monkeypatch.setitem(PRESETS, "strict", strict)
    wav, lrc, _ = short_song
    fake = StageFake(None)
    MODELS.put(fake)
    with prefect_test_harness(server_startup_timeout=120):
        with pytest.raises(TimingError) as info:
            make_video(audio=wav, lyrics=lrc, title="Strict", preset="strict", model=fake.id, outputs=tmp_path)
    message = str(info.value)
    assert "timing rules broken" in message and "ms from the nearest beat (limit 0 ms)" in message and "\n" not in message
    out = SongOutputs.for_song(tmp_path, "Strict")
    report = TimingReport.model_validate_json(out.path("timing").read_text())
    assert not report.passed and report.summary.share_within_limit < 1.0
    assert out.video.is_file() and (out.root / "report.html").is_file()
