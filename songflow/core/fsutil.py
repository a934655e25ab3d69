"""Atomic file writes: a reader never sees a half-written output.

Every output is written to a temp file beside its target, flushed to disk (fsync), renamed over the
target, and the folder's entry flushed too: a run killed at any moment, or a machine that loses
power, leaves either the old file or the new one, never a truncated one, and leftover temp files
are hidden (`.name.*`) and removed by the next write's clean-up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from songflow.core.errors import DiskFull

# Errors that mean "no room": a full disk, a used-up quota, a file past the size limit (RLIMIT_FSIZE).
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@contextlib.contextmanager
def no_room_is_disk_full(target: Path) -> Iterator[None]:
    """Turn an OSError that means "no room" (ENOSPC, EDQUOT, EFBIG) raised inside the block into
    DiskFull naming `target` and its folder: one line for the user instead of a traceback."""
    try:
        yield
    except OSError as exc:
        if exc.errno in NO_ROOM:
            raise DiskFull(target, exc.errno) from exc
        raise


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path beside `target`; rename it over `target` only if the block succeeds."""
    target = Path(target)
    with no_room_is_disk_full(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
        os.close(fd)
        tmp_path = Path(tmp)
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs should be readable like any file
        try:
            yield tmp_path
            _fsync(tmp_path)  # a file system that reserves space late says "no room" here, not at write()
            os.replace(tmp_path, target)
            _fsync(target.parent)
        finally:
            tmp_path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(target: Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_model_atomic(target: Path, model: BaseModel) -> Path:
    """Write a pydantic model as indented JSON, atomically."""
    return write_text_atomic(target, model.model_dump_json(indent=2) + "\n")


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temp directory beside `target`; it replaces `target` only if the block succeeds."""
    target = Path(target)
    with no_room_is_disk_full(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
        try:
            yield tmp
            for entry in tmp.rglob("*"):
                if entry.is_file():
                    _fsync(entry)
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
            _fsync(target.parent)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's content, read in 1 MiB blocks."""
    import hashlib

    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


SLUG_MAX = 100  # characters (ASCII, so bytes): far inside the 255-byte limit of a file name


def slugify(name: str) -> str:
    """File-system-safe lowercase slug of a song name: one path component matching
    ^[a-z0-9][a-z0-9-]*$, at most SLUG_MAX characters.

    A name with no ASCII letters or digits left after transliteration (emoji, Arabic, Hebrew,
    Chinese, punctuation only) becomes `song-<8 hex of its SHA-256>`, and a name cut to the limit
    ends in that hash too, so distinct such names get distinct folders."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    if slug and len(slug) <= SLUG_MAX:
        return slug
    import hashlib

    # surrogatepass: a title from a non-UTF-8 command line carries lone surrogates
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    head = slug[: SLUG_MAX - len(digest) - 1].rstrip("-") or "song"
    return f"{head}-{digest}"
