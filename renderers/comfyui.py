"""A ComfyUI server as a renderer: `comfyui:<base url>#<workflow.json>` for keyframes (--renderer)
and for moving shots (--motion). Keyframes may name a second workflow, used for shots that have
reference pictures: `comfyui:<base url>#<plain.json>#<with_references.json>`. Motion may name a
second workflow, used for lip-sync shots (a singer on a sung line; stages/animate_shots.py), which
gets the shot's voice: `comfyui:<base url>#<motion.json>#<lip_sync.json>` (e.g. Wan2.2-S2V,
docs/comfyui/wan22_s2v.json).

The workflow is ComfyUI's API format (the UI's "Export (API)"). songflow fills its inputs, found by
node title (`_meta.title`) or by input name:

    title "songflow prompt"       input `text`      the shot's image prompt
    title "songflow negative"     input `text`      the negative prompt
    any node                      `seed`, `noise_seed`   the shot's seed
    title "songflow size", or an Empty*Image/Latent node   `width`, `height`
    title "songflow frames[ 4k+1]"  `length`, `batch_size`, `amount` or `frames`: the clip's frame count
                                  (the optional rule says which counts the model makes)
    title "songflow reference[ N]"  LoadImage `image`: a reference picture (uploaded)
    title "songflow keyframe"     LoadImage `image`: the shot's keyframe (moving shots)
    title "songflow audio"        input `audio` (LoadAudio's): the shot's voice, uploaded as a WAV
                                  (lip-sync shots; the file name lands there)
    title "songflow last frame"   LoadImage `image`: the next shot's keyframe, for a clip that ends on
                                  it (render.motion_continuity; e.g. WanFirstLastFrameToVideo's end_image)

It is queued with POST /prompt, followed on /ws (progress into a Prefect progress artifact when in a
run), and its pictures are read from /history/{id} and /view: the first still for a keyframe, the
frames of an animated WEBP/PNG (or an image batch) for a clip, at the fps of the node that saved
them. A workflow ComfyUI rejects is one line naming the node; a server that cannot be reached is a
transient error, which Prefect retries.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageSequence

from renderers.base import Capabilities, Motion, Renderer, prompt_for
from renderers.song_audio import ShotAudio, wav_bytes
from schemas.scenes import StyleBible
from schemas.shots import Shot
from songflow.core.config import RenderConfig
from songflow.core.errors import InputError, SongflowError

log = logging.getLogger(__name__)

SIZE_CLASSES = {
    "EmptyLatentImage", "EmptySD3LatentImage", "EmptyImage", "EmptyHunyuanLatentVideo", "EmptyLTXVLatentVideo", "WanImageToVideo", "WanSoundImageToVideo",
    "WanFirstLastFrameToVideo",
}
FRAME_INPUTS = ("length", "batch_size", "amount", "frames")
ANIMATED_SAVERS = {"SaveAnimatedWEBP", "SaveAnimatedPNG"}
RULE = re.compile(r"(\d+)\s*k\s*\+\s*(\d+)")


class ComfyUIUnavailable(SongflowError, ConnectionError):
    """The server could not be reached or dropped the connection: worth a retry."""


class ComfyUIError(SongflowError):
    """The server refused or failed the workflow: a retry would not help."""


@dataclass(frozen=True)
class Workflow:
    path: Path
    graph: dict

    @classmethod
    def read(cls, path: str | Path) -> Workflow:
        path = Path(path).expanduser()
        try:
            graph = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"ComfyUI workflow not found: {path}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"ComfyUI workflow {path} is not JSON: {exc}") from None
        if not isinstance(graph, dict) or not graph or not all(isinstance(n, dict) and "class_type" in n for n in graph.values()):
            raise InputError(f"ComfyUI workflow {path} is not in API format (export it with 'Export (API)')")
        return cls(path, graph)

    def titled(self, prefix: str) -> list[tuple[str, dict]]:
        return [(k, n) for k, n in self.graph.items() if str(n.get("_meta", {}).get("title", "")).lower().startswith(prefix)]

    @property
    def reference_nodes(self) -> list[str]:
        return [k for k, _ in sorted(self.titled("songflow reference"), key=lambda kn: kn[1]["_meta"]["title"])]

    @property
    def audio_nodes(self) -> list[str]:
        return [k for k, _ in self.titled("songflow audio")]

    @property
    def frames_node(self) -> tuple[str, dict] | None:
        found = self.titled("songflow frames")
        return found[0] if found else None

    def capabilities(self) -> Capabilities:
        frames = self.frames_node
        savers = [n for n in self.graph.values() if n["class_type"] in ANIMATED_SAVERS]
        video = frames is not None or bool(savers)
        step, offset = 1, 0
        if frames is not None and (m := RULE.search(frames[1]["_meta"]["title"])):
            step, offset = int(m[1]), int(m[2])
        fps = float(savers[0]["inputs"].get("fps", 24)) if savers else 24.0
        return Capabilities(references=bool(self.reference_nodes), video=video, frame_step=step, frame_offset=offset, fps=fps if video else None,
                            last_frame=video and bool(self.titled("songflow last frame")))


def _split(rest: str, usage: str) -> tuple[str, Workflow, Workflow | None]:
    """'<base url>#<first.json>[#<second.json>]' -> (base url, first, second); `usage` names the
    id's form and an example for the one-line error."""
    url, *paths = rest.split("#")
    if not url.startswith(("http://", "https://")) or not 1 <= len(paths) <= 2 or not all(paths):
        raise InputError(f"{usage}, got comfyui:{rest}")
    return url.rstrip("/"), Workflow.read(paths[0]), Workflow.read(paths[1]) if len(paths) == 2 else None


