"""Property-based fuzzing of the pipeline's edges: lyric files, song titles as folder names, stage
hand-off files read back from disk, and the shot-cut planner.

Every property says: the code either returns something well-formed, or raises InputError with a
one-line message; never another exception. Runs are derandomized, so CI sees the same examples.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import event as _event
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import ClipReport, QAReport, ScenePlan, ShotList, SongAnalysis
from schemas.common import TIME_EPS, check_tiling
from schemas.timing import TimingReport
from songflow.listening.audio import MIN_DURATION
from songflow.core.config import AssembleConfig, ShotConfig
from songflow.core.errors import InputError
from songflow.core.fsutil import SLUG_MAX, slugify
from songflow.listening.lyrics import Lyrics, read_lyrics
from songflow.core.store import FILES, SongOutputs
from stages.assemble import plan_frames
from stages.write_shots import shot_spans

settings.register_profile(
    "fuzz",
    derandomize=True,  # the same examples on every run and machine
    database=None,  # no saved failures replayed: a failure prints its example and a blob to reproduce it
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
FUZZ = settings.get_profile("fuzz")


def fuzz(n: int) -> settings:
    """The fuzz profile with `n` examples, applied per test (the global profile is left alone)."""
    return settings(FUZZ, max_examples=n)


def event(name: str) -> None:
    """Count an outcome for --hypothesis-show-statistics (a no-op in the plain example tests)."""
    if currently_in_test_context():
        _event(name)


def one_line(message: str) -> bool:
    return len(message.splitlines()) == 1 and message.strip() != ""


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A fresh folder per example (pytest's tmp_path is shared by all examples of a test)."""
    with tempfile.TemporaryDirectory(prefix="songflow-fuzz-") as folder:
        yield Path(folder)


# ---------------------------------------------------------------------------------------------
# 1. Lyric files
# ---------------------------------------------------------------------------------------------

SUFFIXES = (".lrc", ".srt", ".vtt", ".txt")


def check_lyrics(path: Path) -> Lyrics | None:
    """read_lyrics returns well-formed lyrics or raises a one-line InputError; nothing else."""
    try:
        lyrics = read_lyrics(path)
    except InputError as exc:
        assert one_line(str(exc)), repr(str(exc))
        event("InputError")
        return None
    event("parsed")
    assert isinstance(lyrics, Lyrics)
    assert lyrics.source == path.suffix[1:]
    if lyrics.source == "txt":
        assert lyrics.plain and not lyrics.timed
        for text in lyrics.plain:
            assert one_line(text), repr(text)
        return lyrics
    assert lyrics.timed and not lyrics.plain
    for line in lyrics.timed:
        assert isinstance(line.start, float) and math.isfinite(line.start), line
        assert line.start >= 0, line  # a lyric line cannot be sung before the song starts
        if line.end is not None:
            assert isinstance(line.end, float) and math.isfinite(line.end), line
            assert line.end >= line.start, line
        assert one_line(line.text), repr(line.text)
    assert [ln.start for ln in lyrics.timed] == sorted(ln.start for ln in lyrics.timed)
    return lyrics


def write(folder: Path, suffix: str, data: bytes | str) -> Path:
    path = folder / f"lyrics{suffix}"
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    return path


@fuzz(400)
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=600))
def test_lyrics_from_arbitrary_bytes(suffix, data):
    with scratch() as folder:
        check_lyrics(write(folder, suffix, data))


# Text that looks like lyrics: timestamps, tags, arrows, line breaks of every kind.
LYRIC_ALPHABET = st.sampled_from(
    list("[]:.,->0123456789 \t\n\r") + ["\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\ufeff", "-->", "WEBVTT", "la", "é", "歌", "🎸", "<i>", "{\\an8}", "\\N", "NOTE", "00:00:01,000"]
)


@fuzz(400)
@given(
    suffix=st.sampled_from(SUFFIXES),
    text=st.one_of(st.text(max_size=300), st.lists(LYRIC_ALPHABET, max_size=80).map("".join)),
    bom=st.booleans(),
)
def test_lyrics_from_arbitrary_text(suffix, text, bom):
    data = ("\ufeff" if bom else "") + text
    with scratch() as folder:
        check_lyrics(write(folder, suffix, data.encode("utf-8", "replace")))


