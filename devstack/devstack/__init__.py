"""One place that knows how to start a shop stack locally.

    process  one managed child process: start, wait until ready, stop
    stores   embedded stand-ins for PostgreSQL-less, Mongo-less, Redis-less machines
    stacks   what the monolith and the microservices consist of
    secrets  the tokens of one run: a fresh one per internal edge
    targets  the stacks the contract suite runs against
    __main__ `python -m devstack run`: both shops in the foreground (`make run`)
"""
