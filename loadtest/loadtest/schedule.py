"""The alternating schedule: A-B, B-A, A-B, ... so that drift (a machine warming up,
a neighbour's load) falls on both shops alike and cancels out in the medians."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    round: int
    shop: str
    step: object = None


def alternating(shops: Sequence[str], rounds: int, steps: Sequence[object] = (None,)) -> list[Slot]:
    """Every (round, step, shop) once. Within a round each step runs every shop, in the
    given order on even rounds and reversed on odd ones; steps rise within a round."""
    if rounds < 1:
        raise ValueError("at least one round")
    slots = []
    for number in range(rounds):
        order = list(shops) if number % 2 == 0 else list(reversed(shops))
        for step in steps:
            slots.extend(Slot(number, shop, step) for shop in order)
    return slots
