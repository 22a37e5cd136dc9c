from collections import Counter

import pytest
from loadtest.schedule import alternating


def test_rounds_alternate_which_shop_goes_first() -> None:
    slots = alternating(["a", "b"], rounds=3)
    assert [(s.round, s.shop) for s in slots] == [(0, "a"), (0, "b"), (1, "b"), (1, "a"),
                                                  (2, "a"), (2, "b")]


def test_every_step_runs_every_shop_once_per_round() -> None:
    slots = alternating(["a", "b"], rounds=2, steps=[1, 4, 16])
    assert Counter((s.shop, s.step) for s in slots) == {(shop, step): 2 for shop in "ab"
                                                        for step in (1, 4, 16)}
    first_round = [(s.step, s.shop) for s in slots if s.round == 0]
    assert first_round == [(1, "a"), (1, "b"), (4, "a"), (4, "b"), (16, "a"), (16, "b")]
    second_round = [s.shop for s in slots if s.round == 1]
    assert second_round == ["b", "a"] * 3


def test_at_least_one_round() -> None:
    with pytest.raises(ValueError):
        alternating(["a", "b"], rounds=0)
