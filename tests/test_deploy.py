"""docker-compose.yml and the Dockerfile: validated here, since images cannot be pulled on this machine."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from complaints.config import Settings

ROOT = Path(__file__).parent.parent
COMPOSE = ROOT / "docker-compose.yml"


# What a bank's `.env` holds: its provider and the UI's client secret (compose refuses to start without them).
BANK_ENV = {"OIDC_ISSUER": "https://login.bank.example/realms/staff", "TEMPORAL_UI_CLIENT_SECRET": "from-the-vault",
            "CUSTOMER_PAGE_URL": "https://complaints.bank.example"}


def compose(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose (Debian package) is not installed; .ci/run installs it")
    return subprocess.run([exe, "-f", str(COMPOSE), *args], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, **(BANK_ENV if env is None else env)})


def test_compose_file_is_valid_against_the_compose_schema():
    checked = compose("config", "-q")
    assert checked.returncode == 0, checked.stderr
    services = compose("config", "--services").stdout.split()
    assert set(services) == {"postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
                             "prepare", "worker", "codec", "api", "prometheus", "grafana"}
    unset = compose("config", "-q", env={})
    assert unset.returncode != 0 and "OIDC_ISSUER" in unset.stderr  # no production shape without a provider


def test_the_ui_sits_behind_oidc_and_forwards_the_token_the_codec_server_checks():
    spec = yaml.safe_load(compose("config").stdout)
    ui = spec["services"]["temporal-ui"]["environment"]
    assert ui["TEMPORAL_AUTH_ENABLED"] == "true" and ui["TEMPORAL_AUTH_PROVIDER_URL"] == BANK_ENV["OIDC_ISSUER"]
    assert ui["TEMPORAL_CODEC_PASS_ACCESS_TOKEN"] == "true"
    raw = yaml.safe_load(COMPOSE.read_text())
    assert all(str(p).startswith("127.0.0.1:") for p in raw["services"]["temporal-ui"]["ports"])
    codec = spec["services"]["codec"]["environment"]
    assert codec["OIDC_ISSUER"] == BANK_ENV["OIDC_ISSUER"] and codec["UI_ORIGIN"] == "http://localhost:8080"
    api = spec["services"]["api"]
    assert api["command"][:2] == ["complaints", "api"] and "api_secret" in [s["source"] for s in api["secrets"]]
    roles = Settings(oidc_role_map=json.loads(api["environment"]["OIDC_ROLE_MAP"])).oidc_role_map
    assert set(roles.values()) == {"handler", "department_agent", "reviewer", "supervisor", "operator"}


def test_workers_scale_and_are_configured_by_environment_only():
    spec = yaml.safe_load(COMPOSE.read_text())
    worker = spec["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker  # `--scale worker=N` needs both absent
    assert worker["command"] == ["python", "-m", "workers"]
    known = {name.upper() for name in Settings.model_fields}
    for name in ("worker", "codec", "api"):
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


def test_temporal_runs_its_server_image_with_schemas_from_a_one_shot_admin_job():
    spec = yaml.safe_load(COMPOSE.read_text())["services"]
    assert spec["temporal"]["image"].startswith("temporalio/server:")  # not auto-setup, a starting point only
    assert spec["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    schema = (ROOT / "deploy" / "temporal" / "schema.sh").read_text()
    assert spec["temporal-schema"]["image"].startswith("temporalio/admin-tools:")
    assert schema.count("update-schema") == 2 and "visibility/versioned" in schema
    assert spec["prepare"]["depends_on"]["temporal-namespace"]["condition"] == "service_completed_successfully"
    for app in ("worker", "api"):
        assert "/readyz" in " ".join(spec[app]["healthcheck"]["test"])
    assert spec["worker"]["environment"]["WORKER_METRICS_PORT"] == "9464"


def test_prometheus_scrapes_every_worker_and_the_api_and_alerts_on_families_that_exist(engine):
    from prometheus_client import generate_latest

    from complaints import metrics

    prom = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in prom["scrape_configs"]}
    assert jobs["api"]["static_configs"][0]["targets"] == ["api:8000"]
    assert jobs["worker"]["dns_sd_configs"][0]["port"] == 9464
    ours = set(re.findall(r"^# TYPE (\w+)", generate_latest(metrics.registry(engine)).decode(), flags=re.M))
    ours |= {f"{n}_total" for n in ours} | {f"{n}_bucket" for n in ours}
    sdk = {"temporal_num_pollers", "temporal_workflow_task_schedule_to_start_latency_bucket",
           "temporal_sticky_cache_size"}  # seen on a worker's port (tests/test_operations.py)
    alerts = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    names = {r["alert"] for g in alerts["groups"] for r in g["rules"]}
    assert {"SlaBreachesRising", "OutboxGivingUp", "OutboxNotConfigured", "WorkerNotPolling",
            "ScheduleToStartSlow"} <= names
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "dashboards" / "complaints.json").read_text())
    exprs = [r["expr"] for g in alerts["groups"] for r in g["rules"]]
    exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {n for e in exprs for n in re.findall(r"\b((?:complaints|temporal)_\w+)", e)}
    assert used <= ours | sdk, used - ours - sdk
    titles = " ".join(p["title"] for p in dashboard["panels"])
    for watched in ("Open complaints", "SLA breaches", "schedule-to-start", "Outbox", "errors"):
        assert watched in titles


def test_the_workers_and_the_api_start_after_the_prepare_job_and_every_secret_is_one_init_makes():
    from complaints import keys

    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert services["prepare"]["command"] == ["complaints", "prepare"]
    assert services["prepare"]["depends_on"]["temporal-namespace"]["condition"] == "service_completed_successfully"
    for app in ("worker", "api"):
        assert services[app]["depends_on"]["prepare"]["condition"] == "service_completed_successfully"
    made = {s.name: s.path(Settings(data_dir=Path(".data"))) for s in keys.SECRETS}
    for name, secret in spec["secrets"].items():
        default = re.search(r":-([^}]+)\}", secret["file"]).group(1)
        assert name in made and Path(default).absolute() == made[name], name  # `complaints init` writes it
    # The transports come from .env into every process of ours (the workers deliver; /readyz reads them).
    for app in ("worker", "api", "codec", "prepare"):
        env = services[app]["environment"]
        assert {"SMTP_URL", "SMS_GATEWAY_URL", "APP_GATEWAY_URL"} <= set(env), app
    assert "gateway_secret" in services["worker"]["secrets"]
    # The customer's page: the workers make its links, the API texts its codes through the SMS gateway.
    for app in ("worker", "api"):
        assert services[app]["environment"]["CUSTOMER_PAGE_URL"].startswith("${CUSTOMER_PAGE_URL:?"), app
    assert "gateway_secret" in services["api"]["secrets"]
