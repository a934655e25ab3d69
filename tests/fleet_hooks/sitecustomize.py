"""Counters and one injected fault for the flow runs of tests/test_fleet.py's workers (and the
`songflow run` of tests/test_faults.py).

A process worker starts each flow run as `python -m prefect.engine` with the worker's environment;
with this folder on PYTHONPATH, Python imports this file first in every such process. It wraps
`backends.load_model` once `backends` is imported, so every call into a model (generate, reply,
score_options) appends `model <task> <WORKER_ID>` to SONGFLOW_FLEET_LOG. With
SONGFLOW_FLEET_FAULT=write_shots, the first model call of that task raises the error a GPU that
fell over raises: the stage fails on that host, as it would for real.
"""

from __future__ import annotations

import importlib.abc
import os
import sys

LOG = os.environ.get("SONGFLOW_FLEET_LOG")
FAULT = os.environ.get("SONGFLOW_FLEET_FAULT", "")
WORKER = os.environ.get("WORKER_ID", "-")


def _task() -> str:
    from prefect.context import TaskRunContext

    ctx = TaskRunContext.get()
    return ctx.task.name if ctx else "-"


def _counted(method):
    def wrapper(*args, **kwargs):
        task = _task()
        with open(LOG, "a") as fh:
            fh.write(f"model {task} {WORKER}\n")
        if task == FAULT:
            raise RuntimeError("CUDA error: an illegal memory access was encountered (the GPU of host " + WORKER + ")")
        return method(*args, **kwargs)

    return wrapper


def _patch(backends) -> None:
    load = backends.load_model

    def load_model(cfg):
        model = load(cfg)
        for name in ("generate", "reply", "score_options"):
            setattr(model, name, _counted(getattr(model, name)))
        return model

    backends.load_model = load_model


class _AfterImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != "backends":
            return None
        # The finders after this one: sys.path, or the editable install's own finder (a console
        # script such as `songflow` does not have the repository on sys.path).
        spec = None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
        if spec is None or spec.loader is None:
            return None
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            _patch(module)

        spec.loader.exec_module = exec_and_patch
        return spec


if LOG:
    sys.meta_path.insert(0, _AfterImport())
