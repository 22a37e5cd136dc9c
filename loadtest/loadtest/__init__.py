"""Load for either shop, and the side-by-side comparison (`make compare`).

    mixes         the shopper mixes: weighted tasks, pure data
    locustfile    the shopper as a locust FastHttpUser (closed loop or fixed arrival rate)
    recorder      what the locustfile writes: per-route latencies, a timeline, the window
    fixture       the data a run needs, made through the public API (shoppers, products)
    generator     one locust run in a subprocess of its own, pinned to its own cores
    procfs        CPU time and memory (RSS, PSS) of process trees, from /proc
    sampler       /proc sampled in the background while a stage runs
    stats         percentiles, medians with their spread, ratios
    schedule      the alternating A-B rounds
    shops         the two shops started locally on ports of their own
    stages/       capacity, equal load, cost, restart, isolation, redeploy
    report/       results.json, the HTML page with its plots, the markdown summary
    compare       `python -m loadtest compare`: all of the above in one run
    bench_gateway `python -m loadtest bench-gateway`: the gateway's added latency
"""
