"""Derive from docker-compose.yml a variant that runs on the host's network and stores.

    python deploy/hostnet_compose.py OUT [--port-offset 20000] [--mongodb-port 28017]
        [--database-prefix containers_] [--redis-db-base 13]
        [--env SERVICE:NAME=VALUE ...]

For machines whose Docker engine has no bridge network (``dockerd --bridge=none``)
and which run PostgreSQL and Redis themselves, with an ``nx-27017`` server as the
MongoDB stand-in (deploy/container-test.sh starts it). docker-compose.yml stays the
one description of the apps; this rewrites a parsed copy of it:

- the stores (postgres, mongodb, redis) go, and so does every ``depends_on`` on them;
  so do Prometheus, Grafana and Jaeger (the ``observability`` profile);
- every app and init service gets ``network_mode: host``, loses ``ports`` and
  ``build`` (the images are built beforehand), and listens on 127.0.0.1 only, on
  its compose port plus the offset (8000 -> 28000, 8080 -> 28080, 8101 -> 28101);
  an app on a Unix socket (the monolith and the gateway, behind their nginx) keeps
  it, and its nginx takes the port (monolith-nginx 8000 -> 28000);
- its store URLs point at the machine's own: PostgreSQL on 127.0.0.1:5432 (user
  ``postgres``, one database per owner, named with the prefix), Redis on
  127.0.0.1:6379 with a database number of its own (and the event broker,
  EVENTS_REDIS_URL, one more that its writers and readers share), nx-27017 on its port;
- every URL between the apps and every health check follows the new ports.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

COMPOSE_FILE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
STORES = {"postgres", "mongodb", "redis"}
# Prometheus, Grafana and Jaeger: not part of what the container test runs.
OBSERVABILITY_PROFILE = "observability"
HEALTH_PORT = re.compile(r"127\.0\.0\.1:(\d+)")
URL_BETWEEN_APPS = re.compile(r"http://(?P<host>[a-z][a-z0-9-]*):(?P<port>\d+)")

Service = dict[str, Any]


def own_ports(services: dict[str, Service]) -> dict[str, int]:
    """Each app's port in docker-compose.yml, read from its health check."""
    ports = {}
    for name, service in services.items():
        test = " ".join(service.get("healthcheck", {}).get("test") or [])
        found = HEALTH_PORT.search(test)
        if found and name not in STORES:
            ports[name] = int(found.group(1))
    return ports


# The one-shot services of an app: its init, and the copy of its storefront for nginx.
ONE_SHOT_SUFFIXES = ("-init", "-storefront")


def app_of(name: str, services: Iterable[str]) -> str:
    """The app a service runs: itself, or the app of a one-shot ``<app>-init`` (or
    ``<app>-storefront``)."""
    for suffix in ONE_SHOT_SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in services:
            return name.removesuffix(suffix)
    return name


