"""Error paths of structured output, with a scripted fake backend."""

from __future__ import annotations

import pytest

from backends.structured import generate_structured
from schemas import KeyframeVerdict
from songflow.core.errors import ModelOutputError
from tests.fakes import ScriptedModel

MESSAGES = [{"role": "system", "content": "judge"}, {"role": "user", "content": "shot 1"}]


def test_garbage_is_retried_then_raises_with_every_raw_reply():
    garbage = ["I think it looks great!", '{"score": 11, "passed": true, "issues": []}', '{"score": 5, "passed": "maybe"']
    model = ScriptedModel(garbage)
    with pytest.raises(ModelOutputError) as info:
        generate_structured(model, MESSAGES, KeyframeVerdict, what="qa shot 1", attempts=3)
    err = info.value
    assert err.raw_outputs == garbage
    assert len(model.calls) == 3
    assert "qa shot 1" in str(err) and "after 3 attempt(s)" in str(err)
    assert "\n" not in str(err)


def test_errors_are_fed_back_and_a_corrected_reply_is_accepted():
    model = ScriptedModel(['{"score": 12, "passed": true, "issues": []}', '{"score": 8, "passed": true, "issues": []}'])
    verdict = generate_structured(model, MESSAGES, KeyframeVerdict, what="qa", attempts=3)
    assert verdict.score == 8
    second = model.calls[1]["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"score": 12, "passed": true, "issues": []}'}
    assert "score" in second[-1]["content"] and "less than or equal to 10" in second[-1]["content"]
    # The schema goes to the decoder on every attempt, and each re-ask samples with a new seed.
    assert all(call["schema"] == KeyframeVerdict.model_json_schema() for call in model.calls)
    assert [c["seed"] for c in model.calls] == [0, 1]


def test_a_wrong_count_is_a_failure_with_the_reason_fed_back():
    from schemas.common import exact_items
    from schemas.shots import ShotPromptBatch

    one = '{"shots": [{"prompt": "a kite over the bay", "composition": "wide"}]}'
    model = ScriptedModel([one, one])
    with pytest.raises(ModelOutputError, match="at least 2 items"):
        generate_structured(model, MESSAGES, exact_items(ShotPromptBatch, "shots", 2), what="shots", attempts=2)
    assert "at least 2 items" in model.calls[1]["messages"][-1]["content"]


def test_token_budget_covers_the_longest_valid_reply():
    """max_new_tokens comes from the schema, so a grammar-bound reply is never cut off."""
    import json

    from backends.structured import max_json_chars
    from schemas import SceneDraft

    longest = {"issues": ["\u00e9" * 100] * 4, "passed": False, "score": 10}
    assert max_json_chars(KeyframeVerdict.model_json_schema()) >= len(json.dumps(longest, separators=(",", ":")))
    scene = {"setting": "x" * 100, "subject": "y" * 80, "camera": "tilt_down",
             "palette": {"shadow": "midnight blue", "midtone": "electric blue", "highlight": "lavender", "accent": "turquoise"}}
    SceneDraft.model_validate(scene)
    assert max_json_chars(SceneDraft.model_json_schema()) >= len(json.dumps(scene, separators=(",", ":")))
    with pytest.raises(ValueError, match="unbounded string"):
        max_json_chars({"type": "object", "properties": {"a": {"type": "string"}}})
