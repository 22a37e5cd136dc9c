"""`python -m loadtest compare`: both shops side by side (`make compare`; settings from the
environment: QUICK, STORES, MIX, WORKERS, ROUNDS, USERS, STEP_SECONDS, MONOLITH_URL,
GATEWAY_URL, REPORTS_DIR; see docs/comparison.md).
`python -m loadtest bench-gateway`: the gateway's added latency (`make bench-gateway`).
`python -m loadtest bench-monolith`: reads against /healthz, monolith (`make bench-monolith`).
`python -m loadtest bench-streams`: what open order-event streams cost (`make bench-streams`).
`python -m loadtest bench-tracing`: exporting traces on vs off, both shops (`make bench-tracing`).
`python -m loadtest saturation`: both shops saturated, CPU per process and requests per hop
(`make profile-saturation`; USERS, DURATION, MIX, STORES, PROFILE_DIR).
`python -m loadtest run URL [--mix M] [--users N | --rate R] [--seconds S]`: the shopper
mix against any shop, printing its figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path


def _run(args: argparse.Namespace) -> int:
    from loadtest import generator

    mode = "open" if args.rate else "closed"
    users = generator.open_loop_users(args.rate, args.users) if args.rate else args.users
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp:
        spec = generator.LoadSpec(base_url=args.url.rstrip("/"), mix=args.mix, mode=mode,
                                  users=users, rate=args.rate or 0.0, duration=args.seconds)
        summary = generator.run(spec, Path(tmp), "run", None)["summary"]
    print(json.dumps({k: v for k, v in summary.items() if k != "errors"}, indent=1,
                     default=str))
    for error in summary["errors"][:10]:
        print("error:", error, file=sys.stderr)
    return 1 if summary["failed"] or not summary["requests"] else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("compare", help="both shops side by side, written up as a report")
    commands.add_parser("bench-gateway", help="the latency the gateway adds to one read")
    commands.add_parser("bench-monolith", help="the monolith's reads against its /healthz")
    commands.add_parser("bench-streams", help="what 200 open order-event streams cost reads")
    commands.add_parser("bench-tracing", help="both shops with traces exported and not")
    commands.add_parser("saturation", help="both shops saturated: CPU per process and hop")
    run = commands.add_parser("run", help="the shopper mix against one shop")
    run.add_argument("url")
    run.add_argument("--mix", default="default")
    run.add_argument("--users", type=int, default=8, help="closed loop: users (open: pool cap)")
    run.add_argument("--rate", type=float, default=0.0, help="open loop: arrivals per second")
    run.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    if args.command == "compare":
        from loadtest.compare import main as compare_main

        return compare_main()
    if args.command == "bench-gateway":
        from loadtest.bench_gateway import bench_gateway

        return bench_gateway()
    if args.command == "bench-monolith":
        from loadtest.bench_monolith import bench_monolith

        return bench_monolith()
    if args.command == "bench-streams":
        from loadtest.bench_gateway import bench_streams

        return bench_streams()
    if args.command == "saturation":
        from loadtest.saturation import main as saturation_main

        return saturation_main()
    if args.command == "bench-tracing":
        from loadtest.tracing_overhead import main as tracing_main

        return tracing_main()
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