def parse(rest: str) -> tuple[str, Workflow, Workflow | None]:
    """'<base url>#<workflow.json>[#<with_references.json>]' -> (base url, workflow, reference workflow)."""
    url, plain, with_refs = _split(
        rest, "a ComfyUI id is comfyui:<base url>#<workflow.json>[#<with_references.json>] (e.g. comfyui:http://127.0.0.1:8188#still.json)"
    )
    if plain.reference_nodes and with_refs is None:
        raise InputError(f"{plain.path} has reference inputs: give a second workflow for shots without references, comfyui:<url>#<plain.json>#{plain.path.name}")
    if with_refs is not None and not with_refs.reference_nodes:
        raise InputError(f"{with_refs.path} has no 'songflow reference' LoadImage node")
    return url, plain, with_refs


def capabilities(rest: str) -> Capabilities:
    _, plain, with_refs = parse(rest)
    return _still_capabilities(plain, with_refs)


def _still_capabilities(plain: Workflow, with_refs: Workflow | None) -> Capabilities:
    return dataclasses.replace(plain.capabilities(), references=with_refs is not None)


def parse_motion(rest: str) -> tuple[str, Workflow, Workflow | None]:
    """'<base url>#<motion.json>[#<lip_sync.json>]' -> (base url, workflow, lip-sync workflow)."""
    url, plain, lip_sync = _split(
        rest, "a ComfyUI motion id is comfyui:<base url>#<motion.json>[#<lip_sync.json>] (e.g. comfyui:http://127.0.0.1:8188#wan_i2v.json)"
    )
    if plain.audio_nodes:
        raise InputError(f"{plain.path} takes audio: name it second, for lip-sync shots, after a workflow for the other shots: comfyui:<url>#<motion.json>#{plain.path.name}")
    if lip_sync is not None:
        if not lip_sync.audio_nodes:
            raise InputError(f"{lip_sync.path} has no 'songflow audio' node for the voice of a lip-sync shot")
        for node_id in lip_sync.audio_nodes:
            if "audio" not in lip_sync.graph[node_id].get("inputs", {}):
                raise InputError(f"{lip_sync.path}: node {node_id} 'songflow audio' has no `audio` input (a LoadAudio node has one)")
    return url, plain, lip_sync


def motion_capabilities(rest: str) -> Capabilities:
    _, plain, lip_sync = parse_motion(rest)
    return _motion_capabilities(plain, lip_sync)


def _motion_capabilities(workflow: Workflow, lip_sync: Workflow | None = None) -> Capabilities:
    caps = workflow.capabilities()
    if not caps.video:
        raise InputError(f"{workflow.path} makes stills: a --motion workflow needs a 'songflow frames' node or a SaveAnimatedWEBP")
    if lip_sync is None:
        return caps
    sung = lip_sync.capabilities()
    rule = lambda c: (c.video, c.frame_step, c.frame_offset, c.fps)  # noqa: E731
    if rule(sung) != rule(caps):
        raise InputError(
            f"{lip_sync.path} makes {sung.describe()}, {workflow.path} {caps.describe()}: a lip-sync workflow makes clips of the same frame rule and rate"
        )
    return dataclasses.replace(caps, lip_sync=True)


