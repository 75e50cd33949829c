"""What the CLI does before a command runs so that the light commands start fast.

pydantic looks for plugins whenever it builds a validator (every model class, every
parameter typer converts): it reads the entry points of every installed distribution, and
the module that does so, ``pydantic.plugin._loader``, imports :mod:`importlib.metadata`
(with ``email``, ``zipfile``, ``csv`` ...) as it is imported. That import alone is about a
ninth of ``drillbit classify``'s start-up (callgrind: 944 -> 841 M instructions without it),
for an answer drillbit does not need: it uses no pydantic plugin.

* :func:`no_pydantic_plugins` sets ``PYDANTIC_DISABLE_PLUGINS`` (pydantic's documented
  switch) while command modules are imported and their models built (and while a playbook
  is validated on a cache miss), so the entry points are never read; an operator who sets
  the variable (even to "") keeps their choice. It is never left set for a command's run,
  so the processes a command starts inherit nothing.
* :func:`import_plugin_loader` imports pydantic's loader with a stand-in for
  :mod:`importlib.metadata` whose ``entry_points`` imports the real module on its first
  call. With plugins disabled it is never called; with plugins enabled it behaves exactly
  as the real one (it *is* the real one, one call later). Any other name the loader asks
  for is taken from the real module at once, so a pydantic that imports more stays correct
  (only slower).
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["import_plugin_loader", "no_pydantic_plugins"]

_LOADER = "pydantic.plugin._loader"
_METADATA = "importlib.metadata"


@contextmanager
def no_pydantic_plugins() -> Iterator[None]:
    """Build models without looking for pydantic plugins (the operator's setting wins)."""
    if "PYDANTIC_DISABLE_PLUGINS" in os.environ:
        yield
        return
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    try:
        yield
    finally:
        del os.environ["PYDANTIC_DISABLE_PLUGINS"]


def _real_metadata() -> types.ModuleType:
    """The real :mod:`importlib.metadata` (imported now, in place of the stand-in if need be)."""
    module = sys.modules.get(_METADATA)
    if module is None or getattr(module, "_stand_in", False):
        sys.modules.pop(_METADATA, None)
        module = importlib.import_module(_METADATA)
    return module


def _entry_points(**params: Any) -> Any:
    """:func:`importlib.metadata.entry_points`, imported when first called."""
    return _real_metadata().entry_points(**params)


def _real_attribute(name: str) -> Any:
    """A name the stand-in lacks, from the real module (dunders stay missing: the import
    system asks a module for ``__path__`` and such, which must not import anything)."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_real_metadata(), name)


def _stand_in() -> types.ModuleType:
    """A module that answers ``entry_points`` lazily and anything else from the real one."""
    module = types.ModuleType(_METADATA, "importlib.metadata, imported on first use")
    vars(module).update(
        _stand_in=True,
        entry_points=_entry_points,
        __getattr__=_real_attribute,
    )
    return module


def import_plugin_loader() -> None:
    """Import pydantic's plugin loader without importing :mod:`importlib.metadata` yet.

    Does nothing when either is already imported (the cost, if any, is paid).
    """
    if _LOADER in sys.modules or _METADATA in sys.modules:
        return
    stand_in = _stand_in()
    sys.modules[_METADATA] = stand_in
    try:
        importlib.import_module(_LOADER)
    finally:
        # Gone before anyone else imports importlib.metadata: they get the real module.
        if sys.modules.get(_METADATA) is stand_in:
            del sys.modules[_METADATA]
