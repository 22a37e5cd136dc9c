"""Write a private kustomize overlay that runs an overlay of k8s/ on real secrets.

    python deploy/make_secrets.py k8s/microservices ../shop-secrets
    kubectl apply -k ../shop-secrets

Every Secret of k8s/base and k8s/stores gets fresh random values (store
passwords, a token per internal edge, the admin password) that agree with each other,
and every app's ConfigMap gets ENVIRONMENT=production, so that an app refuses
to start on any development value left behind. The signing keys are not in
here: they live in the Secret jwt-signing-keys that is made by hand, in
development as in production (docs/deploy.md). Keep the output folder out of
version control. Apply it before the stores' first start: the databases take
their passwords then.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import yaml

K8S = Path(__file__).resolve().parents[1] / "k8s"
APPS = ("monolith", "users", "catalog", "cart", "orders", "payments", "gateway")
OWNERS = {"monolith": "shop", "users": "users", "orders": "orders", "payments": "payments"}


def password() -> str:
    """URL-safe, so that it needs no escaping inside a database URL."""
    return secrets.token_urlsafe(24)


def store_secrets() -> dict[str, dict[str, str]]:
    return {
        "postgres-secrets": {"POSTGRES_PASSWORD": password(),
                             **{f"{o.upper()}_DB_PASSWORD": password() for o in OWNERS.values()}},
        "mongodb-secrets": {"MONGO_INITDB_ROOT_USERNAME": "root",
                            "MONGO_INITDB_ROOT_PASSWORD": password(),
                            "CATALOG_DB_PASSWORD": password()},
        "redis-secrets": {"REDIS_PASSWORD": password()},
    }


def app_secrets(stores: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    postgres, redis = stores["postgres-secrets"], stores["redis-secrets"]["REDIS_PASSWORD"]
    catalog = stores["mongodb-secrets"]["CATALOG_DB_PASSWORD"]
    admin = password()
    # One token per internal edge, held by the caller and by the callee.
    cart_catalog, orders_catalog, orders_cart, orders_payments = (password() for _ in range(4))

    def database(app: str) -> str:
        owner = OWNERS[app]
        secret = postgres[f"{owner.upper()}_DB_PASSWORD"]
        return f"postgresql://{owner}:{secret}@postgres:5432/{owner}"

    issuer = {"ADMIN_PASSWORD": admin}
    return {
        "monolith-secrets": {"DATABASE_URL": database("monolith"), **issuer},
        "users-secrets": {"DATABASE_URL": database("users"), **issuer},
        "catalog-secrets": {"MONGODB_URL": f"mongodb://catalog:{catalog}@mongodb:27017/catalog",
                            "CART_CALLER_TOKEN": cart_catalog,
                            "ORDERS_CALLER_TOKEN": orders_catalog,
                            "EVENTS_REDIS_URL": f"redis://:{redis}@redis:6379/2"},
        "cart-secrets": {"REDIS_URL": f"redis://:{redis}@redis:6379/0",
                         "ORDERS_CALLER_TOKEN": orders_cart, "CATALOG_TOKEN": cart_catalog,
                         "EVENTS_REDIS_URL": f"redis://:{redis}@redis:6379/2"},
        "orders-secrets": {"DATABASE_URL": database("orders"), "CATALOG_TOKEN": orders_catalog,
                           "CART_TOKEN": orders_cart, "PAYMENTS_TOKEN": orders_payments,
                           "EVENTS_REDIS_URL": f"redis://:{redis}@redis:6379/2"},
        "payments-secrets": {"DATABASE_URL": database("payments"),
                             "ORDERS_CALLER_TOKEN": orders_payments},
        "gateway-secrets": {"REDIS_URL": f"redis://:{redis}@redis:6379/1",
                            "EVENTS_REDIS_URL": f"redis://:{redis}@redis:6379/2"},
    }


def patches(values: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
         "metadata": {"name": name, "namespace": "shopstack"}, "stringData": data}
        for name, data in values.items()]
    documents += [
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": f"{app}-config", "namespace": "shopstack"},
         "data": {"ENVIRONMENT": "production"}}
        for app in APPS]
    return documents


def write_private(path: Path, text: str) -> None:
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(text)


def write_overlay(overlay: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)
    stores = store_secrets()
    names = []
    for patch in patches({**stores, **app_secrets(stores)}):
        name = f"{patch['kind'].lower()}-{patch['metadata']['name']}.yaml"
        write_private(out / name, yaml.safe_dump(patch, sort_keys=False))
        names.append(name)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(overlay.resolve(), out.resolve())],
        "patches": [{"path": name} for name in names],
    }
    (out / "kustomization.yaml").write_text(
        "# Made by deploy/make_secrets.py: real secrets. Keep out of version control.\n"
        + yaml.safe_dump(kustomization, sort_keys=False))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python deploy/make_secrets.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("overlay", type=Path, help="k8s/monolith or k8s/microservices")
    parser.add_argument("out", type=Path, help="the folder to write (outside the repository)")
    args = parser.parse_args(argv)
    if not (args.overlay / "kustomization.yaml").is_file():
        parser.error(f"{args.overlay} is not a kustomize overlay")
    write_overlay(args.overlay, args.out)
    print(f"wrote {args.out}; now: kubectl apply -k {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
