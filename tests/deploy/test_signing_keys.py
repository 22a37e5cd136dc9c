"""No private key in the repository: the token issuers' signing keys live in one
Secret, jwt-signing-keys, that the user makes with one documented command before
`kubectl apply -k`; docker compose lets the issuers make development keys on a
volume of their own."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from chassis.tokens import load_private_key

Document = dict[str, Any]
ISSUERS = {"shopstack/monolith:dev": "monolith", "shopstack/users:dev": "users"}
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
SECRET = "jwt-signing-keys"


def deploy_doc(repo: Path) -> str:
    return (repo / "docs" / "deploy.md").read_text()


def create_secret_command(repo: Path) -> str:
    """The documented command that makes the Secret, its continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", deploy_doc(repo))
    [command] = {line.strip() for line in text.splitlines()
                 if f"create secret generic {SECRET}" in line}
    return command


def test_no_manifest_holds_the_hand_made_secrets(
        k8s_documents: list[tuple[Path, Document]],
        external_secrets: dict[str, tuple[str, ...]]) -> None:
    for path, doc in k8s_documents:
        assert (doc["kind"], doc["metadata"]["name"]) not in {
            ("Secret", name) for name in external_secrets}, path


def test_the_deploy_doc_gives_one_command_that_makes_every_key_the_pods_read(
        repo: Path, external_secrets: dict[str, tuple[str, ...]]) -> None:
    command = create_secret_command(repo)
    assert command.startswith("kubectl") and "--namespace shopstack" in command
    for key in external_secrets[SECRET]:
        assert f"--from-file={key}=<(openssl genpkey -algorithm ed25519)" in command, key


def test_the_deploy_doc_makes_the_secret_before_the_first_apply(repo: Path) -> None:
    text = deploy_doc(repo)
    walkthrough = text[text.index("### From an empty cluster"):]
    assert walkthrough.index(f"create secret generic {SECRET}") < walkthrough.index(
        "kubectl apply -k k8s/")


def test_the_documented_command_makes_a_key_the_issuers_accept(repo: Path) -> None:
    assert "openssl genpkey -algorithm ed25519" in create_secret_command(repo)
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to check the documented command"
    pem = subprocess.run([openssl, "genpkey", "-algorithm", "ed25519"], capture_output=True,
                         text=True, check=True, timeout=30).stdout
    assert load_private_key(pem).public_key()


def test_every_issuer_pod_reads_its_own_key_from_the_secret(
        pod_templates: list[Document]) -> None:
    seen = set()
    for template in pod_templates:
        for container in template["containers"]:
            issuer = ISSUERS.get(container["image"])
            copies_the_storefront = "/app/storefront/." in " ".join(container.get("command", []))
            if issuer and not copies_the_storefront:
                env = {v["name"]: v for v in container.get("env", [])}
                assert env["JWT_PRIVATE_KEY"]["valueFrom"] == {
                    "secretKeyRef": {"name": SECRET, "key": issuer}}, template["where"]
                seen.add((issuer, template["kind"]))
    assert seen == {(issuer, kind) for issuer in ISSUERS.values() for kind in ("Deployment", "Job")}


def test_no_private_key_is_kept_in_the_repository(repo: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=repo, capture_output=True, check=True, timeout=60).stdout
    offenders = []
    for name in filter(None, listed.decode().split("\0")):
        path = repo / name
        if path.is_file() and path.stat().st_size < 1_000_000:
            if PRIVATE_KEY.search(path.read_bytes().decode("utf-8", "replace")):
                offenders.append(name)
    assert offenders == []


def test_compose_keeps_each_issuers_development_key_on_a_volume_of_its_own(
        compose: Document) -> None:
    for issuer in ISSUERS.values():
        service = compose["services"][issuer]
        data_dir = service["environment"]["DATA_DIR"]
        volumes = [v for v in service.get("volumes", []) if v.endswith(f":{data_dir}")]
        assert volumes == [f"{issuer}-data:{data_dir}"], issuer
        assert "JWT_PRIVATE_KEY" not in service["environment"], issuer
