"""Where a song's outputs live: `outputs/<song-slug>/`, one validated JSON per stage."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from songflow.core.errors import InputError, SongflowError
from songflow.core.fsutil import no_room_is_disk_full, slugify, write_model_atomic

M = TypeVar("M", bound=BaseModel)

FILES = {
    "analysis": "analysis.json",
    "scenes": "scene_plan.json",
    "shots": "shot_list.json",
    "qa": "qa_report.json",
    "clips": "clips.json",
    "timing": "timing_report.json",
}
VIDEO = "video.mp4"
LOCK = ".lock"

# Song folders a run in this process holds (a file lock does not keep two threads apart).
_held: set[Path] = set()
_held_guard = threading.Lock()


class SongBusy(SongflowError):
    """Another run is writing this song's outputs."""


@dataclass(frozen=True)
class SongOutputs:
    root: Path

    @classmethod
    def for_song(cls, outputs: Path, name: str) -> SongOutputs:
        return cls(Path(outputs) / slugify(name))

    def path(self, stage: str) -> Path:
        return self.root / FILES[stage]

    @property
    def video(self) -> Path:
        return self.root / VIDEO

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold this song's folder for one run: a second run of the same song, in this process or
        another, stops at once with SongBusy instead of writing over the first one's files."""
        from filelock import FileLock, Timeout

        key = self.root.resolve()
        with _held_guard:
            if key in _held:
                raise SongBusy(f"{self.root} is being written by another run of this song in this process; wait for it to finish")
            _held.add(key)
        try:
            check_outputs(self.root.parent)
            made = not self.root.exists()
            self.root.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.root / LOCK, timeout=0, thread_local=False)
            try:
                lock.acquire()
            except Timeout:
                raise SongBusy(f"{self.root} is being written by another songflow run{self._holder()}; wait for it to finish or stop it") from None
            try:
                with no_room_is_disk_full(self.root / LOCK):
                    (self.root / LOCK).write_text(f"{os.getpid()}\n")  # who holds it, for the message above
                yield
            finally:
                self.clean_leftovers()  # a failed write's temp files; a killed run's go at the next start
                if made and [p.name for p in self.root.iterdir()] == [LOCK]:  # a run that wrote nothing leaves no folder
                    (self.root / LOCK).unlink(missing_ok=True)
                    with contextlib.suppress(OSError):
                        self.root.rmdir()
                lock.release()
        finally:
            with _held_guard:
                _held.discard(key)

    def check_free(self) -> None:
        """SongBusy now if another run holds this song (a check before a run starts; the run takes the lock)."""
        if (self.root / LOCK).is_file():
            with self.lock():
                pass

    def _holder(self) -> str:
        try:
            pid = int((self.root / LOCK).read_text().strip())
        except (OSError, ValueError):
            return ""
        return f" (process {pid})"

    def clean_leftovers(self) -> list[Path]:
        """Remove the hidden temp files and folders a killed run left (atomic writes name them `.name.*`)."""
        removed = []
        for path in sorted(self.root.rglob(".*"), reverse=True):
            if path == self.root / LOCK or not path.exists():
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
        return removed

    def save(self, stage: str, model: BaseModel) -> Path:
        return write_model_atomic(self.path(stage), model)

    def load(self, stage: str, model_type: type[M]) -> M:
        """Read and validate a stage's JSON; a hand-edited file that fails validation is a clear error."""
        path = self.path(stage)
        try:
            return model_type.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InputError(f"{path} does not exist: run the earlier stages first") from exc
        except OSError as exc:  # a directory in its place, no permission, ...
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text (byte {exc.start}): not a valid {model_type.__name__}") from exc
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "(root)"
            # a key or value from the file may hold line breaks; the message stays one line
            raise InputError(one_line(f"{path} is not a valid {model_type.__name__}: {where}: {first['msg']}")) from exc


LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on


def check_outputs(root: Path) -> None:
    """InputError now, before anything is written, when the outputs folder `root` cannot be made or
    written: a file in its place or on its path, or a folder this user may not write."""
    root = Path(root)
    there = root
    while not there.exists() and there != there.parent:
        there = there.parent
    if not there.is_dir():
        what = "is a file" if there == root else f"cannot be made: {there} is a file"
        raise InputError(f"the outputs folder {root} {what}, not a folder: give a folder (--outputs)")
    if os.statvfs(there).f_flag & os.ST_RDONLY:
        raise InputError(f"the outputs folder {root} cannot be written: {there} is on a read-only file system; give another (--outputs)")
    if not os.access(there, os.W_OK | os.X_OK):
        raise InputError(f"the outputs folder {root} cannot be written: {there} is not writable by this user; give another (--outputs)")


def one_line(text: str) -> str:
    """`text` with its line breaks written as escapes (\\n, \\u2028, ...)."""
    return "".join(c.encode("unicode_escape").decode("ascii") if c in LINE_BREAKS else c for c in text)