# Near-valid files: well-formed structure, random times (negative-looking, huge, malformed,
# overlapping, unordered) and random words.
ODD_NUMBER = st.one_of(
    st.integers(0, 9).map(str),
    st.integers(-99, -1).map(str),
    st.integers(100, 10**12).map(str),
    st.sampled_from(["", "x", "1e5", "٣", "０", " 1", "1 ", "+1", "-0", "00.5", "99999999999999999999999999"]),
)
# Mostly well-formed two-digit fields (so most lines parse and reach the checks), sometimes odd.
NUMBER = st.integers(0, 9).flatmap(lambda k: ODD_NUMBER if k < 2 else st.integers(0, 99 if k < 4 else 59).map(lambda n: f"{n:02d}"))
WORDS = st.one_of(
    st.sampled_from(["", " ", "la la", "oh\u2028oh", "a\x0bb", "  spaced  ", "<b>bold</b>", "{\\i1}x{\\i0}", "\\N", "&amp;", "歌", "🎸🔥"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=30),
)


@st.composite
def lrc_file(draw) -> str:
    rows = []
    if draw(st.booleans()):
        rows.append(f"[offset:{draw(st.one_of(st.integers(-10**7, 10**7).map(str), st.integers(-9999, 9999).map(str), NUMBER))}]")
    if draw(st.booleans()):
        rows.append(f"[{draw(st.sampled_from(['ar', 'ti', 'al', 'by', 'length', 're', 've']))}:{draw(WORDS)}]")
    for _ in range(draw(st.integers(0, 8))):
        stamps = "".join(
            f"[{draw(NUMBER)}:{draw(NUMBER)}{draw(st.sampled_from(['', '.', ':', ',']))}{draw(NUMBER)}]"
            for _ in range(draw(st.integers(1, 3)))
        )
        rows.append(stamps + draw(WORDS))
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(rows)


def sub_time(draw, sep: str) -> str:
    if draw(st.integers(0, 4)) == 0:  # malformed or short forms
        return draw(st.sampled_from(["", "1", "1:2", "-00:00:01" + sep + "000", "00:00" + sep + "5", "aa:bb:cc" + sep + "ddd", "00:00:01.000", "00:00:01,000"]))
    return f"{draw(NUMBER)}:{draw(NUMBER)}:{draw(NUMBER)}{sep}{draw(NUMBER)}"


@st.composite
def srt_file(draw) -> str:
    cues = []
    for i in range(draw(st.integers(0, 6))):
        arrow = draw(st.sampled_from([" --> ", "-->", " -> ", " --> "]))
        text = "\n".join(draw(st.lists(WORDS, min_size=0, max_size=3)))
        cues.append(f"{draw(st.one_of(st.just(str(i + 1)), NUMBER))}\n{sub_time(draw, ',')}{arrow}{sub_time(draw, ',')}\n{text}\n")
    return "\n".join(cues)


@st.composite
def vtt_file(draw) -> str:
    head = draw(st.sampled_from(["WEBVTT\n\n", "WEBVTT - title\n\n", "", "WEBVTT\nKind: captions\n\n"]))
    cues = []
    for _ in range(draw(st.integers(0, 6))):
        settings_ = draw(st.sampled_from(["", " align:start", " position:10%"]))
        text = "\n".join(draw(st.lists(WORDS, min_size=0, max_size=3)))
        cues.append(f"{sub_time(draw, '.')} --> {sub_time(draw, '.')}{settings_}\n{text}\n")
    return head + "\n".join(cues)


@fuzz(600)
@given(text=lrc_file())
@example(text="[00:01.00]a\n[offset:-5000]")
@example(text="[offset:-5000]\n[00:01.00]one\n[00:10.00]two")
@example(text="[99:59.99]late\n[00:00.00]early\n[00:00.00]same time")
@example(text="[00:01.00][00:01.00]twice at once\n[00:01.00]")
def test_near_valid_lrc(text):
    with scratch() as folder:
        check_lyrics(write(folder, ".lrc", text))


@fuzz(500)
@given(text=srt_file())
@example(text="1\n00:00:05,000 --> 00:00:01,000\nbackwards\n")
@example(text="1\n-00:00:01,000 --> 00:00:02,000\nnegative\n")
@example(text="1\n00:00:01,000 --> 99999999:00:00,000\nhuge\n")
@example(text="1\n00:00:01,000 --> 00:00:03,000\nline one\nline two\n\n2\n00:00:02,000 --> 00:00:04,000\noverlap\n")
def test_near_valid_srt(text):
    with scratch() as folder:
        check_lyrics(write(folder, ".srt", text))


@fuzz(500)
@given(text=vtt_file())
@example(text="WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nbackwards\n")
@example(text="WEBVTT\n\n00:01.000 --> 00:02.000\nshort form\n")
def test_near_valid_vtt(text):
    with scratch() as folder:
        check_lyrics(write(folder, ".vtt", text))


# ---------------------------------------------------------------------------------------------
# 2. Song title -> output folder
# ---------------------------------------------------------------------------------------------


SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def plain_slug(title: str) -> str:
    """The slug before any hash: the title transliterated to ASCII, runs of other characters as '-'."""
    import unicodedata

    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()


def hashed(title: str) -> bool:
    """Titles whose slug carries a hash of the title: nothing ASCII left, or too long."""
    plain = plain_slug(title)
    return not plain or len(plain) > SLUG_MAX


# Titles that lose everything in transliteration, titles around the length limit, and anything.
NON_LATIN = st.text(
    alphabet=st.sampled_from(list("🎸🔥❤️🎵שירהבאأغنيةحب歌曲愛の夜Αγάπηπεσνя ...!?/\\\x00\n\t-_'\"") + ["\u200f", "\u202e", "\ufe0f", "\udcff"]),
    min_size=1,
    max_size=40,
)
LONG = st.builds(
    lambda head, tail: head + tail,
    st.text(alphabet=string.ascii_letters + string.digits + " -./", min_size=80, max_size=130),
    st.text(max_size=300),
)
TITLES = st.one_of(st.text(max_size=200), NON_LATIN, LONG)
EXAMPLE_TITLES = ["../../etc/passwd", "a/b", "x\x00y", "line\nbreak", "...", "." * 300, "a" * 300, "🎸🔥", "שיר אהבה", "أغنية", "歌", "", "\udcff", ".", "..", "-", "CON", "Neon Tide Short"]


def check_folder(root: Path, title: str) -> str:
    slug = slugify(title)
    assert SLUG.match(slug), repr(slug)
    assert len(slug) <= SLUG_MAX and len(slug.encode()) <= SLUG_MAX
    assert slugify(title) == slug  # deterministic
    out = SongOutputs.for_song(root, title)
    assert out.root == root / slug and out.root.name == slug and out.root.parent == root
    assert out.root.resolve().is_relative_to(root.resolve())
    if hashed(title):
        digest = hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        assert slug.endswith("-" + digest), (title, slug)
        event("hashed")
    else:
        assert slug == plain_slug(title)  # ordinary titles keep their slug
        event("plain")
    return slug


@pytest.mark.parametrize("title", EXAMPLE_TITLES)
def test_folder_of_awkward_titles(tmp_path, title):
    slug = check_folder(tmp_path, title)
    (tmp_path / slug).mkdir()  # the file system takes it


def test_ordinary_titles_keep_their_slug():
    assert slugify("Neon Tide Short") == "neon-tide-short"
    assert slugify("Café del Mar (Remix) ") == "cafe-del-mar-remix"
    assert slugify("...") != slugify("…") and slugify("歌") != slugify("曲")
    assert slugify("a" * 300) != slugify("a" * 301)
    assert slugify("🎸🔥").startswith("song-")


@fuzz(1500)
@given(title=TITLES)
def test_folder_of_any_title(title):
    check_folder(Path("/srv/songflow/outputs"), title)


@fuzz(300)
@given(titles=st.lists(st.one_of(NON_LATIN, LONG, TITLES), min_size=2, max_size=8, unique=True))
def test_hashed_folders_never_collide(titles):
    slugs = {}
    for title in titles:
        if hashed(title):
            slug = slugify(title)
            assert slug not in slugs, (title, slugs.get(slug), slug)
            slugs[slug] = title
    event(f"{len(slugs)} hashed titles")


# ---------------------------------------------------------------------------------------------
# 3. Stage hand-off files read back from disk
# ---------------------------------------------------------------------------------------------


PALETTES = [["#000000", "#ff0000", "#ffffff"], ["#000000", "#00ff00", "#ffffff"]]
VALID = {
    "analysis": (SongAnalysis, {
        "title": "Kite", "audio_path": "/songs/kite.wav", "audio_sha256": "0" * 64, "duration": 4.0, "tempo": 120.0,
        "beats": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5], "downbeats": [0.0, 2.0],
        "sections": [
            {"index": 0, "start": 0.0, "end": 2.0, "energy": 0.4, "label": "A",
             "lyrics": [{"start": 0.5, "end": 1.5, "text": "fly away", "timing": "given"}]},
            {"index": 1, "start": 2.0, "end": 4.0, "energy": 1.0, "label": "B"},
        ],
        "energy": [0.1, 0.5, 1.0], "vocals": [{"start": 0.4, "end": 1.6}],
        "lyrics_source": "lrc", "lyrics": [{"start": 0.5, "end": 1.5, "text": "fly away", "timing": "given"}],
        "interpretation": {"mood": "calm", "themes": ["sea"], "imagery": ["waves"], "sections": [{"description": "d"}] * 2},
        "model": "m",
    }),
    "scenes": (ScenePlan, {
        "duration": 4.0, "model": "m",
        "style": {"medium": "flat vector art", "lighting": "neon", "recurring_motif": "a red kite"},
        "characters": [{"name": "the flyer", "look": "a yellow raincoat"}],
        "scenes": [
            {"index": i, "section_index": i, "start": 2.0 * i, "end": 2.0 * i + 2, "setting": "beach", "subject": "kite",
             "palette": PALETTES[i], "camera": "zoom_in", "characters": ["the flyer"]}
            for i in range(2)
        ],
    }),
    "shots": (ShotList, {
        "duration": 4.0, "model": "m",
        "shots": [
            {"index": i, "scene_index": i, "start": 2.0 * i, "end": 2.0 * i + 2, "prompt": "a kite over the sea",
             "composition": "center", "setting": "beach", "subject": "kite", "palette": PALETTES[i], "camera": "hold", "seed": 1}
            for i in range(2)
        ],
    }),
    "qa": (QAReport, {
        "model": "m", "evidence_kind": "image-statistics", "pass_score": 6, "rejections": {"check:dark": 1},
        "shots": [{"shot_index": 0, "passed": True, "chosen_attempt": 1, "attempts": [
            {"attempt": 0, "seed": 1, "image": "keyframes/0_0.png", "accepted": False, "reasons": ["check:dark"],
             "evidence": {"kind": "image-statistics", "measurements": {"mean": 0.1, "tone": "dark"},
                          "checks": [{"name": "dark", "value": 0.1, "threshold": 0.2, "passed": False}]},
             "verdict": {"issues": ["too dark"], "passed": False, "score": 3}},
            {"attempt": 1, "seed": 2, "image": "keyframes/0_1.png", "accepted": True,
             "evidence": {"kind": "image"}, "verdict": {"issues": [], "passed": True, "score": 8, "box_2d": [10, 20, 500, 600]}},
        ]}],
    }),
    "clips": (ClipReport, {
        "model": "m", "fps": 24,
        "shots": [{"shot_index": 0, "clip": "clips/0.mp4", "keyframe": "keyframes/0.png", "frames": 48, "native_frames": 33,
                   "native_fps": 16.0, "seed": 3, "review": [{"frame": 0, "image": "clips/0_0.png", "score": 7, "passed": True}]},
                  {"shot_index": 1, "clip": None, "keyframe": "keyframes/1.png", "frames": 48, "seed": 4, "fallback": "rejected"}],
    }),
    "timing": (TimingReport, {
        "fps": 24, "limits": {"max_cut_offset_seconds": 0.07},
        "cuts": [{"shot_index": 1, "time": 2.0, "kind": "crossfade", "section_change": True, "nearest_beat": 2.0, "offset": 0.0,
                  "on_downbeat": True}],
        "captions": [{"text": "fly away", "start": 0.5, "end": 1.5, "shown_from": 0.5, "shown_until": 1.5,
                      "on_error_frames": 0.0, "off_error_frames": 0.0}],
        "summary": {"cuts": 1, "median_abs_offset": 0.0, "max_abs_offset": 0.0, "share_within_limit": 1.0, "cuts_inside_lines": 0,
                    "cuts_inside_long_lines": 0, "max_caption_error_frames": 0.0, "video_duration": 4.0, "audio_duration": 4.0,
                    "song_duration": 4.0, "duration_error_frames": 0.0},
        "beat_grid": {"tracker": "librosa", "tempo": 120.0, "confidence": 0.9, "confirmed": True,
                      "check": {"method": "autocorrelation", "tempo": 120.0, "relation": "1:1", "agrees": True}},
    }),
}
STAGES = sorted(VALID)


