"""Payment cards, the same value in every shop: what a checkout pays with.

Pure and dependency-free, so the monolith, orders (which validates a checkout's
card before anything moves) and payments (which checks it again, trusting no
caller) share one Luhn check and one ``Card`` instead of three copies. Only the
last four digits ever leave a ``Card``: it has no repr of its number or cvc, so
neither can reach a log line by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


def luhn_valid(number: str) -> bool:
    """The Luhn checksum of a string of digits."""
    if not number.isdigit():
        return False
    total = 0
    for position, digit in enumerate(int(char) for char in reversed(number)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def is_expired(exp_month: int, exp_year: int, today: date) -> bool:
    """A card is good through the last day of its expiry month."""
    return (exp_year, exp_month) < (today.year, today.month)


@dataclass(frozen=True)
class Card:
    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)

    @property
    def last4(self) -> str:
        return self.number[-4:]

    def expired(self, today: date) -> bool:
        return is_expired(self.exp_month, self.exp_year, today)
