"""The deploy artefacts (deploy/), validated offline: no registry, no cluster, no Docker daemon.

* ``deploy/compose.yaml`` against the Compose Specification's JSON schema, the copy check-jsonschema
  vendors (``check_jsonschema/builtin_schemas/vendor/compose-spec.json``, Apache-2.0, from
  github.com/compose-spec/compose-spec), read from the installed package: nothing is fetched.
* ``deploy/k8s/`` with kubernetes-validate (the Kubernetes OpenAPI schemas it ships, strict: unknown fields
  are errors) for two Kubernetes versions; rendered with ``kubectl kustomize`` too when kubectl is there.
* ``deploy/Dockerfile``: hadolint is not available here, so a structural check of what a reviewer
  would ask: stages, pinned bases, the constraints file, a non-root final user, no secret in the image.

Then what the schemas cannot say: every Deployment has probes and resources, one beat, a migrate step
that runs ``migrate_schemas`` and ``settings.DEPLOY_COMMANDS``, no ``:latest``, and every environment
name the artefacts set is one the code reads (``config/``), so a misspelt variable fails here and not
silently in production. Each validator is also shown a broken document, so these tests can fail.
"""

from __future__ import annotations

import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
# kubernetes-validate 1.37 knows 1.25 to 1.37: an older release still run by providers, and a recent one.
K8S_VERSIONS = ("1.30.0", "1.34.0")
# Read by the processes themselves, not by config/: gunicorn's worker count.
PROCESS_ENV = frozenset({"WEB_CONCURRENCY"})
APP_SERVICES = ("migrate", "web", "worker", "beat")
PINNED_IMAGE = re.compile(r"^[a-z0-9./_-]+:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]*)(@sha256:[0-9a-f]{64})?$")
_ENV_READ = re.compile(
    r"""\b\w*env\w*(?:\.(?:get|setdefault))?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|environ\[\s*["']([A-Z][A-Z0-9_]*)["']"""
)


# --- Shared readers ---


@cache
def code_env_names() -> frozenset[str]:
    """Every environment name config/ reads: os.environ.get/[]/setdefault, os.getenv, env_bool, env_list."""
    names: set[str] = set()
    for path in (ROOT / "config").rglob("*.py"):
        for match in _ENV_READ.finditer(path.read_text()):
            names.add(match.group(1) or match.group(2))
    return frozenset(names)


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def k8s_files() -> list[str]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]


@cache
def k8s_documents() -> tuple[dict[str, Any], ...]:
    documents: list[dict[str, Any]] = []
    for name in k8s_files():
        documents += [doc for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]
    return tuple(documents)


def k8s_objects(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in k8s_documents() if doc["kind"] == kind}


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def only_container(workload: dict[str, Any]) -> dict[str, Any]:
    (container,) = pod_spec(workload)["containers"]
    return container


def manage_commands(script: str) -> list[str]:
    """The management commands a shell line runs, in order: ``python manage.py NAME ...``."""
    return re.findall(r"manage\.py\s+([a-z_]+)", script)


def expected_deploy_commands() -> list[str]:
    return ["migrate_schemas", *settings.DEPLOY_COMMANDS]


def resolve_default(image: str) -> str:
    """``${IKD_IMAGE:-registry/app:1.0}`` -> its default, the image compose uses when nothing is set."""
    match = re.fullmatch(r"\$\{\w+:-([^}]+)\}", image)
    return match.group(1) if match else image


def assert_pinned(image: str, where: str) -> None:
    match = PINNED_IMAGE.match(image)
    assert match, f"{where}: image {image!r} has no explicit tag"
    assert match["tag"] != "latest", f"{where}: image {image!r} uses :latest"


def test_the_env_reader_finds_the_settings_names() -> None:
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_DOMAIN", "REDIS_CACHE_DB"} <= code_env_names()
    assert {"TRUSTED_PROXY_COUNT", "EMAIL_BACKEND", "IKD_DATA_DIR"} <= code_env_names()


# --- Compose ---


@cache
def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(
        files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in compose_validator().iter_errors(document)
    ]


