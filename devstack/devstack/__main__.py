"""`python -m devstack run [monolith|microservices|all]`: the shop in the foreground.

Stores and URLs come from the environment (DATABASE_URL for the monolith;
USERS_DATABASE_URL, ORDERS_DATABASE_URL, PAYMENTS_DATABASE_URL, MONGODB_URL,
REDIS_URL for the microservices); whatever is unset runs embedded under
DATA_DIR (default ./var). Ctrl-C, SIGTERM or SIGHUP (a closed terminal) stops
every process; a launcher killed outright takes them down too (see
devstack.process). MONOLITH_PORT, GATEWAY_PORT, USERS_PORT ... PAYMENTS_PORT,
MONGODB_PORT and REDIS_PORT move what listens where.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import IO

from devstack.microservices import gateway_spec, service_specs, store_specs
from devstack.process import PortInUse
from devstack.stacks import SERVICE_PORTS, Stack, StackSettings, monolith_specs


def settings_from_environment() -> StackSettings:
    env = os.environ
    return StackSettings(
        data_dir=Path(env.get("DATA_DIR", "var")).resolve(),
        admin_email=env.get("ADMIN_EMAIL", "admin@example.com"),
        admin_password=env.get("ADMIN_PASSWORD", "admin-dev-password"),
        # Unset: each app's own default; set, the same count for every app.
        web_concurrency=int(env["WEB_CONCURRENCY"]) if env.get("WEB_CONCURRENCY") else None,
        monolith_port=int(env.get("MONOLITH_PORT", env.get("PORT", "8000"))),
        gateway_port=int(env.get("GATEWAY_PORT", "8080")),
        service_ports={name: int(env.get(f"{name.upper()}_PORT", port))
                       for name, port in SERVICE_PORTS.items()},
        mongodb_port=int(env.get("MONGODB_PORT", "27017")),
        redis_port=int(env.get("REDIS_PORT", "6380")),
        monolith_database_url=env.get("DATABASE_URL"),
        service_database_urls={name: env[f"{name.upper()}_DATABASE_URL"]
                               for name in ("users", "orders", "payments")
                               if env.get(f"{name.upper()}_DATABASE_URL")},
        mongodb_url=env.get("MONGODB_URL"),
        redis_url=env.get("REDIS_URL"),
    )


def build_stack(which: str, settings: StackSettings, sink: IO[str] = sys.stdout) -> Stack:
    apps, stores, urls = [], [], {}
    if which in ("monolith", "all"):
        apps += monolith_specs(settings)
        urls["monolith"] = settings.url(settings.monolith_port)
    if which in ("microservices", "all"):
        stores += store_specs(settings)
        apps += service_specs(settings) + [gateway_spec(settings)]
        urls["gateway"] = settings.url(settings.gateway_port)
    return Stack(which, stores, apps, urls, sink)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("which", nargs="?", default="all",
                        choices=["all", "monolith", "microservices"])
    args = parser.parse_args()
    stack = build_stack(args.which, settings_from_environment())
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    print(f"starting {args.which} ...", flush=True)
    try:
        stack.start()
        for name, url in stack.urls.items():
            print(f"ready: {name:<9} {url}   (docs: {url}/docs)", flush=True)
        print("Ctrl-C stops everything.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except PortInUse as taken:
        print(f"not started: {taken}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()
    return 0


def _exit_on_signal(signum: int, _frame: object) -> None:
    """Leave through ``finally`` (which stops the stack); later signals wait for that."""
    for other in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(other, signal.SIG_IGN)
    print(f"{signal.Signals(signum).name}: stopping ...", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    sys.exit(main())
