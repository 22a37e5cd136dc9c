"""nx-27017, the embedded MongoDB stand-in, with its command log at WARNING:
``python -m devstack.mongodb_standin`` takes nx-27017's own arguments.

nx-27017 logs every command it serves at INFO, two lines each (what it was asked, what
it answered), to stderr and to its log file; mongod logs a command only when it is
slow. A ping cost the stand-in about twice the CPU with that log as without it
(docs/performance.md, "The stand-in's command log"), a cost no MongoDB the catalog
would run against has. Warnings and errors still reach the log file; ``-v`` (nx-27017's
DEBUG) keeps every line.
"""

from __future__ import annotations

import logging
import sys

from nx_27017.nx_27017 import main as serve

STANDIN_LOGGER = "nx_27017"


def main() -> None:
    if not {"-v", "--verbose"} & set(sys.argv[1:]):
        logging.getLogger(STANDIN_LOGGER).setLevel(logging.WARNING)
    sys.argv[0] = "nx-27017"
    serve()


if __name__ == "__main__":
    main()
