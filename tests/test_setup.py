"""The two-command set-up and the production stack's description."""

import os
import shutil
import signal
import subprocess
import time
import urllib.request
import uuid

import pytest

from .conftest import closed_port
from .processes import NOT_INHERITED, processes_with_marker
from .worker_helpers import ROOT


@pytest.mark.slow
def test_make_run_serves_the_demo_and_ctrl_c_stops_everything(tmp_path):
    marker = f"TANDEM_SMOKE_{uuid.uuid4().hex}"
    port = closed_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update({marker: "1", "TANDEM_DATA_DIR": str(tmp_path), "PORT": str(port)})
    make = subprocess.Popen(
        ["make", "run", f"PORT={port}"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and make.poll() is None:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, "make run did not serve /healthz"
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5)
        assert login.status == 200
        time.sleep(2)  # let the worker and beat finish starting
        assert len(processes_with_marker(marker)) >= 4  # make, supervisor, web, worker, beat
    finally:
        # What a terminal does on Ctrl-C: SIGINT to the foreground process group.
        os.killpg(make.pid, signal.SIGINT)
        output, _ = make.communicate(timeout=60)
    assert "Demo ready" in output and "ada" in output and "tandem-demo" in output
    assert "Tandem stopped." in output
    deadline = time.monotonic() + 15
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert processes_with_marker(marker) == [], "processes were left running after Ctrl-C"
    assert (tmp_path / "tandem.sqlite3").exists()


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_describes_a_valid_production_stack(tmp_path):
    command = _compose_command()
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("docker compose (or docker-compose) is needed to validate docker-compose.yml in CI")
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run([*command, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for service in ("postgres", "redis", "web", "worker", "beat"):
        assert f"\n  {service}:" in result.stdout
    assert "healthcheck" in result.stdout and "postgres-data" in result.stdout
