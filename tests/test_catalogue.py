"""The bad-input catalogue: every case in the README's reliability table, as the user meets it.

A case that is refused must say what is wrong in one line, exit 2 and leave nothing in outputs/ (or
the previous good result untouched); a case that is accepted must be read as a run would read it
(`songflow check`: every pre-run check and stage 1's measurement of the music). The README's table
is checked against this list, so neither can drift from the other.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from songflow.command.cli import main

README = Path(__file__).parents[1] / "README.md"
SR = 22050


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path, tuple], list[str]]  # (tmp folder, short song) -> the arguments after `run` / `check`
    error: str | None = None  # the words the one-line error must contain; None: the input is accepted
    sees: str = ""  # for an accepted input: words `songflow check` must print


def _song(short_song) -> np.ndarray:
    y, _ = sf.read(short_song[0], dtype="float32")
    return y


def audio(name: str, make: Callable[[np.ndarray], tuple[np.ndarray, int, str]]):
    def build(tmp: Path, short_song) -> list[str]:
        data, rate, subtype = make(_song(short_song))
        path = tmp / name
        sf.write(path, data, rate, subtype=subtype)
        return [str(path)]

    return build


def raw_file(name: str, content: bytes | Callable[[Path, tuple], bytes]):
    def build(tmp: Path, short_song) -> list[str]:
        path = tmp / name
        path.write_bytes(content(tmp, short_song) if callable(content) else content)
        return [str(path)]

    return build


def lyrics(name: str, content: bytes | str):
    def build(tmp: Path, short_song) -> list[str]:
        path = tmp / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return [str(short_song[0]), "--lyrics", str(path)]

    return build


def title(text: str):
    return lambda tmp, short_song: [str(short_song[0]), "--title", text]


def resample(y: np.ndarray, rate: int) -> np.ndarray:
    import librosa

    return librosa.resample(y, orig_sr=SR, target_sr=rate)


def truncated_wav(tmp: Path, short_song) -> bytes:
    data = short_song[0].read_bytes()
    return data[:44]  # the header promises 16 s; the data stops at once


def fifo(tmp: Path, short_song) -> list[str]:
    path = tmp / "song.wav"
    os.mkfifo(path)
    return [str(path)]


def directory(tmp: Path, short_song) -> list[str]:
    (tmp / "album.wav").mkdir()
    return [str(tmp / "album.wav")]


SRT_TWO = "1\n00:00:04,000 --> 00:00:07,000\nStreetlights hum across the bay\n\n2\n00:00:08,000 --> 00:00:11,000\nRide the neon tide tonight\n"
rng = np.random.default_rng(7)

CASES = [
    # Audio files
    Case("missing-audio", lambda tmp, s: [str(tmp / "nope.wav")], "audio file not found"),
    Case("empty-audio", raw_file("empty.wav", b""), "audio file is empty"),
    Case("truncated-audio", raw_file("cut.wav", truncated_wav), "no audio data after its header"),
    Case("cut-mid-file", raw_file("half.wav", lambda tmp, s: s[0].read_bytes()[: 44 + 2 * SR * 8]), sees="8.0 s"),
    Case("corrupt-audio", raw_file("noise.flac", bytes(rng.integers(0, 256, 50_000, dtype=np.uint8))), "cannot decode audio"),
    Case("text-named-mp3", raw_file("song.mp3", b"not a song at all\n" * 100), "cannot decode audio"),
    Case("directory", directory, "audio path is not a file"),
    Case("fifo", fifo, "audio path is not a file"),
    Case("unsupported-type", raw_file("song.docx", b"PK\x03\x04"), "unsupported audio type"),
    Case("mono", audio("mono.wav", lambda y: (y, SR, "PCM_16")), sees="120.0 BPM"),
    Case("stereo", audio("stereo.flac", lambda y: (np.stack([y, 0.5 * y], 1), SR, "PCM_16")), sees="120.0 BPM"),
    Case("surround-5.1", audio("surround.wav", lambda y: (np.stack([y] * 6, 1), SR, "PCM_16")), sees="120.0 BPM"),
    Case("8-khz", audio("phone.wav", lambda y: (resample(y, 8000), 8000, "PCM_16")), sees="120.0 BPM"),
    Case("192-khz", audio("studio.wav", lambda y: (resample(y, 192000), 192000, "PCM_24")), sees="120.0 BPM"),
    Case("8-bit", audio("u8.wav", lambda y: (y, SR, "PCM_U8")), sees="120.0 BPM"),
    Case("32-bit-float", audio("float.wav", lambda y: (y, SR, "FLOAT")), sees="120.0 BPM"),
    Case("half-second", audio("blip.wav", lambda y: (y[: SR // 2], SR, "PCM_16")), "audio is too short"),
    Case("three-seconds", audio("jingle.wav", lambda y: (y[4 * SR : 7 * SR], SR, "PCM_16")), sees="3.0 s"),
    Case("one-hour", audio("hour.flac", lambda y: (np.tile(y, 225)[: 3600 * 8000], 8000, "PCM_16")), "over the 20 min limit"),
    Case("silence", audio("silent.wav", lambda y: (np.zeros(5 * SR, np.float32), SR, "PCM_16")), "audio is silent"),
    Case("dc-offset-only", audio("dc.wav", lambda y: (np.full(5 * SR, 0.5, np.float32), SR, "FLOAT")), "audio is silent"),
    Case("dc-offset-music", audio("dcmusic.wav", lambda y: (0.4 * y + 0.5, SR, "FLOAT")), sees="120.0 BPM"),
    Case("nan-samples", audio("nan.wav", lambda y: (np.where(np.arange(len(y)) % 1000 == 0, np.nan, y).astype(np.float32), SR, "FLOAT")),
         "not numbers"),
    Case("clipping", audio("loud.wav", lambda y: (np.clip(10 * y, -1, 1), SR, "PCM_16")), sees="120.0 BPM"),
    Case("white-noise", audio("noise.wav", lambda y: (rng.uniform(-0.5, 0.5, 16 * SR).astype(np.float32), SR, "PCM_16")), sees="no steady pulse"),
    Case("no-beat", audio("drone.wav", lambda y: ((0.3 * np.sin(2 * np.pi * 220 * np.arange(16 * SR) / SR)).astype(np.float32), SR, "PCM_16")),
         sees="no steady pulse"),
    # Lyrics
    Case("empty-lyrics", lyrics("empty.lrc", b""), "lyrics file is empty"),
    Case("blank-lyrics", lyrics("blank.txt", "\n  \n"), "lyrics file is empty"),
    Case("binary-lyrics", lyrics("junk.srt", bytes(range(256)) * 4), "not text"),
    Case("utf16-bom-lyrics", lyrics("win.srt", codecs.BOM_UTF16_LE + SRT_TWO.encode("utf-16-le")), sees="2 lyric lines"),
    Case("latin1-lyrics", lyrics("old.lrc", "[00:04.00]Caf\xe9 au lait, d\xe9j\xe0 vu\n[00:08.00]Na\xefve\n".encode("latin-1")), sees="2 lyric lines"),
    Case("lyrics-all-past-end", lyrics("late.lrc", "[01:10.00]Too late\n[01:14.00]Still late\n"), "every lyric line starts after the song ends"),
    Case("lyrics-some-past-end", lyrics("some.lrc", "[00:04.00]In time\n[00:30.00]Too late\n"), sees="1 lyric lines"),
    Case("overlapping-lyrics", lyrics("duet.srt", SRT_TWO.replace("00:00:07,000", "00:00:09,500")), sees="2 lyric lines"),
    Case("out-of-order-lyrics", lyrics("shuffled.lrc", "[00:08.00]Second\n[00:04.00]First\n"), sees="2 lyric lines"),
    Case("negative-lrc-time", lyrics("early.lrc", "[-00:01.00]Before the song\n[00:04.00]In it\n"), "negative time on line 1"),
    Case("negative-srt-time", lyrics("early.srt", "1\n-00:00:01,000 --> 00:00:02,000\nBefore\n"), "negative time on line 2"),
    Case("5000-lyric-lines", lyrics("flood.txt", "\n".join(f"line {i}" for i in range(5000))), "5000 lyric lines for a 16.0 s song"),
    Case("50000-char-line", lyrics("wall.txt", "la " * 16_667), "50001 characters long"),
    Case("missing-lyrics", lambda tmp, s: [str(s[0]), "--lyrics", str(tmp / "gone.lrc")], "lyrics file not found"),
    # Titles: every one lands in one folder inside the outputs root
    Case("title-dotdot", title("../../etc/passwd"), sees="etc-passwd"),
    Case("title-slash", title("AC/DC Tribute"), sees="ac-dc-tribute"),
    Case("title-nul", title("Null\x00Byte"), sees="null-byte"),
    Case("title-newlines", title("First line\nSecond line\r\n"), sees="first-line-second-line"),
    Case("title-only-dots", title("..."), sees="song-"),
    Case("title-300-chars", title("long " * 60), sees="long-long"),
    Case("title-emoji", title("🎸🔥"), sees="song-"),
    Case("title-right-to-left", title("שיר אהבה"), sees="song-"),
]
JSON_CASES = {
    # A hand-edited hand-off that is valid JSON but the wrong model, one cut off, and one not text:
    # `--from shots` refuses it before the run; the files already there are untouched.
    "json-wrong-model": lambda out: out.path("scenes").write_bytes(out.path("shots").read_bytes()),
    "json-truncated": lambda out: out.path("scenes").write_bytes(out.path("scenes").read_bytes()[:500]),
    "json-not-text": lambda out: out.path("scenes").write_bytes(b"\xff\xfe\x00{" * 10),
    "json-infinity": lambda out: out.path("scenes").write_text(re.sub(r'"duration": [0-9.]+', '"duration": Infinity', out.path("scenes").read_text(), count=1)),
}


@pytest.fixture
def outputs(tmp_path) -> Path:
    out = tmp_path / "outputs"
    out.mkdir()
    return out


def test_the_catalogue_is_large_and_in_the_readme():
    text = README.read_text().split("## Reliability", 1)[1].split("\n## ", 1)[0]
    table = re.findall(r"^\| `([a-z0-9.-]+)` \|", text, flags=re.MULTILINE)
    # the last four: tests/test_inputs.py (outputs that are a file, servers not there before a run)
    ids = [c.id for c in CASES] + list(JSON_CASES) + ["unreadable", "song-in-use", "batch-same-folder",
                                                      "outputs-is-a-file", "outputs-under-a-file", "server-down", "server-silent"]
    assert len(ids) >= 30 and len(set(ids)) == len(ids)
    assert sorted(table) == sorted(ids), (set(ids) ^ set(table))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, short_song, tmp_path, outputs, capsys):
    args = case.build(tmp_path, short_song)
    if case.error is not None:
        code = main(["run", *args, "--outputs", str(outputs)])
        err = capsys.readouterr().err.strip()
        assert code == 2, err
        assert len(err.splitlines()) == 1, err
        assert err.startswith("songflow: error:") and case.error in err, err
        assert not any(outputs.iterdir()), list(outputs.iterdir())
    else:
        code = main(["check", *args, "--outputs", str(outputs)])
        cap = capsys.readouterr()
        assert code == 0, cap.err
        line = cap.out.strip()
        assert line.startswith("songflow: ok:") and case.sees in line, line
        folder = Path(line.rsplit("outputs go to ", 1)[1])
        assert folder.parent.resolve() == outputs.resolve() and re.fullmatch(r"[a-z0-9][a-z0-9-]*", folder.name), folder
        assert not any(outputs.iterdir()), list(outputs.iterdir())


def test_unreadable_audio(short_song, tmp_path, outputs, capsys):
    """A file the user cannot read (checked as an ordinary user: root reads everything)."""
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="songflow-unreadable-"))  # a folder `nobody` can enter (pytest's is 0700)
    shared.chmod(0o755)
    locked = shared / "locked.wav"
    shutil.copy(short_song[0], locked)
    locked.chmod(0)
    if os.geteuid() != 0:
        assert main(["run", str(locked), "--outputs", str(outputs)]) == 2
        assert "not readable (permission denied)" in capsys.readouterr().err
        return
    pid = os.fork()
    if pid == 0:  # the child drops to `nobody` and runs the check; its exit code is the verdict
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            from songflow.listening.audio import check_audio_path
            from songflow.core.errors import InputError

            try:
                check_audio_path(locked)
            except InputError as exc:
                code = 0 if "not readable (permission denied)" in str(exc) else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    shutil.rmtree(shared)
    assert os.waitstatus_to_exitcode(status) == 0  # 3: another error than "not readable"; 1: the check raised something else


@pytest.mark.parametrize("case", list(JSON_CASES))
def test_hand_edited_json(case, e2e, tmp_path, capsys):
    from tests.conftest import SHORT_TITLE, first_stages

    outputs = tmp_path / "outputs"
    out = first_stages(e2e, outputs)
    JSON_CASES[case](out)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.root.iterdir()}
    code = main(["run", str(e2e["wav"]), "--title", SHORT_TITLE, "--from", "shots", "--outputs", str(outputs)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert f"{out.path('scenes')}" in err and ("not a valid ScenePlan" in err or "not UTF-8" in err), err
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.root.iterdir()} == before


def test_song_in_use(short_song, tmp_path, outputs):
    """A second run of a song another process is writing stops at once and says which process."""
    from songflow.core.store import SongOutputs
    from tests.conftest import SHORT_TITLE

    out = SongOutputs.for_song(outputs, SHORT_TITLE)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from songflow.core.store import SongOutputs; from pathlib import Path\n"
         f"with SongOutputs(Path({str(out.root)!r})).lock():\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1],
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        exe = Path(sys.executable).parent / "songflow"
        proc = subprocess.run([str(exe), "run", str(short_song[0]), "--lyrics", str(short_song[1]), "--title", SHORT_TITLE, "--outputs", str(outputs)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.strip() == f"songflow: error: {out.root} is being written by another songflow run (process {holder.pid}); wait for it to finish or stop it"
        assert sorted(p.name for p in out.root.iterdir()) == [".lock"]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()


def test_batch_songs_sharing_a_folder(short_song, tmp_path, outputs, capsys):
    folder = tmp_path / "album"
    folder.mkdir()
    shutil.copy(short_song[0], folder / "Track One.wav")
    data, rate = sf.read(short_song[0])
    sf.write(folder / "track-one.flac", data, rate)
    assert main(["batch", str(folder), "--outputs", str(outputs)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"songflow: error: Track One.wav and track-one.flac would both write to {outputs / 'track-one'}: rename one", err
    assert not any(outputs.iterdir())
