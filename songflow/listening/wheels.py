"""Weights that ship inside a registry package, read from its installed folder without importing it."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from songflow.core.errors import InputError


def package_folder(package: str, override: str, missing: str) -> Path:
    """The folder of installed `package` (found without importing it: its own imports may pin or need
    what songflow does not install), or the folder named by environment variable `override`; an
    InputError saying `missing` when neither is there."""
    named = os.environ.get(override)
    if named:
        return Path(named)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(missing)
    return Path(list(spec.submodule_search_locations)[0])
