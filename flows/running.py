"""How the flow's tasks run: each model loaded once per process, retries for failures a second
try can fix, and a host's GPU slot held while a task uses it."""

from __future__ import annotations

import contextlib
import os
import threading

import httpx

import backends
from backends.base import TextModel
from songflow.core.config import ModelConfig, RenderConfig

# Tasks that run a model carry this tag: `prefect concurrency-limit create songflow-model 1` on a
# server keeps two runs on one machine from loading two copies of a model at once.
MODEL_TAG = "songflow-model"
# Keyframe and clip tasks (a diffusion model on the GPU): `prefect concurrency-limit create songflow-gpu 1`.
GPU_TAG = "songflow-gpu"


class ModelPool:
    """Loads each model id once per process, on first use; tasks share it."""

    def __init__(self) -> None:
        self._models: dict[str, TextModel] = {}
        self._lock = threading.Lock()

    def put(self, model: TextModel) -> None:
        """Use an already-built model for its id (a custom backend instance, or a test double)."""
        with self._lock:
            self._models[model.id] = model

    def sees_images(self, model_id: str) -> bool:
        """Whether the model takes images, without loading it if it is not loaded yet."""
        with self._lock:
            if model_id in self._models:
                return self._models[model_id].supports_images
        return backends.capabilities(model_id).images

    def __reduce__(self):
        # Served runs cloudpickle the flow into a subprocess; the pool goes by reference, so each
        # process keeps one pool (and one copy of each model) of its own.
        return (_shared_pool, ())

    def get(self, cfg: ModelConfig) -> TextModel:
        with self._lock:
            if cfg.id not in self._models:
                self._models[cfg.id] = backends.load_model(cfg)
            return self._models[cfg.id]


MODELS = ModelPool()


def _shared_pool() -> ModelPool:
    return MODELS

TRANSIENT = (ConnectionError, TimeoutError, httpx.TransportError)


def is_transient(task, task_run, state) -> bool:
    """Retry a task only for failures that a second try can fix: a server down or slow.

    A model reply that failed validation after its own re-asks is not retried blindly.
    """
    return isinstance(state.result(raise_on_failure=False), TRANSIENT)


# A server restarting (a model server reloading its weights, ComfyUI after a crash) is waited for
# with back-off, 60 s in all between the tries; then the stage fails with the server's one line.
RETRY_DELAYS = [2, 4, 8, 16, 30]
RETRIES = dict(retries=len(RETRY_DELAYS), retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=is_transient)


def draws_on_gpu(render: RenderConfig) -> bool:
    """Whether keyframes come from a model (a GPU's work); procedural art is CPU work."""
    return render.renderer != "procedural"


GPU_LEASE = 60.0  # seconds; the server's least (a renewal asks for at least 60)


def gpu_slot(uses_gpu: bool = True):
    """One host's GPU, shared by its worker's runs: on a worker started with WORKER_ID, a task that
    runs a model holds a slot of the global concurrency limit `gpu:<WORKER_ID>` while it works
    (`prefect gcl create gpu:<id> --limit 1`; strict: a missing limit is an error, not a free GPU).
    Without WORKER_ID (one machine, `songflow run`), nothing is taken.

    The slot is a lease the task renews while it works (every 45 s of GPU_LEASE): a host killed
    mid-task stops renewing, and the server takes its slot back within a minute and a bit (Prefect's
    default, 300 s, would hold the restarted host's GPU for five). The server must keep its leases
    on disk (PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE, README): in memory a server restart forgets
    them, and the slots they held stay taken for good."""
    worker = os.environ.get("WORKER_ID")
    if not worker or not uses_gpu:
        return contextlib.nullcontext()
    from prefect.concurrency.sync import concurrency

    return concurrency(f"gpu:{worker}", occupy=1, strict=True, lease_duration=GPU_LEASE)