class ComfyUIClient:
    """ComfyUI's HTTP and websocket API, as the UI uses it."""

    def __init__(self, base_url: str, *, timeout: float = 600.0):
        import httpx

        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.client_id = uuid.uuid4().hex
        self.http = httpx.Client(base_url=self.base, timeout=httpx.Timeout(30.0, read=60.0))

    def _call(self, method: str, path: str, **kwargs):
        import httpx

        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ComfyUIUnavailable(f"ComfyUI at {self.base} is not reachable ({type(exc).__name__}: {exc})") from None

    def upload(self, picture: Image.Image, name: str) -> str:
        buf = io.BytesIO()
        picture.convert("RGB").save(buf, format="PNG")
        return self.upload_file(buf.getvalue(), name, "image/png")

    def upload_file(self, data: bytes, name: str, mime: str) -> str:
        """A file into the server's input folder (the UI uploads pictures and audio alike); its name there."""
        r = self._call("POST", "/upload/image", files={"image": (name, data, mime)}, data={"overwrite": "true", "type": "input"})
        if r.status_code != 200:
            raise ComfyUIError(f"ComfyUI refused the upload of {name}: HTTP {r.status_code} {r.text[:200]}")
        body = r.json()
        return f"{body['subfolder']}/{body['name']}" if body.get("subfolder") else body["name"]

    def queue(self, graph: dict) -> str:
        r = self._call("POST", "/prompt", json={"prompt": graph, "client_id": self.client_id})
        if r.status_code == 200:
            return r.json()["prompt_id"]
        try:
            body = r.json()
        except ValueError:
            raise ComfyUIError(f"ComfyUI refused the workflow: HTTP {r.status_code} {r.text[:200]}") from None
        raise ComfyUIError(f"ComfyUI refused the workflow: {describe_errors(body, graph)}")

    def wait(self, prompt_id: str, on_progress: Callable[[float], None] | None = None, *, nodes: int = 1) -> dict:
        """Follow the run on /ws until it finishes; its /history entry. `nodes`: the graph's size,
        for progress (executed nodes, and a sampler's steps within its node)."""
        import websockets
        from websockets.sync.client import connect

        nodes_done, nodes = 0, max(1, nodes)
        url = self.base.replace("http", "ws", 1) + f"/ws?clientId={self.client_id}"
        deadline = time.monotonic() + self.timeout
        try:
            with connect(url, open_timeout=30, max_size=None) as ws:
                finished = bool(self.history(prompt_id))  # done before we listened
                while not finished and time.monotonic() < deadline:
                    try:
                        raw = ws.recv(timeout=2.0)
                    except TimeoutError:
                        finished = bool(self.history(prompt_id))
                        continue
                    if isinstance(raw, bytes):  # previews
                        continue
                    msg = json.loads(raw)
                    data = msg.get("data", {})
                    if data.get("prompt_id") not in (None, prompt_id):
                        continue
                    if msg["type"] == "execution_error":
                        raise ComfyUIError(f"ComfyUI failed the workflow at node {data.get('node_id')} ({data.get('node_type')}): {str(data.get('exception_message', '')).strip()[:200]}")
                    if msg["type"] == "executing":
                        if data.get("node") is None:
                            finished = True
                            continue
                        nodes_done += 1
                        if on_progress:
                            on_progress(min(0.99, (nodes_done - 1) / nodes))
                    elif msg["type"] == "progress" and on_progress and data.get("max"):
                        on_progress(min(0.99, (nodes_done - 1 + data["value"] / data["max"]) / nodes))
                if not finished:
                    raise ComfyUIUnavailable(f"ComfyUI at {self.base} did not finish prompt {prompt_id} in {self.timeout:.0f} s")
        except (OSError, websockets.exceptions.WebSocketException) as exc:
            raise ComfyUIUnavailable(f"ComfyUI at {self.base} dropped the connection ({type(exc).__name__}: {exc})") from None
        entry = self.history(prompt_id)
        status = entry.get("status", {})
        if status.get("status_str") == "error":
            messages = [m for m in status.get("messages", []) if m[0] == "execution_error"]
            detail = messages[0][1] if messages else {}
            raise ComfyUIError(f"ComfyUI failed the workflow at node {detail.get('node_id')} ({detail.get('node_type')}): {str(detail.get('exception_message', '')).strip()[:200]}")
        if on_progress:
            on_progress(1.0)
        return entry

    def history(self, prompt_id: str) -> dict:
        r = self._call("GET", f"/history/{prompt_id}")
        return r.json().get(prompt_id, {}) if r.status_code == 200 else {}

    def view(self, item: dict) -> bytes:
        r = self._call("GET", "/view", params={"filename": item["filename"], "subfolder": item.get("subfolder", ""), "type": item.get("type", "output")})
        if r.status_code != 200:
            raise ComfyUIError(f"ComfyUI could not serve {item['filename']}: HTTP {r.status_code}")
        return r.content

    def run(self, graph: dict, on_progress: Callable[[float], None] | None = None) -> tuple[str, dict]:
        prompt_id = self.queue(graph)
        return prompt_id, self.wait(prompt_id, on_progress, nodes=len(graph))


