"""The model backends through their real code paths, without downloads: a tiny random Gemma 4 with
vision and audio towers (`hf:<folder>`), Ollama's protocol (recorded), and capability checks.
The `openai:` backend against a real llama.cpp server is in test_openai_server.py."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

import backends
from backends.base import Reply
from schemas import Shot
from schemas.qa import KeyframeVerdict, SeenVerdict
from songflow.core.config import ModelConfig, QAConfig, cache_dir, from_env
from songflow.core.errors import InputError


@pytest.fixture(scope="session")
def tiny_gemma4(tmp_path_factory):
    """`hf:<folder>` of a tiny random Gemma 4 (text + vision + audio), loaded through songflow."""
    from backends.gguf import resolve_gguf
    from tests.gemma4_tiny import build_tiny_gemma4

    folder = build_tiny_gemma4(tmp_path_factory.mktemp("gemma4") / "tiny-gemma4", resolve_gguf("embedded", cache_dir())[0])
    return backends.load_model(ModelConfig(id=f"hf:{folder}", temperature=0.7, thinking_tokens=24))


@pytest.fixture
def media(tmp_path):
    image = tmp_path / "keyframe.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (180, 320, 3), dtype=np.uint8)).save(image)
    clip = tmp_path / "clip.wav"
    t = np.arange(int(2.0 * 16000)) / 16000
    sf.write(clip, (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    return image, clip


def shot(**kw):
    base = dict(index=0, scene_index=0, start=0, end=2, prompt="a red kite over the bay", composition="left_third",
                setting="bay", subject="kite", palette=["#0b0c2a", "#3a1c71", "#d76d77", "#ffaf7b"], camera="hold", seed=3)
    return Shot(**(base | kw))


def test_gemma4_is_loaded_as_multimodal_and_knows_its_towers(tiny_gemma4):
    from transformers import Gemma4ForConditionalGeneration

    assert type(tiny_gemma4).__name__ == "MultimodalModel"
    assert isinstance(tiny_gemma4.model, Gemma4ForConditionalGeneration)
    assert tiny_gemma4.supports_images and tiny_gemma4.supports_audio and tiny_gemma4.supports_schema
    caps = backends.capabilities(tiny_gemma4.id)  # from config.json, without loading
    assert caps.images and caps.audio


def test_gemma4_chat_template_expands_image_and_audio_placeholders(tiny_gemma4, media):
    image, clip = media
    messages = [{"role": "system", "content": "You judge keyframes."}, {"role": "user", "content": "Judge this."}]
    inputs = tiny_gemma4.inputs(messages, [image], [clip])
    processor = tiny_gemma4.processor
    ids = inputs["input_ids"][0]
    image_tokens = int((ids == tiny_gemma4.model.config.image_token_id).sum())
    audio_tokens = int((ids == tiny_gemma4.model.config.audio_token_id).sum())
    assert image_tokens == processor._get_num_multimodal_tokens(image_sizes=[(180, 320)])["num_image_tokens"][0] > 0
    assert audio_tokens == 50  # 2.0 s at 40 ms per audio token
    assert {"pixel_values", "input_features"} <= set(inputs)
    text = processor.tokenizer.decode(ids)
    assert text.count("<|turn>") == 3 and "<|turn>system\n" in text and text.endswith("<|turn>model\n")  # native system turn


def test_gemma4_writes_schema_valid_json_from_image_and_audio(tiny_gemma4, media):
    image, clip = media
    messages = [{"role": "user", "content": "Judge this keyframe."}]
    for seed in range(2):  # random weights: only the grammar makes this JSON
        reply = tiny_gemma4.reply(messages, schema=KeyframeVerdict.model_json_schema(), images=[image], audio=[clip], max_new_tokens=400, seed=seed)
        KeyframeVerdict.model_validate_json(reply.text)


def test_gemma4_thinking_is_split_from_the_answer_and_allowed_by_the_grammar(tiny_gemma4):
    from backends.transformers_backend import JsonSchemaLogitsProcessor, thinking_markers

    tok = tiny_gemma4.tokenizer
    prompt = tiny_gemma4.inputs([{"role": "user", "content": "Score it."}])["input_ids"][0]
    answer = '{"issues":[],"passed":true,"score":7}'
    generated = tok("<|channel>thought\nThe kite is too small.<channel|>" + answer + "<turn|>", add_special_tokens=False, return_tensors="pt")["input_ids"][0]
    reply = tiny_gemma4.split(generated, prompt)
    assert reply == Reply(answer, "The kite is too small.")
    # The JSON grammar with thinking on accepts that thought, then the answer, and nothing else.
    schema = KeyframeVerdict.model_json_schema()
    matcher = JsonSchemaLogitsProcessor(tiny_gemma4._ll_tokenizer(), schema, thought=thinking_markers(tok)).matcher
    assert matcher.consume_tokens(generated[:-1].tolist()) and matcher.is_accepting()
    plain = JsonSchemaLogitsProcessor(tiny_gemma4._ll_tokenizer(), schema).matcher
    assert not plain.consume_tokens(generated[:3].tolist())  # thinking is not JSON


def test_vision_qa_shows_the_keyframe_and_checks_the_subject_box(tiny_gemma4, media, tmp_path):
    from stages.qa_keyframes import qa_shot

    image, _ = media
    seen = []
    original = tiny_gemma4.inputs

    def spy(messages, images=(), audio=()):
        seen.append((list(images), list(audio)))
        return original(messages, images, audio)

    tiny_gemma4.inputs = spy
    try:
        result = qa_shot(shot(), image, None, tiny_gemma4, lambda s, a: image, QAConfig(max_rerenders=0), ModelConfig(attempts=2), out_dir=tmp_path)
    finally:
        del tiny_gemma4.inputs
    attempt = result.attempts[0]
    assert seen and seen[0][0] == [image]
    assert attempt.evidence.kind == "image" and isinstance(attempt.verdict, SeenVerdict)
    assert "subject_box_placement" in {c.name for c in attempt.evidence.checks}


def test_stage_1_hears_the_song_when_no_lyrics_are_given(tiny_gemma4, short_song):
    from stages.analyze import analyze_song

    wav, _, truth = short_song
    sent = []
    original = tiny_gemma4.inputs

    def spy(messages, images=(), audio=()):
        sent.append(list(audio))
        return original(messages, images, audio)

    tiny_gemma4.inputs = spy
    try:
        analysis = analyze_song(wav, None, tiny_gemma4, title="Heard", model_cfg=ModelConfig(attempts=2))
    finally:
        del tiny_gemma4.inputs
    clips = [a for a in sent if a]
    assert analysis.heard is not None and len(clips) == len(analysis.heard.windows) >= 1
    windows = analysis.heard.windows
    assert windows[0].start == 0 and abs(windows[-1].end - truth.duration) < 0.01
    assert all(w.end - w.start <= 30.0 + 1e-6 for w in windows)
    assert analysis.lyrics_source in ("heard", "none")
    assert all(line.timing == "heard" for line in analysis.lyrics)
    assert analysis.model == tiny_gemma4.id


def test_text_only_model_for_vision_qa_fails_before_the_run(short_song, tmp_path, capsys):
    from songflow.command.cli import main

    wav, lrc, _ = short_song
    outputs = tmp_path / "outputs"
    code = main(["run", str(wav), "--lyrics", str(lrc), "--look", "always", "--outputs", str(outputs)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "stage 4 (qa) is set to look at the keyframes" in err and "gguf:embedded takes text only" in err
    assert "gemma-4-E4B-it" in err  # names models that see images
    assert not outputs.exists() or not any(outputs.iterdir())
    # a vision model for stage 4 only passes the check (nothing is loaded by it)
    backends.check_capabilities(from_env("fast", look="always", stage_models={"qa": "openai:http://127.0.0.1:9/v1#gemma-4-E4B-it"}))
    with pytest.raises(InputError, match="stage 1 \\(analyze\\) is set to listen"):
        backends.check_capabilities(from_env("fast", listen="always", stage_models={"analyze": "openai:http://127.0.0.1:9/v1#gemma-4-31B-it"}))


def test_ollama_protocol_chat_with_schema_images_and_thinking(media, monkeypatch, tmp_path):
    from backends.ollama_backend import OllamaModel
    from stages.qa_keyframes import qa_shot
    from tests.ollama_protocol import ollama_protocol_server

    image, _ = media
    with ollama_protocol_server({"gemma4:e4b": ["completion", "vision", "thinking"], "gemma3:1b": ["completion"]}, thinking="Looks fine.") as server:
        monkeypatch.setenv("OLLAMA_HOST", server["url"])
        assert backends.capabilities("ollama:gemma4:e4b").images and not backends.capabilities("ollama:gemma3:1b").images
        model = backends.load_model(ModelConfig(id="ollama:gemma4:e4b", temperature=0.2))
        assert isinstance(model, OllamaModel) and model.supports_images
        result = qa_shot(shot(), image, None, model, lambda s, a: image, QAConfig(max_rerenders=0), ModelConfig(attempts=1), out_dir=tmp_path)
        chat = [r["body"] for r in server["requests"] if r["path"] == "/api/chat"][-1]
        assert chat["stream"] is False and chat["format"] == SeenVerdict.model_json_schema()
        assert chat["options"]["temperature"] == 0.2 and chat["options"]["num_predict"] > 0
        last = chat["messages"][-1]
        assert last["role"] == "user" and last["images"] and len(last["images"]) == 1
        assert Image.open(__import__("io").BytesIO(__import__("base64").b64decode(last["images"][0]))).size == (320, 180)
        assert chat["messages"][0]["role"] == "system"
        attempt = result.attempts[0]
        assert attempt.evidence.kind == "image" and attempt.verdict.box_2d == [300, 120, 620, 400]
        assert model.reply([{"role": "user", "content": "x"}], schema=KeyframeVerdict.model_json_schema()).thinking == "Looks fine."
        with pytest.raises(InputError, match="ollama pull gemma9"):
            backends.load_model(ModelConfig(id="ollama:gemma9"))
    with pytest.raises(ConnectionError, match="cannot reach the Ollama server"):
        backends.load_model(ModelConfig(id="ollama:gemma4:e4b"))


def test_model_ids_and_capabilities_by_name():
    assert backends.capabilities("openai:http://h:8000/v1#google/gemma-4-E2B-it").audio
    assert backends.capabilities("openai:http://h:8000/v1#gemma-4-31B-it").images
    assert not backends.capabilities("openai:http://h:8000/v1#gemma-4-31B-it").audio
    assert backends.capabilities("hf:google/gemma-4-26B-A4B-it").images
    assert not backends.capabilities("gguf:embedded").images
    with pytest.raises(InputError, match="openai:http://host:port/v1#model-name"):
        backends.check_model_id("openai:localhost:8000")
    assert json.dumps(backends.capabilities("hf:google/gemma-3-1b-it").describe()) == '"text only"'


def test_thinking_is_saved_beside_the_json_and_stage_4_has_its_own_model(short_song, tmp_path):
    """A thinking model's thoughts land in outputs/<song>/thinking/<stage>.md; the JSON stays clean."""
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    from flows.running import MODELS
    from flows.song import make_video
    from schemas import QAReport, ShotList
    from songflow.core.store import SongOutputs
    from tests.fakes import StageFake

    class ThinkingFake(StageFake):
        def reply(self, messages, **kwargs):
            return Reply(self.generate(messages, **kwargs), f"THOUGHT-{len(self.calls)}: first the mood, then the images")

    wav, lrc, _ = short_song
    fake, judge = ThinkingFake(None, model_id="fake:thinking"), ThinkingFake(None, model_id="fake:judge")
    MODELS.put(fake)
    MODELS.put(judge)
    # Fresh result storage: thoughts are written when a stage runs, not when its result is reused.
    with prefect_test_harness(server_startup_timeout=120), temporary_settings({PREFECT_LOCAL_STORAGE_PATH: str(tmp_path / "results")}):
        make_video(audio=wav, lyrics=lrc, title="Thoughtful", preset="fast", model=fake.id, stage_models={"qa": judge.id}, outputs=tmp_path)
    out = SongOutputs.for_song(tmp_path, "Thoughtful")
    assert set(judge.calls) == {"KeyframeVerdict"} and "KeyframeVerdict" not in fake.calls
    assert out.load("qa", QAReport).model == judge.id and out.load("shots", ShotList).model == fake.id
    for stage in ("analyze", "plan", "shots", "qa"):
        notes = (out.root / "thinking" / f"{stage}.md").read_text()
        assert "THOUGHT-" in notes and "first the mood" in notes
    for stage in ("analysis", "scenes", "shots", "qa"):
        assert "THOUGHT-" not in out.path(stage).read_text()


def test_cpu_inference_takes_the_threads_it_is_given(monkeypatch):
    """Several workers on one host split its cores with OMP_NUM_THREADS (or taskset); the model
    must not take every core anyway (bench/fleet.py: two workers that each did ran 1.8x slower
    than one)."""
    import torch

    from backends.transformers_backend import _device_and_dtype

    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        _device_and_dtype("cpu")
        assert torch.get_num_threads() == 1
        monkeypatch.delenv("OMP_NUM_THREADS")
        _device_and_dtype("cpu")
        assert torch.get_num_threads() == len(os.sched_getaffinity(0))
    finally:
        torch.set_num_threads(before)
