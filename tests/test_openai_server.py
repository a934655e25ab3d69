"""The `openai:` backend against a real llama.cpp server (xllamacpp) serving the shipped Gemma 3
270M GGUF on 127.0.0.1: requests, errors, and the whole flow end to end through it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import backends
from schemas import QAReport, ShotList, SongAnalysis, StyleBible
from schemas.timing import TimingReport
from songflow.core.config import ModelConfig, cache_dir
from songflow.core.errors import InputError
from songflow.core.store import SongOutputs


@pytest.fixture(scope="session")
def llama_url(tmp_path_factory):
    from backends.gguf import resolve_gguf
    from tests.llama_server import llama_server

    gguf = resolve_gguf("embedded", cache_dir())[0]
    template = Path(backends.__file__).parent / "templates" / "gemma3.jinja"
    with llama_server(gguf, template, tmp_path_factory.mktemp("llama") / "server.log", alias="gemma-3-270m") as url:
        yield url


def test_openai_backend_against_llama_cpp(llama_url):
    from backends.openai_backend import OpenAIModel

    model = backends.load_model(ModelConfig(id=f"openai:{llama_url}#gemma-3-270m", temperature=0.7))
    assert isinstance(model, OpenAIModel) and not model.supports_images
    messages = [{"role": "system", "content": "You are an art director."}, {"role": "user", "content": "A style for a song about the sea."}]
    StyleBible.model_validate_json(model.generate(messages, schema=StyleBible.model_json_schema(), max_new_tokens=600, seed=1))
    with pytest.raises(InputError, match="model 'gemma-4-E4B-it' is not served at .* it serves: gemma"):
        backends.load_model(ModelConfig(id=f"openai:{llama_url}#gemma-4-E4B-it"))
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(ConnectionError, match="cannot reach the model server"):
        backends.load_model(ModelConfig(id=f"openai:http://127.0.0.1:{closed}/v1#gemma"))


def test_whole_flow_through_the_llama_cpp_server(llama_url, short_song, tmp_path):
    from prefect.testing.utilities import prefect_test_harness

    from flows.song import make_video

    wav, lrc, _ = short_song
    model_id = f"openai:{llama_url}#gemma-3-270m"
    with prefect_test_harness(server_startup_timeout=120):
        video = make_video(audio=wav, lyrics=lrc, title="Served Song", preset="fast", model=model_id, outputs=tmp_path)
    out = SongOutputs.for_song(tmp_path, "Served Song")
    assert video == out.video and video.stat().st_size > 0
    assert out.load("analysis", SongAnalysis).model == model_id
    assert out.load("shots", ShotList).model == model_id
    assert out.load("qa", QAReport).evidence_kind == "image-statistics"
    assert TimingReport.model_validate_json(out.path("timing").read_text()).passed
    # A server model named 270m chooses (one enum-constrained reply per question) and code writes.
    from schemas import ScenePlan
    from songflow.words.wordcheck import check_words

    words = check_words(out.load("analysis", SongAnalysis), out.load("scenes", ScenePlan), out.load("shots", ShotList))
    assert words.passed, words.failures


def test_a_server_still_loading_is_worth_a_retry_and_an_error_page_is_not():
    """llama.cpp answers 503 "Loading model" while it restarts: that is a ConnectionError (Prefect
    retries the stage, flows.running.is_transient); a 500 is a ServerError (no blind retry)."""
    import http.server
    import threading

    from prefect.states import Failed

    from backends.openai_backend import ServerError
    from flows.running import is_transient

    status = {"code": 503}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status["code"])
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "Loading model"}}')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        model_id = f"openai:http://127.0.0.1:{server.server_address[1]}/v1#gemma"
        with pytest.raises(ConnectionError, match="is not ready \\(HTTP 503") as busy:
            backends.load_model(ModelConfig(id=model_id))
        assert is_transient(None, None, Failed(data=busy.value))
        status["code"] = 500
        with pytest.raises(ServerError, match="answered 500") as broken:
            backends.load_model(ModelConfig(id=model_id))
        assert not is_transient(None, None, Failed(data=broken.value))
    finally:
        server.shutdown()
