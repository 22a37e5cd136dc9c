"""The comparison's stages. Each is a :class:`Stage`: a name, whether it needs the shops'
processes on this machine, a time estimate for the progress line, and a function
that measures and returns its section of results.json (with a ``status``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loadtest.stages.context import Context


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    run: Callable[[Context], dict[str, Any]]
    estimate: Callable[[Context], float]
    needs_local: bool = False
