"""The secrets of one local run: a fresh token per internal edge, never written down.

Each edge (caller -> callee) gets its own random token, handed to the caller as
``<CALLEE>_TOKEN`` and to the callee as ``<CALLER>_CALLER_TOKEN``. A new run makes
new ones, so no token that can be read in the repository opens an internal route.
The token signing keys are the issuers' own development keys under ``DATA_DIR/keys``
(one per issuer, kept across runs so that tokens outlive a restart).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

# Who calls whose /internal routes (docs/microservices.md).
INTERNAL_EDGES: tuple[tuple[str, str], ...] = (
    ("cart", "catalog"),
    ("orders", "catalog"),
    ("orders", "cart"),
    ("orders", "payments"),
)

InternalTokens = Mapping[tuple[str, str], str]


def new_internal_tokens() -> dict[tuple[str, str], str]:
    """A fresh random token per edge."""
    return {edge: secrets.token_urlsafe(32) for edge in INTERNAL_EDGES}


def internal_token_env(name: str, tokens: InternalTokens) -> dict[str, str]:
    """The variables of ``name``'s tokens: those it presents and those it accepts."""
    env = {}
    for (caller, callee), token in tokens.items():
        if caller == name:
            env[f"{callee.upper()}_TOKEN"] = token
        if callee == name:
            env[f"{caller.upper()}_CALLER_TOKEN"] = token
    return env
