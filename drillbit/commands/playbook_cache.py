"""A cache of validated playbooks, so the light commands skip YAML parsing and validation.

``drillbit classify`` and its siblings read the same playbook on every run; parsing and
validating it is about a sixth of their start-up. :func:`load_cached` keeps the validated
:class:`~playbook.model.Playbook` in ``DATA_DIR/cache/playbooks/`` under a key that is the
SHA-256 of everything the result depends on:

* the playbook file's bytes;
* every source, data and template file of the ``playbook`` package (the model's code, the
  default rubric a playbook without one gets, the template names overrides are checked
  against), so an upgrade or a local edit never serves a stale object;
* the Python and pydantic versions (the pickle's format; pydantic pins its pydantic-core).

Only a playbook that loaded cleanly is ever stored, so an invalid file always goes through
:func:`~playbook.model.load_playbook` and fails with exactly the message it always had. Any
problem with the cache itself (a missing or read-only data directory, a corrupt or foreign
entry, an unpicklable object) is a miss, never an error.

An entry is a pickle, which runs code when read: entries are written ``0600`` and read only
from a directory and a file that belong to the current user and that no one else can write,
and the key stored inside must match the one computed.
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import sys
import tempfile
from functools import cached_property
from pathlib import Path

import pydantic

from drillbit.settings import load_settings
from drillbit.startup import no_pydantic_plugins
from playbook.errors import DrillbitError
from playbook.model import Playbook, load_playbook

__all__ = ["cache_dir", "cache_key", "load_cached", "storable"]

_PACKAGE_FILES = (".py", ".yaml", ".j2")
_FORMAT = b"drillbit-playbook-cache-1"
_LOOKUP_LIMIT = 1024 * 1024  # larger files are never looked up (the loader refuses them)


def cache_dir() -> Path | None:
    """Where entries live (``DATA_DIR/cache/playbooks``); None if the settings are invalid.

    An invalid ``DRILLBIT_*`` variable is not this command's business: the cache is skipped
    and the command runs as it would without one.
    """
    try:
        return load_settings().data_dir / "cache" / "playbooks"
    except DrillbitError:
        return None


def _package_fingerprint() -> bytes:
    """SHA-256 over the ``playbook`` package's code, data and templates, by relative path."""
    root = os.path.dirname(sys.modules[Playbook.__module__].__file__ or "")
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(_PACKAGE_FILES):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, root).encode() + b"\0")
                with open(path, "rb") as handle:
                    digest.update(hashlib.sha256(handle.read()).digest())
    return digest.digest()


def cache_key(content: bytes) -> str:
    """The entry name for a playbook whose file holds ``content`` (hex SHA-256)."""
    digest = hashlib.sha256(_FORMAT)
    for part in (sys.version, pydantic.VERSION):  # a pydantic release pins its pydantic-core
        digest.update(part.encode() + b"\0")
    digest.update(_package_fingerprint())
    digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()


def _private(path: Path) -> bool:
    """Whether ``path`` is ours and writable by no one else (so its content is ours too)."""
    st = path.lstat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _read(directory: Path, key: str) -> Playbook | None:
    entry = directory / f"{key}.pickle"
    try:
        if not (_private(directory) and _private(entry)):
            return None
        stored_key, book = pickle.loads(entry.read_bytes())  # noqa: S301 - our own private file
    except Exception:  # a missing, corrupt or foreign entry is a miss
        return None
    return book if stored_key == key and isinstance(book, Playbook) else None


def storable(book: Playbook) -> Playbook:
    """A shallow copy of ``book`` without its cached properties, which are derived.

    A playbook that has rendered a template holds a Jinja environment, which cannot be pickled
    (and need not be: it is rebuilt on first use).
    """
    clone = copy.copy(book)
    for name, value in vars(type(book)).items():
        if isinstance(value, cached_property):
            clone.__dict__.pop(name, None)
    return clone


def _write(directory: Path, key: str, book: Playbook) -> None:
    try:
        data = pickle.dumps((key, storable(book)), protocol=pickle.HIGHEST_PROTOCOL)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(directory):
            return
        handle, temp = tempfile.mkstemp(dir=directory, suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            Path(temp).replace(directory / f"{key}.pickle")
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except Exception:  # noqa: S110 - a cache that cannot be written is only slower
        pass


def _head(path: str | Path) -> bytes | None:
    """The file's bytes if it has at most :data:`_LOOKUP_LIMIT` of them, else None (a miss).

    Bounded, so ``/dev/zero`` costs a millisecond here and is refused by the loader as before.
    """
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(_LOOKUP_LIMIT + 1)
    except OSError:
        return None
    return data if len(data) <= _LOOKUP_LIMIT else None


def load_cached(path: str | Path, directory: Path | None) -> Playbook:
    """The validated playbook in ``path``: from the cache in ``directory`` if there, else loaded.

    ``directory`` None skips the cache. A miss reads and loads the file exactly as
    :func:`~playbook.model.load_playbook` does (so a bad file fails with the message it always
    had) and stores the result under the key of the very text it validated.
    """
    content = None if directory is None else _head(path)
    book = None if directory is None or content is None else _read(directory, cache_key(content))
    if book is not None:
        return book
    # A miss validates, which builds the models' validators (their build is deferred to
    # first use): without the plugin look-up, as when they were built at import.
    with no_pydantic_plugins():
        if directory is None or content is None:
            return load_playbook(path)
        from playbook.safeyaml import read_definition  # noqa: PLC0415 - YAML only on a miss

        text = read_definition(path)
        book = load_playbook(path, text=text)
    _write(directory, cache_key(text.encode()), book)
    return book
