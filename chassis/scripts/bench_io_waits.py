"""What one wait on the network costs a synchronous worker, under gevent and under threads:
``python chassis/scripts/bench_io_waits.py [--concurrency 4] [--calls 400] [--rounds 4]``.

Starts bench_outbound.py's small HTTP server (aiohttp) on CPU 1, which answers every
request with a product-sized JSON body, then, pinned to CPU 0, runs one child process per
worker model (gevent's monkey-patching, as gunicorn's gevent worker does; plain threads,
as its gthread worker runs) that makes ``--concurrency`` callers each do ``--calls`` calls, round
after round, through:

- httpx's own synchronous transport (httpcore's pool),
- chassis.urllib3_transport (urllib3's pool),
- a PostgreSQL round trip (``SELECT 1`` over psycopg, one connection per caller; the
  machine's server on 127.0.0.1:5432, ``PGURL`` to point elsewhere).

It prints the median CPU microseconds per call of each, in each model, and the ratio
of the two transports (docs/performance.md, "The synchronous call over urllib3").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench_outbound import SERVER, free_port, wait_for  # the same server, beside this script

CHILD = """
import json, os, statistics, sys, time
if sys.argv[1] == "gevent":
    from gevent import monkey
    monkey.patch_all()
import threading
import httpx, psycopg
from chassis.urllib3_transport import Urllib3Transport

port, concurrency, calls, rounds = (int(v) for v in sys.argv[2:6])
pg_url = os.environ.get("PGURL", "host=127.0.0.1 user=postgres dbname=postgres")
url = f"http://127.0.0.1:{port}/internal/reservations/order-1"
body = json.dumps({"lines": [{"product_id": "65f0c0ffee0000000000002a", "quantity": 1}] * 2})
headers = {"content-type": "application/json", "x-request-id": "bench"}
timeout = httpx.Timeout(2.0).as_dict()


def http_call(transport):
    def call(_caller):
        request = httpx.Request("PUT", url, headers=headers, content=body.encode(),
                                extensions={"timeout": timeout})
        response = transport.handle_request(request)
        response.read()
        response.close()
    return call


connections = [psycopg.connect(pg_url, autocommit=True) for _ in range(concurrency)]


def pg_call(caller):
    connections[caller].execute("SELECT 1").fetchall()


kinds = {"httpx transport": http_call(httpx.HTTPTransport()),
         "urllib3 transport": http_call(Urllib3Transport()),
         "PostgreSQL round trip": pg_call}


def run(call, count):
    callers = [threading.Thread(target=lambda c=c: [call(c) for _ in range(count)])
               for c in range(concurrency)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()


for call in kinds.values():
    run(call, 20)  # warm: pools filled, one connection per caller
cpu = {name: [] for name in kinds}
for _ in range(rounds):
    for name, call in kinds.items():
        started = time.process_time()
        run(call, calls)
        cpu[name].append((time.process_time() - started) / (calls * concurrency) * 1e6)
print(json.dumps({name: statistics.median(values) for name, values in cpu.items()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(["taskset", "-c", "1", sys.executable, "-c", SERVER, str(port)])
    try:
        wait_for(f"http://127.0.0.1:{port}")
        results = {}
        for model in ("gevent", "threads"):
            out = subprocess.run(
                ["taskset", "-c", "0", sys.executable, "-c", CHILD, model, str(port),
                 str(args.concurrency), str(args.calls), str(args.rounds)],
                capture_output=True, text=True, check=True,
                cwd=Path(__file__).resolve().parents[2], env=os.environ)
            results[model] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(10)
    print(f"CPU µs per call, {args.concurrency} callers, median of {args.rounds} rounds "
          f"of {args.calls} calls each")
    print(f"{'':24}{'gevent':>10}{'threads':>10}")
    for name in results["gevent"]:
        print(f"{name:24}{results['gevent'][name]:10.0f}{results['threads'][name]:10.0f}")
    for model, figures in results.items():
        ratio = figures["urllib3 transport"] / figures["httpx transport"]
        print(f"urllib3 / httpx transport, {model}: {ratio:.2f}")


if __name__ == "__main__":
    main()