def test_compose_file_matches_the_compose_specification() -> None:
    assert schema_errors(compose()) == []


def test_compose_schema_rejects_a_broken_file() -> None:
    broken = {"services": {"web": {"image": "x:1", "depends_on": {"db": {"condition": "whenever"}}}}}
    assert any("depends_on" in error for error in schema_errors(broken))
    assert schema_errors({"services": {"web": {"image": "x:1", "helthcheck": {}}}})


def test_compose_has_the_one_server_services() -> None:
    services = compose()["services"]
    assert set(services) == {"nginx", "web", "worker", "beat", "migrate", "postgres", "redis"}
    assert services["postgres"]["image"].startswith("postgres:15.")
    assert services["redis"]["image"].startswith("redis:7.")
    for name, service in services.items():
        assert_pinned(resolve_default(service["image"]), f"compose service {name}")
        if name != "migrate":
            assert "healthcheck" in service, f"compose service {name} has no healthcheck"
            assert service.get("restart") == "unless-stopped", name


def test_compose_app_services_wait_for_the_migrate_service() -> None:
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert manage_commands(" ".join(services["migrate"]["command"])) == expected_deploy_commands()
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_runs_exactly_one_beat_and_workers_without_beat() -> None:
    services = compose()["services"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    worker = services["worker"]["command"]
    assert worker[:4] == ["celery", "-A", "config", "worker"]
    assert "--beat" not in worker
    assert "-B" not in worker


def test_compose_app_services_share_one_image_run_unprivileged_and_read_their_env_file() -> None:
    services = compose()["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        service = services[name]
        assert service["env_file"] == [{"path": "./ikd.env", "required": True}], name
        assert service["user"] == "10001:10001", name
        assert service["read_only"] is True, name
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
        assert "ports" not in service, f"{name} must be reached through nginx only"
        unknown = set(service.get("environment", {})) - code_env_names() - PROCESS_ENV
        assert not unknown, f"compose service {name} sets variables nothing reads: {sorted(unknown)}"
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"


def test_compose_env_example_names_exist_and_hold_no_secret() -> None:
    lines = (DEPLOY / "compose.env.example").read_text().splitlines()
    pairs = dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    assert set(pairs) - code_env_names() == set()
    assert "CHANGE-ME" in pairs["SECRET_KEY"]
    assert "CHANGE-ME" in pairs["DATABASE_URL"]


def test_compose_mounts_existing_files_and_nginx_keeps_the_proxy_rules() -> None:
    nginx = compose()["services"]["nginx"]
    assert "./nginx/compose.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert (DEPLOY / "nginx" / "compose.conf").is_file()
    conf = (DEPLOY / "nginx" / "compose.conf").read_text()
    assert "server web:8000" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header Host $host;" in conf
    # The access log's redaction is the one of deploy/nginx.conf, not a weaker copy.
    original = (DEPLOY / "nginx.conf").read_text()
    redaction = re.search(r"map \$request_uri \$ikd_logged_uri \{.*?\n\}", original, re.S)
    assert redaction
    assert redaction.group(0) in conf


def test_compose_bind_mounts_exist_except_the_operators_own_files() -> None:
    operator_provided = {"./tls", "./ikd.env", "./secrets/postgres_password", "./secrets/ikd_db_password"}
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./") and source not in operator_provided:
                assert (DEPLOY / source).exists(), f"compose service {name} mounts missing {source}"
    for secret in compose()["secrets"].values():
        assert secret["file"] in operator_provided


def test_compose_app_connects_as_the_database_owner_not_a_superuser() -> None:
    postgres = compose()["services"]["postgres"]
    superuser = postgres["environment"].get("POSTGRES_USER", "postgres")
    example = (DEPLOY / "compose.env.example").read_text()
    url = re.search(r"^DATABASE_URL=postgresql://(\w+):", example, re.M)
    assert url
    assert url.group(1) == "ikd"
    assert superuser != "ikd"
    init = "./postgres/init-app-role.sh:/docker-entrypoint-initdb.d/10-init-app-role.sh:ro"
    assert init in postgres["volumes"]
    script = (DEPLOY / "postgres" / "init-app-role.sh").read_text()
    assert "CREATE ROLE ikd LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';" in script
    assert "CREATE DATABASE ikd OWNER ikd;" in script


@pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None, reason="nginx or openssl not installed"
)
def test_nginx_accepts_the_compose_config(tmp_path: Path) -> None:
    """``nginx -t`` on deploy/nginx/compose.conf inside an http block, as the nginx image includes it; the
    upstream's host and the certificate paths point at this machine, everything else is the file."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=ikd.example.go.id",
         "-days", "1", "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    conf = (DEPLOY / "nginx" / "compose.conf").read_text()
    conf = conf.replace("server web:8000", "server 127.0.0.1:8000").replace("/etc/nginx/tls", str(tmp_path))
    (tmp_path / "ikd.conf").write_text(conf)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n  include {tmp_path}/ikd.conf;\n}}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


# --- Kubernetes ---


def test_every_manifest_file_is_in_the_kustomization() -> None:
    on_disk = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk == set(k8s_files())


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_manifests_validate_against_the_kubernetes_schemas(version: str) -> None:
    for doc in k8s_documents():
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_kubernetes_validator_rejects_broken_manifests() -> None:
    web = json.loads(json.dumps(k8s_objects("Deployment")["ikd-web"]))
    web["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, K8S_VERSIONS[-1], strict=True)
    web = json.loads(json.dumps(k8s_objects("Deployment")["ikd-web"]))
    web["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, K8S_VERSIONS[-1], strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (for kustomize) is not installed")
def test_kustomize_renders_the_same_objects_with_the_pinned_image() -> None:
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in rendered) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in k8s_documents()
    )
    for doc in rendered:
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)


def test_manifests_have_every_part_and_no_secret_values() -> None:
    kinds = {(doc["apiVersion"], doc["kind"]) for doc in k8s_documents()}
    assert {
        ("v1", "Namespace"),
        ("v1", "ConfigMap"),
        ("apps/v1", "Deployment"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("batch/v1", "Job"),
        ("policy/v1", "PodDisruptionBudget"),
        ("v1", "Service"),
        ("networking.k8s.io/v1", "Ingress"),
    } <= kinds
    assert ("v1", "Secret") not in kinds
    assert set(k8s_objects("Deployment")) == {"ikd-web", "ikd-worker", "ikd-beat"}
    assert {doc["metadata"].get("namespace") for doc in k8s_documents() if doc["kind"] != "Namespace"} == {
        "ikd"
    }


def workloads() -> dict[str, dict[str, Any]]:
    return {**k8s_objects("Deployment"), **k8s_objects("Job")}


def test_every_workload_reads_config_and_secret_and_runs_one_pinned_image() -> None:
    images = set()
    for name, workload in workloads().items():
        container = only_container(workload)
        assert container["envFrom"] == [
            {"configMapRef": {"name": "ikd-config"}},
            {"secretRef": {"name": "ikd-secrets"}},
        ], name
        assert_pinned(container["image"], name)
        images.add(container["image"])
        unknown = {item["name"] for item in container.get("env", [])} - code_env_names() - PROCESS_ENV
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"
    assert len(images) == 1
    config = k8s_objects("ConfigMap")["ikd-config"]["data"]
    assert set(config) - code_env_names() == set(), "ConfigMap keys nothing reads"
    assert not {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST_PASSWORD"} & set(config)


def test_every_workload_runs_as_non_root_on_a_read_only_root() -> None:
    for name, workload in workloads().items():
        pod = pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 10001, name
        assert pod["automountServiceAccountToken"] is False, name
        context = only_container(workload)["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["capabilities"]["drop"] == ["ALL"], name
        mounts = {mount["mountPath"] for mount in only_container(workload)["volumeMounts"]}
        assert "/tmp" in mounts, f"{name}: nothing writable at /tmp"


def test_every_deployment_has_probes_and_resources() -> None:
    for name, deployment in k8s_objects("Deployment").items():
        container = only_container(deployment)
        assert "livenessProbe" in container, f"{name} has no liveness probe"
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), name
        assert "memory" in resources["limits"], name
    migrate = only_container(k8s_objects("Job")["ikd-migrate"])
    assert {"cpu", "memory"} <= set(migrate["resources"]["requests"])


def test_web_probes_use_healthz_and_readyz_with_the_served_host() -> None:
    web = only_container(k8s_objects("Deployment")["ikd-web"])
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    base_domain = k8s_objects("ConfigMap")["ikd-config"]["data"]["BASE_DOMAIN"]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert web[probe]["httpGet"]["httpHeaders"] == [{"name": "Host", "value": base_domain}], probe
    ingress = k8s_objects("Ingress")["ikd"]["spec"]
    assert [rule["host"] for rule in ingress["rules"]] == [base_domain, f"*.{base_domain}"]
    assert ingress["tls"][0]["hosts"] == [base_domain, f"*.{base_domain}"]
    origins = k8s_objects("ConfigMap")["ikd-config"]["data"]["CSRF_TRUSTED_ORIGINS"].split(",")
    assert sorted(origins) == sorted([f"https://*.{base_domain}", f"https://{base_domain}"])


def test_web_scales_on_cpu_and_keeps_serving_through_rollouts_and_drains() -> None:
    (hpa,) = k8s_objects("HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ikd-web"}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    web = k8s_objects("Deployment")["ikd-web"]
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert "cpu" in only_container(web)["resources"]["requests"]  # the HPA's utilisation is against it


def test_disruption_budgets_and_service_select_the_pods() -> None:
    deployments = k8s_objects("Deployment")
    budgets = {
        doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]: doc
        for doc in k8s_objects("PodDisruptionBudget").values()
    }
    assert set(budgets) == {"web", "worker"}
    for component, budget in budgets.items():
        labels = deployments[f"ikd-{component}"]["spec"]["template"]["metadata"]["labels"]
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert budget["spec"]["minAvailable"] < deployments[f"ikd-{component}"]["spec"]["replicas"]
    service = k8s_objects("Service")["ikd-web"]
    web_labels = deployments["ikd-web"]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= web_labels.items()


def test_one_beat_recreated_and_workers_without_beat() -> None:
    deployments = k8s_objects("Deployment")
    beat = deployments["ikd-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert only_container(beat)["command"][:4] == ["celery", "-A", "config", "beat"]
    assert "ikd-beat" not in k8s_objects("HorizontalPodAutoscaler")
    worker = " ".join(only_container(deployments["ikd-worker"])["command"]).split()
    start = worker.index("celery")
    assert worker[start - 1 : start + 4] == ["exec", "celery", "-A", "config", "worker"]
    assert "--beat" not in worker
    assert "-B" not in worker


def test_migrate_job_runs_migrate_schemas_then_the_deploy_commands() -> None:
    job = k8s_objects("Job")["ikd-migrate"]
    container = only_container(job)
    assert container["command"][:2] == ["sh", "-c"]
    assert container["command"][2].startswith("set -e;")
    assert manage_commands(container["command"][2]) == expected_deploy_commands()
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"


# --- Dockerfile ---


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, (INSTRUCTION, arguments), continuation lines joined, per stage."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        assert stages, "instruction before the first FROM"
        stages[-1].append((instruction.upper(), " ".join(arguments.split())))
    return stages


def instructions(stage: list[tuple[str, str]], name: str) -> list[str]:
    return [arguments for instruction, arguments in stage if instruction == name]


def test_dockerfile_is_multi_stage_from_a_pinned_slim_base() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    for stage in stages:
        (base,) = instructions(stage, "FROM")
        image = base.split()[0]
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", image), image
    final = stages[-1]
    builder = instructions(stages[0], "FROM")[0].split()[-1]
    assert any(f"--from={builder}" in copy for copy in instructions(final, "COPY"))
    assert not any("build-essential" in run for run in instructions(final, "RUN")), "compilers in runtime"


def test_dockerfile_installs_the_pinned_dependencies() -> None:
    runs = " ".join(instructions(dockerfile_stages()[0], "RUN"))
    assert "pip install" in runs
    assert "-c requirements/constraints.txt" in runs
    pinned = {
        re.split(r"==", line)[0].strip().lower().replace("_", "-").replace(".", "-")
        for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    import tomllib

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[\[<>=!~ ;]", dep, maxsplit=1)[0].lower().replace("_", "-") for dep in dependencies}
    assert names - pinned == set(), "runtime dependencies without a pin in requirements/constraints.txt"


def test_dockerfile_final_stage_runs_gunicorn_as_a_non_root_user_with_a_healthcheck() -> None:
    final = dockerfile_stages()[-1]
    users = instructions(final, "USER")
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user.isdigit(), f"USER {users[-1]} must be numeric (runAsNonRoot can only verify a number)"
    assert int(user) != 0, f"USER {users[-1]} is root"
    names = [instruction for instruction, _ in final]
    assert names.index("USER") > max(i for i, name in enumerate(names) if name == "RUN"), "RUN after USER"
    (healthcheck,) = instructions(final, "HEALTHCHECK")
    assert "/healthz" in healthcheck
    (command,) = instructions(final, "CMD")
    assert json.loads(command)[0] == "gunicorn"
    assert any("collectstatic" in run for run in instructions(final, "RUN"))


def test_dockerfile_bakes_in_no_secret() -> None:
    secret = re.compile(r"SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL|STRIPE", re.I)
    for stage in dockerfile_stages():
        for name in ("ENV", "ARG"):
            for arguments in instructions(stage, name):
                assert not secret.search(arguments), f"{name} {arguments}"
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".git", ".venv", ".ikd", "**/*.env", "deploy/secrets", "deploy/tls"} <= set(ignored)
    assert not {"deploy", "deploy/probe.py", "manage.py", "config"} & set(ignored)  # needed in the image


def test_gunicorn_config_keeps_the_systemd_units_flags_and_empties_the_metrics_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("ikd_gunicorn_conf", DEPLOY / "gunicorn.conf.py")
    assert spec
    assert spec.loader
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    unit = (DEPLOY / "ikd-web.service").read_text()
    assert f"--timeout {conf.timeout} " in unit
    assert f"--logger-class {conf.logger_class}" in unit
    assert conf.worker_tmp_dir == "/dev/shm"
    metrics = tmp_path / "prometheus"
    metrics.mkdir()
    (metrics / "counter_123.db").write_bytes(b"stale")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics))
    conf.on_starting(None)
    assert metrics.is_dir()
    assert list(metrics.iterdir()) == []


# --- deploy/probe.py, the images' health checks ---


def load_probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ikd_deploy_probe", DEPLOY / "probe.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def host_checking_server() -> Iterator[int]:
    """An HTTP server answering 200 on /healthz only for Host: probe.example (as the app's host check)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/healthz" and self.headers["Host"] == "probe.example"
            self.send_response(200 if ok else 400)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_http_probe_sends_the_base_domain_as_host(
    host_checking_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = load_probe()
    monkeypatch.setenv("BASE_DOMAIN", "probe.example")
    assert probe.check_http("/healthz", host_checking_server, 5)[0] is True
    assert probe.check_http("/missing", host_checking_server, 5) == (False, "/missing: 400")
    monkeypatch.setenv("BASE_DOMAIN", "other.example")
    assert probe.check_http("/healthz", host_checking_server, 5)[0] is False


def test_beat_probe_fails_on_a_stale_or_missing_schedule(tmp_path: Path) -> None:
    probe = load_probe()
    schedule = tmp_path / "celerybeat-schedule"
    assert probe.check_beat(str(schedule), 900)[0] is False
    written = tmp_path / "celerybeat-schedule.db"
    written.write_bytes(b"x")
    assert probe.check_beat(str(schedule), 900)[0] is True
    old = time.time() - 1000
    os.utime(written, (old, old))
    assert probe.check_beat(str(schedule), 900)[0] is False
