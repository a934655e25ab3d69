"""A scripted fake backend, for error paths only: the real model proves the stages work."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backends.base import Message, TextModel


class ScriptedModel(TextModel):
    """Returns the scripted replies in order and records every call."""

    supports_schema = True

    def __init__(self, replies: Sequence[str], model_id: str = "fake:scripted"):
        self.id = model_id
        self.replies = list(replies)
        self.calls: list[dict[str, Any]] = []

    def generate(
        self,
        messages: Sequence[Message],
        *,
        schema: dict[str, Any] | None = None,
        images: Sequence[Path] = (),
        audio: Sequence[Path] = (),
        max_new_tokens: int = 512,
        seed: int = 0,
    ) -> str:
        self.calls.append({"messages": list(messages), "schema": schema, "seed": seed})
        if not self.replies:
            raise AssertionError("ScriptedModel ran out of replies")
        return self.replies.pop(0)


class StageFake(TextModel):
    """Minimal valid replies for stages 1, 2 and 4, and a scripted reply for stage 3 (shots).

    For error-path tests of the flow: e.g. garbage for shots only, to check that earlier stages'
    results survive. Replies are built from the JSON Schema the stage sends.
    """

    supports_schema = True

    def __init__(self, shots_reply: str | None, model_id: str = "fake:stages"):
        self.id = model_id
        self.shots_reply = shots_reply
        self.calls: list[str] = []

    def generate(self, messages, *, schema=None, images=(), audio=(), max_new_tokens=512, seed=0) -> str:
        import json

        title = (schema or {}).get("title")
        self.calls.append(title)
        props = (schema or {}).get("properties", {})
        if title == "SongInterpretation":
            n = props["sections"]["minItems"]
            return json.dumps({"mood": "calm", "themes": ["sea"], "imagery": ["waves"], "sections": [{"description": "waves"}] * n})
        if title == "StyleBible":
            return json.dumps({"medium": "flat art", "lighting": "dusk", "recurring_motif": "kite"})
        if title == "Cast":
            return json.dumps({"characters": [{"name": "the kite flyer", "look": "a yellow raincoat, short grey hair"}]})
        if title == "SceneDraft":
            midtone = props and schema["$defs"]["PaletteDraft"]["properties"]["midtone"]["enum"][0]
            palette = {"shadow": "deep navy", "midtone": midtone, "highlight": "ivory", "accent": "coral"}
            draft = {"setting": "a beach", "subject": "a kite", "camera": "zoom_in", "palette": palette}
            if "characters" in props:
                item = props["characters"]["items"]
                draft["characters"] = [item["const"] if "const" in item else item["enum"][0]]
            return json.dumps(draft)
        if title == "ShotPromptBatch":
            if self.shots_reply is None:  # valid: as many prompts as the schema asks for
                n = props["shots"]["minItems"]
                return json.dumps({"shots": [{"prompt": "a kite over the bay at dusk", "composition": "wide"}] * n})
            return self.shots_reply
        if title == "KeyframeVerdict":
            return json.dumps({"score": 7, "passed": True, "issues": []})
        raise AssertionError(f"unexpected schema {title}")