class Rewriter:
    """Rewrites one service's settings for the host network."""

    def __init__(self, services: dict[str, Service], args: argparse.Namespace) -> None:
        self.ports, self.args = own_ports(services), args
        self.names = set(services)
        redis_apps = sorted({app_of(name, self.names) for name, service in services.items()
                             if "REDIS_URL" in (service.get("environment") or {})})
        self.redis_db = {app: args.redis_db_base + i for i, app in enumerate(redis_apps)}
        # The event broker is one database that its writers and readers share.
        self.events_db = args.redis_db_base + len(redis_apps)

    def port(self, app: str) -> int:
        return int(self.ports[app] + self.args.port_offset)

    def url_between_apps(self, match: re.Match[str]) -> str:
        host, port = match.group("host"), int(match.group("port"))
        if self.ports.get(host) != port:
            raise SystemExit(f"{match.group(0)}: no app {host} listens on {port}")
        return f"http://127.0.0.1:{self.port(host)}"

    def store_url(self, variable: str, value: str, app: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme.startswith("postgresql"):
            database = self.args.database_prefix + urlsplit(value).path.lstrip("/")
            return f"postgresql://postgres@127.0.0.1:5432/{database}"
        if scheme == "mongodb":
            return f"mongodb://127.0.0.1:{self.args.mongodb_port}/"
        if scheme == "redis":
            return f"redis://127.0.0.1:6379/{self.redis_db[app]}"
        raise SystemExit(f"{variable}={value}: not a store URL this script knows")

    def environment(self, name: str, env: dict[str, Any]) -> dict[str, str]:
        app = app_of(name, self.names)
        rewritten = {}
        for variable, value in env.items():
            text = str(value)
            if variable in ("DATABASE_URL", "MONGODB_URL", "REDIS_URL"):
                text = self.store_url(variable, text, app)
            elif variable == "EVENTS_REDIS_URL":
                text = f"redis://127.0.0.1:6379/{self.events_db}"
            rewritten[variable] = URL_BETWEEN_APPS.sub(self.url_between_apps, text)
        if app in self.ports:  # an app on a Unix socket has no port to move
            rewritten.update(HOST="127.0.0.1", PORT=str(self.port(app)))
        rewritten.update(self.args.overrides.get(app, {}))
        return rewritten

    def service(self, name: str, service: Service) -> Service:
        app = app_of(name, self.names)
        result = {key: value for key, value in service.items()
                  if key not in ("ports", "build", "networks", "depends_on")}
        result["network_mode"] = "host"
        result["environment"] = self.environment(name, service.get("environment", {}))
        depends_on = {target: rule for target, rule in service.get("depends_on", {}).items()
                      if target not in STORES}
        if depends_on:
            result["depends_on"] = depends_on
        healthcheck = service.get("healthcheck", {})
        if healthcheck.get("test") and app in self.ports:
            port = f"127.0.0.1:{self.port(app)}"
            result["healthcheck"] = {**healthcheck, "test": [
                HEALTH_PORT.sub(port, part) for part in healthcheck["test"]]}
        return result


def derive(compose: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    services = {name: service for name, service in compose["services"].items()
                if OBSERVABILITY_PROFILE not in service.get("profiles", [])}
    rewriter = Rewriter(services, args)
    derived = {name: rewriter.service(name, service) for name, service in services.items()
               if name not in STORES}
    used = {mount.split(":")[0] for s in derived.values() for mount in s.get("volumes", [])}
    volumes = {name: spec for name, spec in (compose.get("volumes") or {}).items()
               if name in used}
    # docker-compose 1.29 knows no top-level `name`: the run script passes -p instead.
    result: dict[str, Any] = {"services": derived}
    if volumes:
        result["volumes"] = volumes
    return result


class _Dumper(yaml.SafeDumper):
    """Writes shared values out in full: the derived file has no anchors to follow."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def parse_overrides(pairs: list[str]) -> dict[str, dict[str, str]]:
    overrides: dict[str, dict[str, str]] = {}
    for pair in pairs:
        app, _, assignment = pair.partition(":")
        variable, equals, value = assignment.partition("=")
        if not (app and variable and equals):
            raise SystemExit(f"--env {pair}: expected SERVICE:NAME=VALUE")
        overrides.setdefault(app, {})[variable] = value
    return overrides


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python deploy/hostnet_compose.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the compose file to write")
    parser.add_argument("--source", type=Path, default=COMPOSE_FILE)
    parser.add_argument("--port-offset", type=int, default=20000)
    parser.add_argument("--mongodb-port", type=int, default=28017)
    parser.add_argument("--database-prefix", default="containers_")
    parser.add_argument("--redis-db-base", type=int, default=13,
                        help="the first Redis database number; one per app that uses Redis")
    parser.add_argument("--env", action="append", default=[], metavar="SERVICE:NAME=VALUE",
                        help="set a variable of an app and of its init (repeatable)")
    args = parser.parse_args(argv)
    args.overrides = parse_overrides(args.env)
    derived = derive(yaml.safe_load(args.source.read_text()), args)
    args.out.write_text("# Derived from docker-compose.yml by deploy/hostnet_compose.py.\n"
                        + yaml.dump(derived, Dumper=_Dumper, sort_keys=False))


if __name__ == "__main__":
    main()