def test_every_hand_off_file_has_a_valid_example():
    assert set(VALID) == set(FILES)
    for stage, (model, data) in VALID.items():
        with scratch() as folder:
            out = SongOutputs(folder)
            out.path(stage).write_text(json.dumps(data), encoding="utf-8")
            assert out.load(stage, model) == model.model_validate(data)


def check_load(stage: str, content: bytes | None) -> None:
    """SongOutputs.load returns the model or raises a one-line InputError; nothing else.
    `content` None: a directory where the file should be."""
    model, _ = VALID[stage]
    with scratch() as folder:
        out = SongOutputs(folder)
        path = out.path(stage)
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content)
        try:
            loaded = out.load(stage, model)
        except InputError as exc:
            assert one_line(str(exc)), repr(str(exc))
            event("InputError")
            return
    assert isinstance(loaded, model)
    event("loaded")


JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20), st.sampled_from(["", "\n", "a\nb", "\u2028", "#ff0000", "hold", "given", "image", "A", "0" * 64]),
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=25,
)


def paths_of(value, prefix=()):
    """Every path (a tuple of keys and indexes) into a JSON value, the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_of(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths_of(item, (*prefix, i))


def mutate(value, path, op: str, new):
    """A copy of `value` with the node at `path` dropped, replaced by `new`, or given an extra key `new`."""
    if not path:
        return new if op != "extra" or not isinstance(value, dict) else {**value, str(new): 1}
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if not rest and op == "drop":
        del copy[head]
    else:
        copy[head] = mutate(copy[head], rest, op, new)
    return copy


@st.composite
def mutated(draw, stage: str):
    data = VALID[stage][1]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(paths_of(data))))
        op = draw(st.sampled_from(["drop", "swap", "swap", "extra"]))
        if op == "drop" and not path:
            op = "swap"
        new = draw(st.one_of(JSON_SCALARS, JSON)) if op == "swap" else draw(st.one_of(st.text(max_size=10), st.just("a\nb")))
        if op == "extra":  # an extra key on the dict at `path` or its parent
            while path and not isinstance(_at(data, path), dict):
                path = path[:-1]
        data = mutate(data, path, op, new)
    return data


def _at(value, path):
    for key in path:
        value = value[key]
    return value


@fuzz(600)
@given(stage=st.sampled_from(STAGES), value=JSON)
def test_load_arbitrary_json(stage, value):
    check_load(stage, json.dumps(value).encode())


@fuzz(1000)
@given(data=st.data(), stage=st.sampled_from(STAGES))
def test_load_mutated_hand_off(data, stage):
    value = data.draw(mutated(stage))
    check_load(stage, json.dumps(value, ensure_ascii=data.draw(st.booleans())).encode())


@fuzz(600)
@given(stage=st.sampled_from(STAGES), cut=st.floats(0, 1), indent=st.sampled_from([None, 2]))
def test_load_truncated_hand_off(stage, cut, indent):
    text = json.dumps(VALID[stage][1], indent=indent)
    check_load(stage, text[: int(cut * len(text))].encode())


@fuzz(300)
@given(stage=st.sampled_from(STAGES), at=st.floats(0, 1), junk=st.binary(min_size=1, max_size=4), raw=st.booleans())
@example(stage="shots", at=0.5, junk=b"\xff", raw=False)
@example(stage="analysis", at=0.0, junk=b"\xef\xbb\xbf", raw=False)  # a BOM
def test_load_bytes_that_are_not_utf8(stage, at, junk, raw):
    text = json.dumps(VALID[stage][1]).encode()
    i = int(at * len(text))
    check_load(stage, junk if raw else text[:i] + junk + text[i:])


@pytest.mark.parametrize("stage", STAGES)
def test_load_a_directory_where_the_file_should_be(stage):
    check_load(stage, None)


# ---------------------------------------------------------------------------------------------
# 4. The cut planner: beats + sections + lyric lines -> shots (seconds), then frames
# ---------------------------------------------------------------------------------------------


NEAR = [0.0, 1e-9, 1e-7, 1e-6, 1.5e-6, 1e-5, 0.01, 0.02, 0.03]  # offsets that probe the edge tolerances


@st.composite
def song(draw):
    """A song's duration, sections tiling it, sorted beats (inside it) and lyric lines within it."""
    # load_audio refuses songs under MIN_DURATION (2 s) with an InputError: the planner never sees one.
    duration = draw(st.one_of(st.floats(MIN_DURATION, 600), st.floats(MIN_DURATION, 5), st.sampled_from([MIN_DURATION, 8.0, 30.0])))
    n_cuts = draw(st.integers(0, 6))
    cuts = sorted(set(draw(st.lists(st.floats(0, duration), max_size=n_cuts))))
    cuts = [c for c in cuts if c > TIME_EPS * 2 and c < duration - TIME_EPS * 2]
    cuts = [c for i, c in enumerate(cuts) if i == 0 or c - cuts[i - 1] > TIME_EPS * 2]
    edges = [0.0, *cuts, duration]
    sections = [(a, b, draw(st.floats(0, 1))) for a, b in zip(edges, edges[1:])]
    # Beats: a steady grid at some tempo (with jitter), or scattered, or hugging the section edges.
    kind = draw(st.sampled_from(["grid", "scattered", "edges", "clusters"]))
    if kind == "grid":
        period = draw(st.floats(0.2, 2.0))
        start = draw(st.floats(0, period))
        jitter = draw(st.sampled_from([0.0, 0.01, 0.04]))
        beats = [start + k * period + draw(st.floats(-jitter, jitter)) for k in range(int((duration - start) / period) + 1)]
    elif kind == "scattered":
        beats = draw(st.lists(st.floats(0, duration), max_size=40))
    elif kind == "edges":
        beats = [e + s * d for e in edges for d in [draw(st.sampled_from(NEAR))] for s in (-1, 1)]
    else:  # a few beats each, closer together than any tracker finds them (a hand-edited file)
        spacing = draw(st.sampled_from([1e-15, 1e-9, 1e-7, 1e-6, 2e-6]))
        beats = [c + k * spacing for c in draw(st.lists(st.floats(0, duration), min_size=1, max_size=5)) for k in range(draw(st.integers(1, 4)))]
    beats = sorted({b for b in beats if 0 <= b <= duration})
    downbeats = beats[:: draw(st.integers(1, 4))]
    # Lyric lines inside the song: any order, overlapping, some longer than a shot may be.
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        a = draw(st.floats(0, duration))
        b = draw(st.floats(a, min(duration, a + draw(st.sampled_from([0.1, 3.0, 12.0, 60.0])))))
        if b > a:
            lines.append((a, b))
    return duration, sections, beats, downbeats, lines


