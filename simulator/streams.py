"""Keyed random streams: every draw in a run comes from a stream named by its purpose.

A stream is derived with numpy's :class:`~numpy.random.SeedSequence` from the study seed,
the replication, the stream's *purpose* (``"arrivals"``, ``"response"``...) and its
*entity* (a service, a person). Nothing depends on the order streams are created in or on
which process creates them, so:

* a replication gives bit-identical results on any worker, in any order;
* variants share *common random numbers*: the arrivals of ``payments`` in replication 3 are
  the same in every variant that does not change how ``payments`` alerts arrive.

Purpose and entity names are turned into integers with CRC-32 (stable across processes,
unlike ``hash``).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Draws", "stream", "stream_key"]

_CHUNK = 1024


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


class Draws:
    """Scalar draws from one stream, fetched from numpy in chunks (the hot path's source).

    Standard normals and uniforms come from two child streams of ``key``, each refilled a
    chunk at a time, so the n-th normal is the same whatever uniforms were taken in between.
    """

    __slots__ = ("_i", "_j", "_normal_gen", "_normals", "_uniform_gen", "_uniforms")

    def __init__(self, key: np.random.SeedSequence) -> None:
        normal_key, uniform_key = key.spawn(2)
        self._normal_gen = np.random.Generator(np.random.PCG64(normal_key))
        self._uniform_gen = np.random.Generator(np.random.PCG64(uniform_key))
        self._normals: list[float] = []
        self._uniforms: list[float] = []
        self._i = 0
        self._j = 0

    def normal(self) -> float:
        if self._i == len(self._normals):
            self._normals = self._normal_gen.standard_normal(_CHUNK).tolist()
            self._i = 0
        value = self._normals[self._i]
        self._i += 1
        return value

    def uniform(self) -> float:
        if self._j == len(self._uniforms):
            self._uniforms = self._uniform_gen.random(_CHUNK).tolist()
            self._j = 0
        value = self._uniforms[self._j]
        self._j += 1
        return value