def describe_errors(body: dict, graph: dict) -> str:
    """ComfyUI's validation reply as one line: the first failing node and its first error."""
    for node_id, info in (body.get("node_errors") or {}).items():
        first = (info.get("errors") or [{}])[0]
        title = graph.get(node_id, {}).get("_meta", {}).get("title") or info.get("class_type")
        detail = f": {first.get('details')}" if first.get("details") else ""
        return f"node {node_id} ({title}): {first.get('message', 'invalid')}{detail}"
    error = body.get("error") or {}
    return f"{error.get('message', 'invalid workflow')}{': ' + error['details'] if error.get('details') else ''}" if isinstance(error, dict) else str(error)


def fill(workflow: Workflow, *, prompt: str, negative: str, seed: int, size: tuple[int, int] | None,
         frames: int | None = None, references: Sequence[str] = (), keyframe: str | None = None, audio: str | None = None,
         last_frame: str | None = None) -> dict:
    """A copy of the workflow's graph with songflow's values in their inputs."""
    graph = json.loads(json.dumps(workflow.graph))
    for node_id, node in graph.items():
        title = str(node.get("_meta", {}).get("title", "")).lower()
        inputs = node.setdefault("inputs", {})
        if title.startswith("songflow prompt"):
            inputs["text"] = prompt
        elif title.startswith("songflow negative"):
            inputs["text"] = negative
        for key in ("seed", "noise_seed"):
            if key in inputs and not isinstance(inputs[key], list):
                inputs[key] = seed
        if size and (title.startswith("songflow size") or node["class_type"] in SIZE_CLASSES):
            inputs["width"], inputs["height"] = size
        if frames is not None and title.startswith("songflow frames"):
            key = next((k for k in FRAME_INPUTS if k in inputs), None)
            if key is None:
                raise InputError(f"{workflow.path}: node {node_id} 'songflow frames' has none of the inputs {', '.join(FRAME_INPUTS)}")
            inputs[key] = frames
        if keyframe and title.startswith("songflow keyframe"):
            inputs["image"] = keyframe
        if audio and title.startswith("songflow audio"):
            inputs["audio"] = audio
        if last_frame and title.startswith("songflow last frame"):
            inputs["image"] = last_frame
    for node_id, name in zip(workflow.reference_nodes, references):
        graph[node_id]["inputs"]["image"] = name
    return graph


def pictures(client: ComfyUIClient, entry: dict, graph: dict, *, expect: int | None = None) -> tuple[list[Image.Image], float | None]:
    """The pictures a finished run saved, in node order: the frames of an animated file (with its
    fps) or each still of an image batch. An animation whose `expect` frames were all the same
    comes back as one picture (the encoder merges repeats): it is that picture `expect` times."""
    frames: list[Image.Image] = []
    fps = None
    for node_id in sorted(entry.get("outputs", {}), key=lambda k: (len(k), k)):
        output = entry["outputs"][node_id]
        if graph.get(node_id, {}).get("class_type") in ANIMATED_SAVERS:
            fps = float(graph[node_id]["inputs"].get("fps", 24))
        for item in output.get("images", []) + output.get("gifs", []):
            with Image.open(io.BytesIO(client.view(item))) as im:
                for frame in ImageSequence.Iterator(im):
                    # an animation encoder merges repeated frames into one longer frame
                    repeat = max(1, round(frame.info.get("duration", 0) * fps / 1000)) if fps and getattr(im, "is_animated", False) else 1
                    frames += [frame.convert("RGB")] * repeat
        if frames:
            if expect and fps and len(frames) == 1:
                frames *= expect
            break
    if not frames:
        raise ComfyUIError("the ComfyUI workflow saved no pictures (it needs a SaveImage or SaveAnimatedWEBP node)")
    return frames, fps


