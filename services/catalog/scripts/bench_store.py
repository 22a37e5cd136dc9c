"""What the catalog costs nx-27017: ``python services/catalog/scripts/bench_store.py LABEL=DIR...``.

For each ``LABEL=DIR`` (DIR: a ``services/catalog`` folder, e.g. this checkout's or
an older commit's from ``git archive``) it starts nx-27017, redis-server, the catalog
(gunicorn, 2 workers) and its relay on ports of their own, loads them with what the
default mix asks of the catalog, and prints the CPU-seconds of each process (from
/proc) for an idle 10 s, the mix, each kind of request alone, and ``GET
/api/products`` alone with its req/s. ``--pyspy PREFIX`` records py-spy profiles of
nx-27017, the relay and one catalog worker during the mix. Run it under the servers'
lock (docs/performance.md, "The stand-in store").
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from devstack.stores import embedded_mongodb

from loadtest import procfs

VENV = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


P_MONGO, P_REDIS, P_CAT, P_RELAY = (free_port() for _ in range(4))
TOK_O, TOK_G = "orders-token-bench-0123456789abcdef", "gateway-token-bench-0123456789abcdef"


def cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its live descendants (the project's /proc reader)."""
    total = 0.0
    for process in procfs.tree(pid):
        try:
            total += procfs.cpu_seconds(process)
        except OSError:
            pass  # it ended between the listing and the read
    return total


