"""The Docker and Kubernetes work-pool files in docs/deploy/, checked by a real Prefect server.

Neither Docker nor Kubernetes runs here, so no container is started: the server checks what it
can. It creates the pools (the Kubernetes one from docs/deploy/kubernetes-gpu-template.json), and
`prefect deploy` sends each file's job variables, which the server validates against its pool's
template (a wrong type is refused, as the last test shows). The Kubernetes Job manifest a worker
would submit is then rendered from the template and the deployment's variables, with Prefect's own
templating, and must ask for the GPU and mount the shared volume."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).parents[1]
DEPLOY = REPO / "docs" / "deploy"
PREFECT = Path(sys.executable).parent / "prefect"


def prefect(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PREFECT), "--no-prompt", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def pools(prefect_api, tmp_path_factory):
    env = {**os.environ, "PREFECT_API_URL": prefect_api["url"], "PREFECT_HOME": str(tmp_path_factory.mktemp("deploy-home"))}
    for args in (("songflow-docker", "--type", "docker"),
                 ("songflow-k8s", "--type", "kubernetes", "--base-job-template", str(DEPLOY / "kubernetes-gpu-template.json"))):
        done = prefect(env, "work-pool", "create", *args, "--overwrite")
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return env


def deployment(name: str) -> dict:
    """The stored deployment's job variables and its pool's base job template (this process's
    client reports to the session's server: the prefect_api fixture)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        d = client.read_deployment_by_name(name)
        return {"job_variables": d.job_variables, "template": client.read_work_pool(d.work_pool_name).base_job_template}


@pytest.mark.parametrize("name", ["docker", "kubernetes"])
def test_the_deployment_file_is_accepted_as_written(pools, name):
    path = DEPLOY / f"{name}.yaml"
    done = prefect(pools, "deploy", "--all", "--prefect-file", str(path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    spec = yaml.safe_load(path.read_text())["deployments"][0]
    stored = deployment(f"songflow/{spec['name']}")
    assert stored["job_variables"] == spec["work_pool"]["job_variables"]
    env = stored["job_variables"]["env"]
    assert env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30" and env["PREFECT_LOCAL_STORAGE_PATH"].startswith("/shared/")


def test_the_kubernetes_job_asks_for_a_gpu_and_mounts_the_shared_volume(pools):
    from prefect.utilities.templating import apply_values

    done = prefect(pools, "deploy", "--all", "--prefect-file", str(DEPLOY / "kubernetes.yaml"))
    assert done.returncode == 0, done.stderr[-2000:]
    stored = deployment("songflow/songflow-k8s")
    template = stored["template"]
    values = {k: v["default"] for k, v in template["variables"]["properties"].items() if "default" in v}
    values.update(stored["job_variables"])
    job = apply_values(template["job_configuration"], values)["job_manifest"]
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["image"] == "registry.example.com/songflow:latest" and job["metadata"]["namespace"] == "songflow"
    assert container["volumeMounts"] == [{"name": "shared", "mountPath": "/shared"}]
    assert pod["volumes"] == [{"name": "shared", "persistentVolumeClaim": {"claimName": "songflow-shared"}}]


def test_a_wrong_job_variable_is_refused(pools, tmp_path):
    spec = yaml.safe_load((DEPLOY / "docker.yaml").read_text())
    spec["deployments"][0]["name"] = "songflow-wrong"
    spec["deployments"][0]["work_pool"]["job_variables"]["volumes"] = "/shared:/shared"  # a string, not a list
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump(spec))
    done = prefect(pools, "deploy", "--all", "--prefect-file", str(wrong))
    assert done.returncode != 0
    assert "Validation failed for field 'volumes'" in done.stdout + done.stderr


def test_the_gpu_video_deployments_hold_one_pipeline_per_gpu_with_valid_settings(pools):
    """docs/deploy/gpu-video.yaml: one deployment per card class (24, 80, 141 GB), each a pod with one
    GPU and host memory for the offloaded components, whose songflow settings are valid ones."""
    from prefect.utilities.templating import apply_values

    from songflow.core.config import from_env

    path = DEPLOY / "gpu-video.yaml"
    done = prefect(pools, "deploy", "--all", "--prefect-file", str(path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    specs = yaml.safe_load(path.read_text())["deployments"]
    assert [s["name"] for s in specs] == ["songflow-video-24gb", "songflow-video-80gb", "songflow-video-141gb"]
    for spec in specs:
        stored = deployment(f"songflow/{spec['name']}")
        assert stored["job_variables"] == spec["work_pool"]["job_variables"]
        template = stored["template"]
        values = {k: v["default"] for k, v in template["variables"]["properties"].items() if "default" in v}
        values.update(stored["job_variables"])
        container = apply_values(template["job_configuration"], values)["job_manifest"]["spec"]["template"]["spec"]["containers"][0]
        assert container["resources"]["limits"]["nvidia.com/gpu"] == 1 and container["resources"]["requests"]["memory"] == "64Gi"
        params = spec["parameters"]
        cfg = from_env(params["preset"], settings=params["settings"], renderer=params["renderer"], motion=params["motion"])
        assert cfg.render.motion == params["motion"] and cfg.render.motion_width % 16 == 0 and cfg.render.motion_height % 16 == 0
    render = {s["name"]: from_env("default", settings=s["parameters"]["settings"]).render for s in specs}
    assert {k: (r.offload, r.motion_continuity) for k, r in render.items()} == {
        "songflow-video-24gb": (True, False), "songflow-video-80gb": (True, True), "songflow-video-141gb": (False, False)}
