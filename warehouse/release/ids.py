"""Release ids: drawn at random from the release's seed, one per learner-course pair, never from an identifier.

Their letters are outside the hexadecimal digits, so no id can equal or contain a warehouse pseudonym (hex), and the
same seed draws the same ids in the same order (a rebuild is byte-identical)."""

from __future__ import annotations

import random
import re
import secrets

ALPHABET = "ghjkmnpqrstvwxyz"
# 16^12 ≈ 2.8·10^14 ids: two releases of 10^5 pairs each share an id with a probability below 10^-4.
LENGTH = 12
PATTERN = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def fresh_seed() -> int:
    return secrets.randbits(63)


def draw_ids(seed: int, count: int) -> list[str]:
    """`count` distinct ids, in the order the seed draws them."""
    rng = random.Random(seed)
    drawn: dict[str, None] = {}
    while len(drawn) < count:
        drawn.setdefault("".join(rng.choices(ALPHABET, k=LENGTH)))
    return list(drawn)
