"""Keyed noise: every random draw of the world is a pure function of (seed, key, minute).

No generator carries state from one draw to the next, so the world at minute 40 does not
depend on what was computed before it (nor in which order), and a replay draws the same
numbers. A draw hashes its key with BLAKE2b and maps the first 8 bytes to [0, 1).
"""

from __future__ import annotations

import math
from hashlib import blake2b

__all__ = ["gauss", "uniform"]

_SCALE = float(1 << 64)


def uniform(seed: int, key: str, minute: int) -> float:
    """A draw in [0, 1) for ``key`` at ``minute``."""
    digest = blake2b(f"{seed}:{key}:{minute}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def gauss(seed: int, key: str, minute: int) -> float:
    """A standard normal draw (Box-Muller on two keyed uniforms)."""
    u1 = max(uniform(seed, key + "#1", minute), 1e-12)
    u2 = uniform(seed, key + "#2", minute)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
