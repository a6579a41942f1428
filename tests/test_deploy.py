"""docker-compose.yml and the Dockerfile: validated here, since images cannot be pulled on this machine."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from complaints.config import Settings

ROOT = Path(__file__).parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def compose(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose (Debian package) is not installed; .ci/run installs it")
    return subprocess.run([exe, "-f", str(COMPOSE), *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_compose_file_is_valid_against_the_compose_schema():
    checked = compose("config", "-q")
    assert checked.returncode == 0, checked.stderr
    services = compose("config", "--services").stdout.split()
    assert set(services) == {"postgresql", "temporal", "temporal-ui", "worker", "codec"}


def test_workers_scale_and_are_configured_by_environment_only():
    spec = yaml.safe_load(COMPOSE.read_text())
    worker = spec["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker  # `--scale worker=N` needs both absent
    assert worker["command"] == ["python", "-m", "workers"]
    known = {name.upper() for name in Settings.model_fields}
    for name in ("worker", "codec"):
        env = spec["services"][name]["environment"]
        assert set(env) <= known, f"{name} sets variables the settings do not read: {set(env) - known}"
        assert env["TEMPORAL_ADDRESS"] == "temporal:7233" and env["DATABASE_URL"].startswith("postgresql://")
    ui = spec["services"]["temporal-ui"]["environment"]
    assert "TEMPORAL_CODEC_ENDPOINT" in ui


def test_the_codec_server_and_temporal_are_not_published_beyond_loopback_and_need_their_token():
    spec = yaml.safe_load(COMPOSE.read_text())
    for name in ("codec", "temporal"):
        assert all(str(p).startswith("127.0.0.1:") for p in spec["services"][name]["ports"]), name
    codec = spec["services"]["codec"]
    assert "codec_token" in codec["secrets"] and codec["environment"]["CODEC_TOKEN_FILE"] == "/run/secrets/codec_token"
    limits = yaml.safe_load((ROOT / "deploy" / "dynamicconfig.yaml").read_text())
    assert limits["history.maximumSignalsPerExecution"][0]["value"] == 2000


def test_dockerfile_copies_what_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = re.findall(r"^COPY (\S+)", dockerfile, flags=re.M)
    for path in copied:
        assert (ROOT / path).exists(), f"Dockerfile copies {path}, which does not exist"
    packaged = re.search(r"packages = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), flags=re.S).group(1)
    top_level = {p.strip().strip('"').split(".")[0] for p in packaged.split(",") if p.strip()}
    assert top_level <= set(copied), f"packages not copied into the image: {top_level - set(copied)}"
