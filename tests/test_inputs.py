"""Bad input: a one-line error naming the problem, a non-zero exit, nothing left in outputs/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from songflow.command.cli import main


def run_cli(args, capsys):
    code = main(args)
    err = capsys.readouterr().err.strip()
    return code, err


@pytest.fixture
def outputs(tmp_path) -> Path:
    out = tmp_path / "outputs"
    out.mkdir()
    return out


def assert_clean_failure(code, err, outputs, needle):
    assert code != 0
    assert len(err.splitlines()) == 1, err
    assert err.startswith("songflow: error:") and needle in err, err
    assert not any(outputs.iterdir()), list(outputs.iterdir())


def test_missing_audio_file(tmp_path, outputs, capsys):
    code, err = run_cli(["run", str(tmp_path / "nope.wav"), "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, "audio file not found")


def test_text_file_named_mp3(tmp_path, outputs, capsys):
    fake = tmp_path / "song.mp3"
    fake.write_text("these are not the droids you are looking for\n" * 20)
    code, err = run_cli(["run", str(fake), "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, "cannot decode audio")


def test_empty_file(tmp_path, outputs, capsys):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    code, err = run_cli(["run", str(empty), "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, "audio file is empty")


def test_silent_file(tmp_path, outputs, capsys):
    silent = tmp_path / "silent.flac"
    sf.write(silent, np.zeros(22050 * 5, dtype=np.float32), 22050)
    code, err = run_cli(["run", str(silent), "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, "audio is silent")


def test_unsupported_extension(tmp_path, outputs, capsys):
    doc = tmp_path / "song.docx"
    doc.write_bytes(b"PK\x03\x04")
    code, err = run_cli(["run", str(doc), "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, "unsupported audio type")


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("lyrics.lrc", b"\xff\xfe\x00\x00binary\x00junk", "lyrics file is not text"),
        ("lyrics.lrc", b"just some words\nwith no timestamps\n", "no timed lines"),
        ("lyrics.txt", b"\n  \n", "lyrics file is empty"),
        ("lyrics.pdf", b"%PDF-1.4", "unsupported lyrics type"),
        ("lyrics.srt", b"1\nthis is not a time\nHello\n\n", "SRT lyrics have no timed lines"),
        ("lyrics.vtt", b"WEBVTT\n\n", "VTT lyrics have no timed lines"),
    ],
)
def test_unreadable_lyrics(short_song, tmp_path, outputs, capsys, name, content, needle):
    wav, _, _ = short_song
    lyrics = tmp_path / name
    lyrics.write_bytes(content)
    code, err = run_cli(["run", str(wav), "--lyrics", str(lyrics), "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, needle)


def test_missing_lyrics_file(short_song, tmp_path, outputs, capsys):
    wav, _, _ = short_song
    code, err = run_cli(["run", str(wav), "--lyrics", str(tmp_path / "gone.lrc"), "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, "lyrics file not found")


def test_unknown_model_lists_valid_schemes(short_song, outputs, capsys):
    wav, _, _ = short_song
    code, err = run_cli(["run", str(wav), "--model", "gpt:big", "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, "unknown model id 'gpt:big'")
    assert "gguf:" in err and "hf:" in err


def test_console_command_exit_code(tmp_path):
    """The installed `songflow` command exits non-zero with the one-line message."""
    exe = Path(sys.executable).parent / "songflow"
    proc = subprocess.run([str(exe), "run", str(tmp_path / "missing.ogg"), "--outputs", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"songflow: error: audio file not found: {tmp_path / 'missing.ogg'}"
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("fmt", ["mp3", "ogg", "flac"])
def test_compressed_formats_decode(short_song, tmp_path, fmt):
    from songflow.listening.audio import load_audio

    wav, _, truth = short_song
    data, rate = sf.read(wav)
    path = tmp_path / f"song.{fmt}"
    sf.write(path, data, rate, format={"mp3": "MP3", "ogg": "OGG", "flac": "FLAC"}[fmt])
    y = load_audio(path, 22050)
    assert abs(len(y) / 22050 - truth.duration) < 0.2  # mp3 adds encoder padding


def test_lrc_whose_lines_all_lie_past_the_end(short_song, tmp_path, outputs, capsys):
    """Before: the whole flow ran and silently dropped every lyric."""
    wav, _, truth = short_song
    lyrics = tmp_path / "other-song.lrc"
    lyrics.write_text("[01:10.00]A line from a longer song\n[01:20.00]And another one\n", encoding="utf-8")
    code, err = run_cli(["run", str(wav), "--lyrics", str(lyrics), "--outputs", str(outputs)], capsys)
    assert_clean_failure(code, err, outputs, f"every lyric line starts after the song ends ({truth.duration:.1f} s); the first starts at 70.0 s")
    assert code == 2


def test_from_a_stage_of_a_song_that_never_ran(tmp_path, outputs):
    """Before: a Prefect traceback, the one-line error, then a Prefect log line. Now only the line
    (the CLI in its own process, as a user runs it)."""
    from songflow.listening import synth

    wav, _, _ = synth.write_song(synth.short_spec(title="Never Ran"), tmp_path, stem="never-ran")
    exe = Path(sys.executable).parent / "songflow"
    proc = subprocess.run([str(exe), "run", str(wav), "--from", "plan", "--outputs", str(outputs)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"songflow: error: --from plan reads analyze from {outputs / 'never-ran' / 'analysis.json'}, which does not exist: "
        "run the song from an earlier stage first"
    ), proc.stderr
    assert not any(outputs.iterdir())


@pytest.mark.parametrize("command", [["submit", "ALBUM"], ["recover"]])
def test_fleet_commands_without_a_server(short_song, tmp_path, command):
    """`submit` and `recover` without PREFECT_API_URL: one line saying what to set, exit 2 (not a
    temporary server of Prefect's own, with no deployment and no workers, and its tracebacks)."""
    import os

    album = short_song[0].parent
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"PREFECT_HOME": str(tmp_path / "home")}
    exe = Path(sys.executable).parent / "songflow"
    proc = subprocess.run([str(exe), *[str(album) if a == "ALBUM" else a for a in command]], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip() == f"songflow: error: songflow {command[0]} needs the Prefect server your workers use: set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api)"


@pytest.mark.parametrize("command", ["run", "check", "demo"])
@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_outputs_that_is_a_file_is_one_line_before_the_run(short_song, tmp_path, capsys, command, where):
    wav, _, _ = short_song
    afile = tmp_path / "some-file"
    afile.write_text("not a folder\n")
    target = afile if where == "a file" else afile / "outputs"
    code, err = run_cli([command, *([str(wav)] if command != "demo" else []), "--outputs", str(target)], capsys)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"songflow: error: the outputs folder {target}") and "is a file" in err, err
    assert afile.read_text() == "not a folder\n" and sorted(p.name for p in tmp_path.iterdir()) == ["some-file"]


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0, reason="root writes any folder")
def test_outputs_that_cannot_be_written_is_one_line(short_song, tmp_path, capsys):
    wav, _, _ = short_song
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    code, err = run_cli(["run", str(wav), "--outputs", str(locked / "o")], capsys)
    assert code == 2 and "cannot be written" in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("command", ["run", "check", "batch"])
