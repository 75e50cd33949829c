"""CPU burn: threads that spin in Python, starving the service's event loop of the GIL.

The effect is what a runaway computation does to a Python service: every request slows down
and scrapes may time out. :meth:`CpuBurner.set_threads` scales it; ``0`` stops it.
"""

from __future__ import annotations

import threading

__all__ = ["CpuBurner"]


def _spin(stop: threading.Event) -> None:
    while not stop.is_set():
        sum(range(20_000))


class CpuBurner:
    """A set of spinning threads, resized on demand and joined on stop."""

    def __init__(self) -> None:
        self._threads: list[tuple[threading.Thread, threading.Event]] = []
        self._lock = threading.Lock()

    @property
    def threads(self) -> int:
        return len(self._threads)

    def set_threads(self, count: int) -> None:
        with self._lock:
            while len(self._threads) > count:
                thread, stop = self._threads.pop()
                stop.set()
                thread.join(timeout=5)
            while len(self._threads) < count:
                stop = threading.Event()
                thread = threading.Thread(
                    target=_spin, args=(stop,), name="drillbit-cpu-burn", daemon=True
                )
                thread.start()
                self._threads.append((thread, stop))

    def stop(self) -> None:
        self.set_threads(0)