def record_profile(pid: int, out: str) -> subprocess.Popen[bytes]:
    """py-spy (the virtualenv's) sampling ``pid`` for 20 s into ``out`` (raw stacks)."""
    return subprocess.Popen(
        [str(VENV / "py-spy"), "record", "--nonblocking", "-f", "raw", "-o", out,
         "-p", str(pid), "-d", "20"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start(work, verbose, src):
    work.mkdir(parents=True, exist_ok=True)
    (work / "mongodb").mkdir(exist_ok=True)
    log = open(work / "procs.log", "a")
    pp = [
        x for x in os.environ.get("PYTHONPATH", "").split(":") if not x.endswith("services/catalog")
    ]
    env = {
        **os.environ,
        "PYTHONPATH": ":".join([src, *pp]),
        "HOST": "127.0.0.1",
        "MONGODB_URL": f"mongodb://127.0.0.1:{P_MONGO}",
        "EVENTS_REDIS_URL": f"redis://127.0.0.1:{P_REDIS}/0",
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "",
        "ORDERS_CALLER_TOKEN": TOK_O,
        "GATEWAY_CALLER_TOKEN": TOK_G,
        "SEED_FILE": str(REPO / "data" / "seed" / "catalog.json"),
        "DATA_DIR": str(work),
        "JWKS_URL": "http://127.0.0.1:1/jwks",
    }
    md = work / "metrics"
    md.mkdir(exist_ok=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(md)
    procs = {}
    # the stand-in as the launcher starts it (its data in work/mongodb)
    argv = [*embedded_mongodb(P_MONGO, work).argv, *(["-v"] if verbose else [])]
    procs["mongo"] = subprocess.Popen(argv, stdout=log, stderr=log)
    procs["redis"] = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(P_REDIS),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=log,
        stderr=log,
    )
    time.sleep(1.5)
    subprocess.run(
        [str(VENV / "python"), "-m", "catalog.manage", "init"],
        env=env,
        check=True,
        stdout=log,
        stderr=log,
    )
    procs["catalog"] = subprocess.Popen(
        [
            str(VENV / "gunicorn"),
            "-c",
            str(REPO / "services" / "catalog" / "gunicorn.conf.py"),
            "catalog.asgi:app",
        ],
        env={**env, "PORT": str(P_CAT)},
        stdout=log,
        stderr=log,
    )
    procs["relay"] = subprocess.Popen(
        [str(VENV / "python"), "-m", "catalog.relay"],
        env={**env, "PORT": str(P_RELAY)},
        stdout=log,
        stderr=log,
    )
    for port in (P_CAT, P_RELAY):
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            for process in procs.values():
                process.kill()
            raise SystemExit(f"port {port} not ready")
    return procs


def stop(procs):
    for name in ("relay", "catalog", "redis", "mongo"):
        p = procs[name]
        p.send_signal(signal.SIGTERM)
    for p in procs.values():
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()


def fixture(base):
    c = httpx.Client(base_url=base)
    ids, cats, words = [], [], set()
    page = 1
    while True:
        b = c.get("/api/products", params={"page": page, "page_size": 100}).json()
        ids += [p["id"] for p in b["items"]]
        words |= {p["name"].split()[0].lower() for p in b["items"]}
        if len(ids) >= b["total"] or not b["items"]:
            break
        page += 1
    cats = [x["name"] for x in c.get("/api/categories").json()["items"]]
    return ids, cats, sorted(words)[:20]


MIX = {
    "browse": 30,
    "product": 30,
    "search": 8,
    "categories": 7,
    "cart_view": 10,
    "cart_set": 10,
    "checkout": 5,
}


def make_actions(ids, cats, words):
    lock = threading.Lock()

    def browse(c):
        params = {"page": random.randint(1, 3), "page_size": 20}
        if random.random() < 0.5:
            params = {"category": random.choice(cats), "page_size": 20}
        return [c.get("/api/products", params=params)]

    def product(c):
        return [c.get(f"/api/products/{random.choice(ids)}")]

    def search(c):
        return [c.get("/api/products", params={"q": random.choice(words), "page_size": 20})]

    def categories(c):
        return [c.get("/api/categories")]

    def cart_view(c):
        return [
            c.post(
                "/internal/products/lookup",
                json={"ids": random.sample(ids, 3)},
                headers={"X-Internal-Token": TOK_G},
            )
        ]

    def cart_set(c):
        return [c.get(f"/api/products/{random.choice(ids)}")]

    def checkout(c):
        h = {"X-Internal-Token": TOK_O}
        lines = random.sample(ids, 2)
        oid = os.urandom(8).hex()
        r = [
            c.post("/internal/products/lookup", json={"ids": lines}, headers=h),
            c.put(
                f"/internal/reservations/{oid}",
                json={"lines": [{"product_id": p, "quantity": 1} for p in lines]},
                headers=h,
            ),
        ]
        r.append(
            c.post(
                f"/internal/reservations/{oid}/"
                + ("release" if random.random() < 0.1 else "commit"),
                headers=h,
            )
        )
        return r

    return {k: v for k, v in locals().items() if k in MIX}


def load(base, n, conc, actions, only=None):
    names = list(MIX)
    weights = [MIX[k] for k in names]
    local = threading.local()
    bad = [0]
    count = [0]

    def one(_):
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = httpx.Client(base_url=base, timeout=30)
        name = only or random.choices(names, weights)[0]
        for r in actions[name](c):
            count[0] += 1
            if r.status_code >= 400 and not (r.status_code == 409):
                bad[0] += 1

    t = time.monotonic()
    with ThreadPoolExecutor(conc) as pool:
        list(pool.map(one, range(n)))
    return time.monotonic() - t, count[0], bad[0]


def measure(procs, fn):
    pids = {k: procs[k].pid for k in ("mongo", "catalog", "relay")}
    before = {k: cpu(p) for k, p in pids.items()}
    res = fn()
    after = {k: cpu(p) for k, p in pids.items()}
    return res, {k: round(after[k] - before[k], 2) for k in pids}


def run_once(a, src, label):
    shutil.rmtree(a.work, ignore_errors=True)
    procs = start(Path(a.work), a.verbose, src)
    out = {}
    try:
        base = f"http://127.0.0.1:{P_CAT}"
        ids, cats, words = fixture(base)
        acts = make_actions(ids, cats, words)
        (_, idle) = measure(procs, lambda: time.sleep(10))
        out["idle 10 s"] = idle
        load(base, 300, a.c, acts)  # warm
        spy = []
        if a.pyspy:
            for k in ("mongo", "relay"):
                spy.append(record_profile(procs[k].pid, f"{a.pyspy}-{label}-{k}.txt"))
            worker = procfs.tree(procs["catalog"].pid)[1]
            spy.append(record_profile(worker, f"{a.pyspy}-{label}-catalogworker.txt"))
        (dur, cnt, bad), c = measure(procs, lambda: load(base, a.n, a.c, acts))
        out["mix"] = {"actions": a.n, "requests": cnt, "seconds": round(dur, 1),
                      "rps": round(cnt / dur), "bad": bad, "cpu": c}
        for p in spy:
            p.wait()
        for name in MIX:
            (dur, cnt, bad), c = measure(
                procs, lambda name=name: load(base, 200, a.c, acts, only=name))
            out[name] = {"requests": cnt, "rps": round(cnt / dur), "bad": bad,
                         **{f"{k}_ms": round(c[k] / 200 * 1000, 2) for k in c}}
        (dur, cnt, bad), c = measure(procs, lambda: load(base, 1000, a.c, acts, only="browse"))
        out["list only"] = {"requests": cnt, "seconds": round(dur, 1),
                            "rps": round(cnt / dur), "bad": bad, "cpu": c}
    finally:
        stop(procs)
    print(label, json.dumps(out), flush=True)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/catalog-bench-store")
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("-c", type=int, default=8)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--pyspy", default="")
    ap.add_argument("runs", nargs="+", help="label=catalog-source-dir")
    a = ap.parse_args()
    for run in a.runs:
        label, src = run.split("=", 1)
        run_once(a, src, label)