def test_a_model_server_that_is_not_there_is_one_line_within_five_seconds(short_song, tmp_path, outputs, capsys, command):
    """Nothing listens on port 9: the pre-run check says so at once, exit 2, and no song folder is made."""
    import time

    wav, _, _ = short_song
    started = time.monotonic()
    code, err = run_cli([command, str(wav.parent if command == "batch" else wav), "--model", "openai:http://127.0.0.1:9/v1#m", "--outputs", str(outputs)], capsys)
    assert time.monotonic() - started < 5 + 3  # the check's 5 s, plus decoding the song
    assert code == 2
    assert_clean_failure(code, err, outputs, "cannot reach the model server at http://127.0.0.1:9/v1 (the model openai:http://127.0.0.1:9/v1#m): connection refused")


def test_a_server_that_accepts_but_never_answers_is_one_line_after_five_seconds():
    """A port that takes the connection and says nothing (a server stuck loading): the check gives
    up after its 5 s, naming the server."""
    import socket
    import time

    from flows.checks import SERVER_WAIT, check_servers
    from songflow.core.config import from_env
    from songflow.core.errors import InputError

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        cfg = from_env("fast", model=f"openai:{url}#m")
        started = time.monotonic()
        with pytest.raises(InputError, match=f"the model server at {url} .* did not answer within 5 s"):
            check_servers(cfg)
        assert SERVER_WAIT - 0.5 <= time.monotonic() - started <= SERVER_WAIT + 1.5


def test_a_run_that_writes_nothing_leaves_no_song_folder_and_no_temp_file(tmp_path):
    from songflow.core.store import LOCK, SongOutputs

    out = SongOutputs.for_song(tmp_path, "Quiet Song")
    with pytest.raises(RuntimeError), out.lock():
        raise RuntimeError("the Prefect API went away before the first stage")
    assert not out.root.exists()
    with pytest.raises(RuntimeError), out.lock():
        out.path("timing").write_text("{}")
        (out.root / ".video.mp4.partial").write_bytes(b"half a video")
        raise RuntimeError("killed in stage 2")
    assert sorted(p.name for p in out.root.iterdir()) == [LOCK, "timing_report.json"]  # the lock marks the folder; no temp file
    with out.lock():  # and the lock left behind stops nothing
        pass
