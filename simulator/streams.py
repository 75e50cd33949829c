"""Keyed random streams: every draw in a run comes from a stream named by its purpose.

A stream is derived with numpy's :class:`~numpy.random.SeedSequence` from the study seed,
the replication, the stream's *purpose* (``"arrivals"``, ``"response"``...) and its
*entity* (a service, a person). Nothing depends on the order streams are created in or on
which process creates them, so:

* a replication gives bit-identical results on any worker, in any order;
* variants share *common random numbers*: the arrivals of ``payments`` in replication 3 are
  the same in every variant that does not change how ``payments`` alerts arrive.

Responders draw per page, not per stream position: :class:`KeyedDraws` names each draw by
(person, incident, escalation rule and loop), so the same page gets the same numbers in
every variant even when a variant sends other pages, fewer or more, in between.

Purpose and entity names are turned into integers with CRC-32 (stable across processes,
unlike ``hash``).
"""

from __future__ import annotations

import hashlib
import math
import struct
import zlib

import numpy as np

__all__ = ["KeyedDraws", "stream", "stream_key"]

_UNPACK = struct.Struct("<QQQQ").unpack
_TO_UNIT = 2.0**-64
_TO_UNIT_53 = 2.0**-53
_TAU = 2.0 * math.pi


def stream_key(
    seed: int, replication: int, purpose: str, entity: str = ""
) -> np.random.SeedSequence:
    """The seed sequence of one stream."""
    return np.random.SeedSequence(
        entropy=seed,
        spawn_key=(replication, zlib.crc32(purpose.encode()), zlib.crc32(entity.encode())),
    )


def stream(seed: int, replication: int, purpose: str, entity: str = "") -> np.random.Generator:
    """A fresh generator for (seed, replication, purpose, entity)."""
    return np.random.Generator(np.random.PCG64(stream_key(seed, replication, purpose, entity)))


class KeyedDraws:
    """Draws named by a key: the same key gives the same numbers, whatever was drawn before.

    A counter-based generator (in the spirit of Philox, Salmon et al. 2011): the numbers
    for a key are a keyed BLAKE2b hash of it, keyed by 32 bytes of the stream's seed
    sequence. A cryptographic hash is a pseudo-random function, so outputs for distinct keys
    are independent uniform bits; nothing is consumed, so one extra page in a variant
    moves no other page's draws. One hash (about 1 us) gives a standard normal (Box-Muller on
    two 64-bit uniforms) and two uniforms in [0, 1).
    """

    __slots__ = ("_hash",)

    def __init__(self, key: np.random.SeedSequence) -> None:
        secret = key.generate_state(8, np.uint32).tobytes()
        self._hash = hashlib.blake2b(key=secret, digest_size=32)

    def at(self, name: bytes) -> tuple[float, float, float]:
        """(standard normal, uniform, uniform) for ``name``."""
        h = self._hash.copy()
        h.update(name)
        a, b, c, d = _UNPACK(h.digest())
        z = math.sqrt(-2.0 * math.log((a + 0.5) * _TO_UNIT)) * math.cos(_TAU * b * _TO_UNIT)
        return z, (c >> 11) * _TO_UNIT_53, (d >> 11) * _TO_UNIT_53
