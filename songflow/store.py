"""Where a song's outputs live: `outputs/<song-slug>/`, one validated JSON per stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from songflow.errors import InputError
from songflow.fsutil import slugify, write_model_atomic

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


def one_line(text: str) -> str:
    """`text` with its line breaks written as escapes (\\n, \\u2028, ...)."""
    return "".join(c.encode("unicode_escape").decode("ascii") if c in LINE_BREAKS else c for c in text)
