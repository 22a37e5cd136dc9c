"""Start nginx in front of one shop: fill in its configuration from the environment.

    python3 render.py            # render into RUN_DIR/conf, then exec nginx on it
    python3 render.py --check    # render, then `nginx -t` on it

The image's entrypoint (deploy/nginx/Dockerfile). Each ``*.template`` file beside
this one is written to ``RUN_DIR/conf`` with its ``@NAME@`` markers replaced, on a
writable volume, since the root filesystem is read-only. Every value is checked
before it goes into the configuration:

    SERVED_BY            monolith or gateway: X-Served-By on what nginx answers itself
    HOST, PORT           where nginx listens (default 0.0.0.0:8080)
    APP_SOCKET           the app's Unix socket (default /run/shop/app.sock)
    STOREFRONT_DIR       the storefront's files (default /srv/storefront)
    MAX_BODY_BYTES       the largest body passed on, as the app's own bound (default 1 MiB)
    FORWARDED_ALLOW_IPS  proxies in front whose X-Forwarded-For counts (none by default;
                         addresses or networks, comma-separated; ``*`` is refused)
    WORKER_PROCESSES     nginx workers (default 1)
    RUN_DIR              pid file, temporary files, rendered configuration (default /tmp/nginx)
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent
MARKER = re.compile(r"@([A-Z_]+)@")
NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")
PATH = re.compile(r"/[A-Za-z0-9._/-]{1,200}")
TEMP_DIRS = ("client-body", "proxy", "fastcgi", "uwsgi", "scgi")


class SettingError(ValueError):
    """A value of the environment that cannot go into the configuration."""


def _path(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    if not PATH.fullmatch(value) or "/../" in f"{value}/":
        raise SettingError(f"{name}={value!r}: an absolute path of [A-Za-z0-9._/-]")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> str:
    value = env.get(name) or str(default)
    if not value.isdigit() or not low <= int(value) <= high:
        raise SettingError(f"{name}={value!r}: a whole number from {low} to {high}")
    return str(int(value))


def _host(env: Mapping[str, str]) -> str:
    value = env.get("HOST") or "0.0.0.0"
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise SettingError(f"HOST={value!r}: an IP address") from None
    return f"[{address}]" if address.version == 6 else str(address)


def trusted_proxies(value: str) -> list[str]:
    """FORWARDED_ALLOW_IPS as the apps read it (chassis.settings): no ``*``."""
    networks = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        if entry == "*":
            raise SettingError("FORWARDED_ALLOW_IPS: name the proxies' addresses or networks, "
                               "not '*'")
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            raise SettingError(f"FORWARDED_ALLOW_IPS: {entry!r} is no address or network") \
                from None
    return networks


def real_ip_block(networks: list[str]) -> str:
    """The realip module's directives: the client is who a trusted proxy says it is."""
    if not networks:
        return "    # No proxy in front is trusted: the client is the peer nginx sees.\n"
    lines = [f"    set_real_ip_from {network};" for network in networks]
    lines += ["    real_ip_header X-Forwarded-For;", "    real_ip_recursive on;"]
    return "\n".join(lines) + "\n"


def values(env: Mapping[str, str]) -> dict[str, str]:
    """Every marker's value, checked."""
    served_by = env.get("SERVED_BY", "")
    if not NAME.fullmatch(served_by):
        raise SettingError(f"SERVED_BY={served_by!r}: the shop's name, e.g. monolith")
    run_dir = _path(env, "RUN_DIR", "/tmp/nginx")
    workers = env.get("WORKER_PROCESSES") or "1"
    if workers != "auto":
        workers = _int(env, "WORKER_PROCESSES", 1, 1, 64)
    return {
        "SERVED_BY": served_by,
        "HOST": _host(env),
        "PORT": _int(env, "PORT", 8080, 1, 65535),
        "APP_SOCKET": _path(env, "APP_SOCKET", "/run/shop/app.sock"),
        "STOREFRONT_DIR": _path(env, "STOREFRONT_DIR", "/srv/storefront"),
        "MAX_BODY_BYTES": _int(env, "MAX_BODY_BYTES", 1024 * 1024, 1, 1024 ** 3),
        "REAL_IP": real_ip_block(trusted_proxies(env.get("FORWARDED_ALLOW_IPS", ""))),
        "WORKER_PROCESSES": workers,
        "RUN_DIR": run_dir,
        "CONF_DIR": f"{run_dir}/conf",
    }


def fill(template: str, filled: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        if match.group(1) not in filled:
            raise SettingError(f"no value for @{match.group(1)}@")
        return filled[match.group(1)]

    return MARKER.sub(value, template)


def render(env: Mapping[str, str], templates: Path = TEMPLATES) -> Path:
    """Write the configuration under RUN_DIR; returns the main file's path."""
    filled = values(env)
    run_dir, conf_dir = Path(filled["RUN_DIR"]), Path(filled["CONF_DIR"])
    for name in TEMP_DIRS:
        (run_dir / name).mkdir(parents=True, exist_ok=True)
    conf_dir.mkdir(parents=True, exist_ok=True)
    for template in sorted(templates.glob("*.template")):
        (conf_dir / template.stem).write_text(fill(template.read_text(), filled))
    return conf_dir / "nginx.conf"


def main(argv: list[str]) -> None:
    try:
        config = render(os.environ)
    except SettingError as error:
        sys.exit(f"nginx: {error}")
    command = ["nginx", "-e", "stderr", "-c", str(config)]
    if argv[1:] == ["--check"]:
        command.append("-t")
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
