"""The hand-off models reject bad hand-offs with a message that says what is wrong."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from schemas import QAReport, ScenePlan, ShotList, SongAnalysis
from schemas.common import exact_items
from schemas.scenes import SceneDraft, StyleBible

PALETTE = {"shadow": "deep navy", "midtone": "teal", "highlight": "ivory", "accent": "coral"}
STYLE = {"medium": "flat vector art", "lighting": "neon at night", "recurring_motif": "a red kite"}


def shot(i, start, end):
    return {
        "index": i, "scene_index": 0, "start": start, "end": end, "prompt": "a kite over the sea",
        "composition": "center", "setting": "beach", "subject": "kite", "palette": ["#000000", "#ff0000", "#ffffff"],
        "camera": "hold", "seed": 1,
    }


def scene(i, start, end):
    return {
        "index": i, "section_index": i, "start": start, "end": end, "setting": "beach", "subject": "kite",
        "palette": ["#000000", "#ff0000", f"#ffff{i:02d}"], "camera": "zoom_in",
    }


def scene_(i, start, end):
    return scene(i, start, end) | {"palette": ["#000000", "#ff0000", "#ffffff"]}


def test_shots_must_tile_without_overlap():
    ok = {"duration": 4.0, "model": "m", "shots": [shot(0, 0, 2), shot(1, 2, 4)]}
    ShotList.model_validate(ok)
    bad = {**ok, "shots": [shot(0, 0, 2.5), shot(1, 2, 4)]}
    with pytest.raises(ValidationError, match="overlaps"):
        ShotList.model_validate(bad)


def test_shots_must_tile_without_gap_and_reach_the_end():
    with pytest.raises(ValidationError, match="gap"):
        ShotList.model_validate({"duration": 4.0, "model": "m", "shots": [shot(0, 0, 1.5), shot(1, 2, 4)]})
    with pytest.raises(ValidationError, match="ends at 3.000s, not 4.000s"):
        ShotList.model_validate({"duration": 4.0, "model": "m", "shots": [shot(0, 0, 1), shot(1, 1, 3)]})


def test_scene_outside_the_song_is_rejected():
    with pytest.raises(ValidationError, match="outside the song"):
        ScenePlan.model_validate({"duration": 10.0, "model": "m", "style": STYLE, "scenes": [scene(0, 0, 5), scene(1, 5, 12)]})


def test_hex_palette_and_bounded_strings():
    bad = scene(0, 0, 10) | {"palette": ["red", "#00ff00", "#0000ff"]}
    with pytest.raises(ValidationError, match="palette"):
        ScenePlan.model_validate({"duration": 10.0, "model": "m", "style": STYLE, "scenes": [bad]})
    with pytest.raises(ValidationError, match="at most 80 characters"):
        SceneDraft.model_validate({"setting": "x", "subject": "y" * 81, "camera": "hold", "palette": PALETTE})


def test_palette_names_come_from_their_tone():
    draft = SceneDraft.model_validate({"setting": "x", "subject": "y", "camera": "hold", "palette": PALETTE})
    assert draft.palette.hex() == ["#0b1d3a", "#008080", "#f4f0e0", "#ff7f50"]
    with pytest.raises(ValidationError, match="palette.shadow"):
        SceneDraft.model_validate({"setting": "x", "subject": "y", "camera": "hold", "palette": PALETTE | {"shadow": "ivory"}})


def test_every_model_written_string_and_list_is_bounded():
    """Under a JSON grammar an unbounded string lets a small model run to max_new_tokens."""
    from schemas import KeyframeVerdict, ShotPromptBatch, SongInterpretation

    def walk(node, defs):
        if isinstance(node, dict):
            if "$ref" in node:
                yield from walk(defs[node["$ref"].split("/")[-1]], defs)
                return
            if node.get("type") == "string" and "enum" not in node and "const" not in node:
                yield ("string", "maxLength" in node or "pattern" in node and node["pattern"].startswith("^"))
            if node.get("type") == "array":
                yield ("array", "maxItems" in node)
            for value in node.values():
                yield from walk(value, defs)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value, defs)

    for model in (SongInterpretation, StyleBible, SceneDraft, ShotPromptBatch, KeyframeVerdict):
        schema = model.model_json_schema()
        found = list(walk({k: v for k, v in schema.items() if k != "$defs"}, schema.get("$defs", {})))
        assert found and all(bounded for _, bounded in found), (model.__name__, found)


def test_exact_items_bounds_schema_and_validation():
    from schemas import ShotPromptBatch

    draft = exact_items(ShotPromptBatch, "shots", 2)
    schema = draft.model_json_schema()
    assert schema["properties"]["shots"]["minItems"] == schema["properties"]["shots"]["maxItems"] == 2
    one = {"prompt": "a kite over the bay", "composition": "wide"}
    with pytest.raises(ValidationError, match="at least 2 items"):
        draft.model_validate({"shots": [one]})
    draft.model_validate({"shots": [one, one]})


def test_a_scene_may_not_repeat_the_previous_palette():
    from schemas.scenes import scene_draft_after

    scene = {"setting": "s", "subject": "k", "camera": "hold", "palette": PALETTE}
    first = SceneDraft.model_validate(scene)
    after = scene_draft_after(first.palette)
    midtones = after.model_json_schema()["$defs"]["PaletteDraft"]["properties"]["midtone"]["enum"]
    assert "teal" not in midtones and len(midtones) >= 5  # the grammar itself rules the repeat out
    with pytest.raises(ValidationError, match="palette.midtone"):
        after.model_validate(scene)
    after.model_validate(scene | {"palette": PALETTE | {"midtone": "rust"}})
    plan = {"duration": 10.0, "model": "m", "style": STYLE, "scenes": [scene_(0, 0, 5), scene_(1, 5, 10)]}
    with pytest.raises(ValidationError, match="scene 1 repeats the palette of scene 0"):
        ScenePlan.model_validate(plan)


def test_analysis_checks_beats_sections_and_notes():
    base = {
        "title": "t", "audio_path": "/a.wav", "audio_sha256": "0" * 64, "duration": 4.0, "tempo": 120.0,
        "beats": [0.5, 1.0, 1.5], "downbeats": [0.5],
        "sections": [{"index": 0, "start": 0, "end": 2, "energy": 0.5, "label": "A"}, {"index": 1, "start": 2, "end": 4, "energy": 1, "label": "B"}],
        "lyrics_source": "none",
        "interpretation": {"mood": "calm", "themes": ["sea"], "imagery": ["waves"], "sections": [{"description": "a"}, {"description": "b"}]},
        "model": "m",
    }
    SongAnalysis.model_validate(base)
    with pytest.raises(ValidationError, match="label"):
        SongAnalysis.model_validate(base | {"sections": [base["sections"][0] | {"label": "chorus"}, base["sections"][1]]})
    with pytest.raises(ValidationError, match="must increase"):
        SongAnalysis.model_validate(base | {"beats": [0.5, 0.4, 1.5]})
    with pytest.raises(ValidationError, match="downbeat"):
        SongAnalysis.model_validate(base | {"downbeats": [0.7]})
    with pytest.raises(ValidationError, match="1 section notes for 2 sections"):
        SongAnalysis.model_validate(base | {"interpretation": base["interpretation"] | {"sections": [{"description": "a"}]}})


def test_qa_report_needs_one_entry_per_shot():
    attempt = {
        "attempt": 0, "seed": 1, "image": "k.png", "accepted": True,
        "evidence": {"kind": "image-statistics"}, "verdict": {"score": 7, "passed": True, "issues": []},
    }
    entry = {"shot_index": 0, "attempts": [attempt], "passed": True, "chosen_attempt": 0}
    QAReport.model_validate({"model": "m", "evidence_kind": "image-statistics", "pass_score": 5, "shots": [entry]})
    with pytest.raises(ValidationError, match="one entry per shot"):
        QAReport.model_validate(
            {"model": "m", "evidence_kind": "image-statistics", "pass_score": 5, "shots": [entry | {"shot_index": 1}]}
        )
    with pytest.raises(ValidationError, match="chosen attempt 3 does not exist"):
        json.dumps(QAReport.model_validate({"model": "m", "evidence_kind": "image", "pass_score": 5, "shots": [entry | {"chosen_attempt": 3}]}).model_dump())
