"""`python -m devstack run [monolith|microservices|all]`: the shop in the foreground.

Stores and URLs come from the environment (DATABASE_URL for the monolith;
USERS_DATABASE_URL, ORDERS_DATABASE_URL, PAYMENTS_DATABASE_URL, MONGODB_URL,
REDIS_URL for the microservices); whatever is unset runs embedded under
DATA_DIR (default ./var). Ctrl-C stops every process.
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
from devstack.stacks import Stack, StackSettings, monolith_specs


def settings_from_environment() -> StackSettings:
    env = os.environ
    return StackSettings(
        data_dir=Path(env.get("DATA_DIR", "var")).resolve(),
        admin_email=env.get("ADMIN_EMAIL", "admin@example.com"),
        admin_password=env.get("ADMIN_PASSWORD", "admin-dev-password"),
        web_concurrency=int(env.get("WEB_CONCURRENCY", "2")),
        monolith_port=int(env.get("MONOLITH_PORT", env.get("PORT", "8000"))),
        gateway_port=int(env.get("GATEWAY_PORT", "8080")),
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
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
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
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