def _progress_reporter(what: str) -> Callable[[float], None] | None:
    """Progress into a Prefect progress artifact when called inside a task run."""
    try:
        from prefect.artifacts import create_progress_artifact, update_progress_artifact
        from prefect.context import TaskRunContext

        if TaskRunContext.get() is None:
            return None
        artifact = create_progress_artifact(0.0, description=what)
    except Exception:  # noqa: BLE001 - progress is a courtesy, never a failure
        return None
    last = [0.0]

    def report(fraction: float) -> None:
        if fraction - last[0] >= 0.05 or fraction >= 1.0:
            last[0] = fraction
            try:
                update_progress_artifact(artifact, 100.0 * fraction)
            except Exception:  # noqa: BLE001
                pass

    return report


class ComfyUIRenderer(Renderer):
    name = "comfyui"

    def __init__(self, rest: str, cfg: RenderConfig) -> None:
        self.url, self.workflow, self.with_references = parse(rest)
        self.capabilities = _still_capabilities(self.workflow, self.with_references)
        self.cfg = cfg
        self.client = ComfyUIClient(self.url)
        self._lock = threading.Lock()

    def render(
        self, shot: Shot, *, seed: int, width: int, height: int, style: StyleBible | None = None, references: Sequence[Image.Image] = ()
    ) -> Image.Image:
        with self._lock:
            workflow = self.with_references if references and self.with_references else self.workflow
            names = [self.client.upload(r, f"songflow-ref-{shot.index}-{i}-{uuid.uuid4().hex[:8]}.png") for i, r in enumerate(references)]
            size = (self.cfg.draw_width or width, self.cfg.draw_height or height)
            graph = fill(workflow, prompt=prompt_for(shot, style), negative=self.cfg.negative_prompt, seed=seed, size=size, references=names)
            _, entry = self.client.run(graph, _progress_reporter(f"ComfyUI: shot {shot.index}"))
            frames, _ = pictures(self.client, entry, graph)
        image = frames[0]
        return image if image.size == (width, height) else image.resize((width, height), Image.LANCZOS)


class ComfyUIMotion(Motion):
    name = "comfyui"

    def __init__(self, rest: str, cfg: RenderConfig) -> None:
        self.url, self.workflow, self.lip_sync = parse_motion(rest)
        self.capabilities = _motion_capabilities(self.workflow, self.lip_sync)
        self.cfg = cfg
        self.client = ComfyUIClient(self.url)
        self._lock = threading.Lock()

    def animate(
        self, shot: Shot, keyframe: Image.Image, *, frames: int, seed: int, style: StyleBible | None = None, audio=None, voice: ShotAudio | None = None,
        last: Image.Image | None = None,
    ) -> list[Image.Image]:
        """With `voice` (a lip-sync shot), the lip-sync workflow, the voice uploaded beside the
        keyframe; with `last`, the picture the clip ends on, where the workflow takes one."""
        size = (self.cfg.motion_width, self.cfg.motion_height) if self.cfg.motion_width and self.cfg.motion_height else None
        workflow = self.lip_sync if voice is not None and self.lip_sync is not None else self.workflow
        with self._lock:
            tag = f"{shot.index}-{uuid.uuid4().hex[:8]}"
            name = self.client.upload(keyframe, f"songflow-key-{tag}.png")
            heard = self.client.upload_file(wav_bytes(voice), f"songflow-voice-{tag}.wav", "audio/wav") if workflow is self.lip_sync else None
            ending = self.client.upload(last, f"songflow-last-{tag}.png") if last is not None and workflow.titled("songflow last frame") else None
            graph = fill(workflow, prompt=prompt_for(shot, style), negative=self.cfg.negative_prompt, seed=seed, size=size, frames=frames, keyframe=name,
                         audio=heard, last_frame=ending)
            _, entry = self.client.run(graph, _progress_reporter(f"ComfyUI: clip of shot {shot.index}"))
            made, _ = pictures(self.client, entry, graph, expect=frames)
        if len(made) != frames:
            raise ComfyUIError(f"the ComfyUI workflow made {len(made)} frames, not the {frames} asked for")
        return made
