"""The Dockerfiles, checked without a Docker engine: hadolint, the shape every image
shares (venv builder, non-root runtime, health check, exec-form gunicorn), and
every file they copy present in the build context."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

Document = dict[str, Any]
Instruction = tuple[str, str]
APP_UID = "10001"
RUNTIME_ENV = ["PATH=/opt/venv/bin:$PATH", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1",
               "HOST=0.0.0.0"]


def instructions(dockerfile: Path) -> list[Instruction]:
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def stages(dockerfile: Path) -> list[list[Instruction]]:
    """The instructions of each stage, the global ARGs before the first FROM left out."""
    result: list[list[Instruction]] = []
    for keyword, rest in instructions(dockerfile):
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, rest))
    return result


def arguments(stage: list[Instruction], keyword: str) -> list[str]:
    return [rest for k, rest in stage if k == keyword]


def test_hadolint_passes_on_every_dockerfile(deployables: dict[str, Document]) -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    dockerfiles = [str(d["dockerfile"]) for d in deployables.values()]
    run = subprocess.run([str(hadolint), *dockerfiles], capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_hadolint_exception_is_explained_by_a_comment(deployables: dict[str, Document]) -> None:
    for deployable in deployables.values():
        lines = deployable["dockerfile"].read_text().splitlines()
        for number, line in enumerate(lines):
            if "hadolint ignore" in line:
                reason = lines[number - 1].strip()
                assert reason.startswith("#") and "hadolint" not in reason, (
                    f"{deployable['dockerfile']}:{number + 1}")


def test_the_base_image_is_an_argument_and_both_stages_use_it(deployable: Document) -> None:
    [first, *_] = instructions(deployable["dockerfile"])
    assert first == ("ARG", "PYTHON_IMAGE=python:3.12-slim")
    builder, runtime = stages(deployable["dockerfile"])
    assert builder[0] == ("FROM", "${PYTHON_IMAGE} AS builder")
    assert runtime[0] == ("FROM", "${PYTHON_IMAGE}")


def test_the_builder_installs_the_pins_before_the_code_and_keeps_no_cache(
        deployable: Document) -> None:
    builder, _runtime = stages(deployable["dockerfile"])
    directory = deployable["directory"]
    copies = arguments(builder, "COPY")
    assert copies.index(f"{directory}/requirements.txt {directory}/requirements.txt") < (
        copies.index(f"{directory} {directory}"))
    installs = [run for run in arguments(builder, "RUN") if "pip install" in run]
    assert installs and all(
        run.count("pip install") == run.count("--no-cache-dir") for run in installs)
    assert any(f"-r {directory}/requirements.txt" in run for run in installs)
    assert any("--no-deps ./chassis" in run for run in installs)


def test_the_runtime_copies_the_venv_and_runs_as_a_fixed_non_root_user(
        deployable: Document) -> None:
    _builder, runtime = stages(deployable["dockerfile"])
    assert "--from=builder /opt/venv /opt/venv" in arguments(runtime, "COPY")
    assert arguments(runtime, "USER") == [f"{APP_UID}:{APP_UID}"]
    user_setup = " ".join(arguments(runtime, "RUN"))
    assert f"--gid {APP_UID}" in user_setup and f"--uid {APP_UID}" in user_setup
    assert not re.search(r"apt-get|gcc|build-essential|pip install", user_setup)


def test_the_runtime_sets_the_environment_and_exposes_the_port(deployable: Document) -> None:
    _builder, runtime = stages(deployable["dockerfile"])
    env = " ".join(arguments(runtime, "ENV")).split()
    assert set(RUNTIME_ENV) | {f"PORT={deployable['port']}"} <= set(env)
    assert arguments(runtime, "EXPOSE") == [str(deployable["port"])]
    assert not any(re.search(r"SECRET|PASSWORD|TOKEN|KEY", item.split("=")[0]) for item in env)


def test_the_health_check_asks_python_for_healthz(deployable: Document) -> None:
    _builder, runtime = stages(deployable["dockerfile"])
    [healthcheck] = arguments(runtime, "HEALTHCHECK")
    command = json.loads(healthcheck.split("CMD ", 1)[1])
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2]


def test_the_command_is_exec_form_gunicorn_on_files_the_image_has(
        deployable: Document, repo: Path) -> None:
    _builder, runtime = stages(deployable["dockerfile"])
    [command] = [json.loads(cmd) for cmd in arguments(runtime, "CMD")]
    assert command[:2] == ["gunicorn", "-c"]
    config = command[2].removeprefix("/app/")
    module, _, attribute = command[3].partition(":")
    assert attribute == "app"
    assert (repo / deployable["directory"] / (module.replace(".", "/") + ".py")).is_file()
    assert any(config in copy.split() for copy in arguments(runtime, "COPY")), config
    assert arguments(runtime, "WORKDIR") == ["/app"]


def copied_sources(stage: list[Instruction]) -> list[str]:
    sources = []
    for copy in arguments(stage, "COPY"):
        parts = copy.split()
        if not parts[0].startswith("--from"):
            sources += parts[:-1]
    return sources


def test_every_file_copied_exists_and_is_in_the_build_context(
        deployable: Document, repo: Path, dockerignore: Any) -> None:
    for stage in stages(deployable["dockerfile"]):
        for source in copied_sources(stage):
            assert (repo / source).exists(), f"{deployable['name']}: no {source}"
            assert not dockerignore(source), f"{deployable['name']}: .dockerignore drops {source}"


def test_the_build_context_leaves_out_local_state_tests_and_caches(dockerignore: Any) -> None:
    for path in [".venv/bin/python", ".git/HEAD", "var/monolith/shop.db", "tests/contract/x.py",
                 "services/users/tests/conftest.py", "chassis/chassis/__pycache__/a.pyc",
                 "gateway/.pytest_cache/v", "docs/deploy.md", "monolith/var/keys/k.pem"]:
        assert dockerignore(path), path
    for path in ["chassis/chassis/tokens.py", "data/seed/catalog.json", "contract/openapi.yaml"]:
        assert not dockerignore(path), path


def test_the_runtime_copies_every_file_the_deployable_reads_beside_its_package(
        deployable: Document, repo: Path) -> None:
    """Alembic files when the deployable has them, the seed and the contract when its
    code names them: the image keeps the checkout's layout, so the code finds them."""
    _builder, runtime = stages(deployable["dockerfile"])
    copied = set(copied_sources(runtime))
    directory = repo / deployable["directory"]
    needed = [f"{deployable['directory']}/{name}" for name in ("alembic.ini", "migrations",
                                                               "gunicorn.conf.py")
              if (directory / name).exists()]
    package = directory / deployable["settings"].split(".")[0]
    code = " ".join(path.read_text() for path in package.rglob("*.py"))
    needed += [path for marker, path in [("seed", "data/seed/catalog.json"),
                                         ("openapi.yaml", "contract/openapi.yaml")]
               if marker in code]
    assert set(needed) <= copied, deployable["name"]