def analysis_of(duration, sections, beats, downbeats, lines) -> SongAnalysis:
    return SongAnalysis.model_validate({
        "title": "t", "audio_path": "/a.wav", "audio_sha256": "0" * 64, "duration": duration, "tempo": 120.0,
        "beats": beats, "downbeats": downbeats,
        "sections": [{"index": i, "start": a, "end": b, "energy": e, "label": "A"} for i, (a, b, e) in enumerate(sections)],
        "lyrics_source": "srt" if lines else "none",
        "lyrics": [{"start": a, "end": b, "text": f"line {i}", "timing": "given"} for i, (a, b) in enumerate(lines)],
        "interpretation": {"mood": "m", "themes": ["t"], "imagery": ["i"], "sections": [{"description": "d"}] * len(sections)},
        "model": "m",
    })


SHOT_CONFIGS = st.one_of(
    st.just(ShotConfig()),
    st.builds(
        lambda calm, intense, lo, hi: ShotConfig(beats_per_shot_calm=calm, beats_per_shot_intense=intense, min_shot_seconds=lo, max_shot_seconds=max(lo, hi)),
        st.integers(1, 16), st.integers(1, 16), st.floats(0.1, 4), st.floats(0.5, 12),
    ),
)


def check_plan(analysis: SongAnalysis, cfg: ShotConfig, fps: int = 24) -> None:
    """Shots tile [0, duration] with no zero or negative length; a ShotList takes them; so do the frames."""
    spans = shot_spans(analysis, cfg)
    assert spans and spans[0].start == 0.0 and spans[-1].end == analysis.duration
    for a, b in zip(spans, spans[1:]):
        assert b.start == a.end, (a, b)
    for s in spans:
        assert s.end > s.start, s
    check_tiling([(s.start, s.end) for s in spans], 0.0, analysis.duration, "shot")
    shot = VALID["shots"][1]["shots"][0]
    try:
        shots = ShotList.model_validate({
            "duration": analysis.duration, "model": "m",
            "shots": [shot | {"index": i, "scene_index": s.scene_index, "start": s.start, "end": s.end} for i, s in enumerate(spans)],
        })
    except ValidationError as exc:
        raise AssertionError(f"the planner's shots fail ShotList: {exc}") from None
    try:
        plan = plan_frames(analysis, shots, AssembleConfig(fps=fps))
    except InputError as exc:  # more shots than frames
        assert one_line(str(exc)) and len(spans) > round(analysis.duration * fps), str(exc)
        event("InputError")
        return
    assert plan.shots[0].first == 0 and plan.shots[-1].last == plan.total == round(analysis.duration * fps)
    for a, b in zip(plan.shots, plan.shots[1:]):
        assert b.first == a.last
    event(f"{len(spans)} shots" if len(spans) < 4 else "4+ shots")
    for f in plan.shots:
        assert f.count >= 1, (f, plan.total)  # the assembly draws at least one frame per shot


@fuzz(1200)
@given(song=song(), cfg=SHOT_CONFIGS)
# a section shorter than half a frame: its shot had no frame
@example(song=(2.0, [(0.0, 1.984375, 0.0), (1.984375, 2.0, 0.0)], [0.0, 1.0, 2.0], [0.0, 1.0, 2.0], []), cfg=ShotConfig())
# beats closer than TIME_EPS: a shot ShotList rejects ("shot 1 has no length")
@example(song=(2.0, [(0.0, 2.0, 0.0)], [0.0, 1.0, 1.000000000000001, 1.000000000000002], [0.0], []), cfg=ShotConfig())
# a beat period of 1e-180 s: OverflowError squaring the shot's relative length error
@example(song=(2.0, [(0.0, 2.0, 0.0)], [0.0, 1.7771460331990988e-180], [0.0], []), cfg=ShotConfig())
def test_planned_shots_tile_the_song(song, cfg):
    try:
        analysis = analysis_of(*song)
    except ValidationError:
        assume(False)  # fewer than two beats: not a SongAnalysis (the grid cases are below)
    check_plan(analysis, cfg)


@fuzz(600)
@given(song=song(), grid=st.sampled_from(["empty", "one", "duplicates", "past the end", "before 0"]), cfg=SHOT_CONFIGS)
# a repeated beat: a beat period of 0, ZeroDivisionError
@example(song=(2.0, [(0.0, 2.0, 0.0)], [0.0, 1.0, 2.0], [0.0, 1.0, 2.0], []), grid="duplicates", cfg=ShotConfig())
def test_planner_takes_any_sorted_beat_grid(song, grid, cfg):
    """A grid SongAnalysis would reject (set on an analysis without validation, as a hand-built one
    in code could be): the planner still tiles the song."""
    duration, sections, beats, downbeats, lines = song
    base = analysis_of(duration, sections, [0.0, duration], [0.0], lines)
    raw = {
        "empty": [],
        "one": beats[:1] or [duration / 2],
        "duplicates": sorted(beats + beats[: len(beats) // 2 + 1] + [duration / 3] * 3),
        "past the end": beats + [duration + 0.5, duration * 2, duration + 1e9],
        "before 0": [-1.0, -1e-7, *beats],
    }[grid]
    check_plan(base.model_copy(update={"beats": raw, "downbeats": raw[::2]}), cfg)
