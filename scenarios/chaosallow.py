"""The operator's chaos allow-list: which hosts, ports, executables and modules a run may use.

It comes only from the operator, never from the experiment:

1. ``DRILLBIT_CHAOS_ALLOW_FILE`` (what ``--allow FILE`` sets): one entry a line, ``#``
   comments;
2. else ``DRILLBIT_CHAOS_ALLOW``: comma-separated entries;
3. else the default: ``127.0.0.1`` and ``::1`` on the ports of the staging stack recorded in
   ``DRILLBIT_STACK_DIR`` (default ``out/staging``), plus the web UI port the game day names in
   ``DRILLBIT_WEB_URL``; with no stack recorded, nothing.

Entries: ``host``, ``host:port``, ``[v6]:port`` or a CIDR (see :mod:`scenarios.allowlist`);
``exec:/absolute/path`` allows an executable for ``process`` providers; ``module:name`` allows
the Python provider modules of an extension beyond the ones that ship vetted
(:data:`VETTED_MODULES`, whose targets the control knows how to find).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from drillbit.settings import load_settings
from playbook.errors import InvalidDefinition
from scenarios.allowlist import ALLOW_ENV, AllowList, parse_entry
from scenarios.stackstate import DEFAULT_RUN_DIR, load_state

__all__ = [
    "ALLOW_FILE_ENV",
    "STACK_DIR_ENV",
    "VETTED_MODULES",
    "WEB_URL_ENV",
    "OperatorAllow",
    "operator_allow",
    "parse_allow",
    "stack_entries",
]

ALLOW_FILE_ENV = "DRILLBIT_CHAOS_ALLOW_FILE"
STACK_DIR_ENV = "DRILLBIT_STACK_DIR"
WEB_URL_ENV = "DRILLBIT_WEB_URL"

#: Python provider modules whose targets the control can find (their URL arguments and the
#: configuration keys they read), so they need no ``module:`` entry.
VETTED_MODULES = ("chaosaddons", "chaosdrillbit", "chaosprometheus", "chaostoxi")


@dataclass(frozen=True)
class OperatorAllow:
    """The operator's decision: network targets, executables and extra provider modules."""

    targets: AllowList
    executables: frozenset[str] = field(default_factory=frozenset)
    modules: frozenset[str] = field(default_factory=frozenset)
    source: str = "default"

    def allows_module(self, module: str) -> bool:
        top = module.split(".", 1)[0]
        return top in VETTED_MODULES or top in self.modules or module in self.modules

    def allows_executable(self, path: str) -> bool:
        return os.path.realpath(path) in {os.path.realpath(p) for p in self.executables}


def parse_allow(lines: Iterable[str], source: str) -> OperatorAllow:
    """Entries (one per item; blanks and ``#`` comments skipped) into an :class:`OperatorAllow`.

    Raises :class:`InvalidDefinition` naming ``source`` and the entry's line when one is invalid.
    """
    targets: list[str] = []
    executables: set[str] = set()
    modules: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if entry.startswith("exec:"):
            path = entry.removeprefix("exec:").strip()
            if not os.path.isabs(path):
                raise InvalidDefinition(
                    f"an executable must be an absolute path: {entry!r}", source=source, line=number, field="exec"
                )
            executables.add(path)
        elif entry.startswith("module:"):
            modules.add(entry.removeprefix("module:").strip())
        else:
            try:
                parse_entry(entry)
            except ValueError as exc:
                raise InvalidDefinition(str(exc), source=source, line=number, field="entry") from None
            targets.append(entry)
    try:
        allow = AllowList.of(targets)
    except ValidationError as exc:
        message = str(exc.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")
        raise InvalidDefinition(message, source=source, field="entry") from None
    return OperatorAllow(allow, frozenset(executables), frozenset(modules), source)


def stack_entries(stack_dir: Path, extra_urls: Iterable[str] = ()) -> list[str]:
    """``127.0.0.1:port`` and ``[::1]:port`` for every URL of the stack recorded in
    ``stack_dir`` (and ``extra_urls``): the default allow-list."""
    state = load_state(stack_dir.resolve())
    urls = list(extra_urls)
    if state is not None:
        urls += list(state.ready_urls.values())
        urls += [u for u in (state.target_url, state.proxy_control_url, state.proxy_url) if u]
    ports = sorted({port for url in urls if (port := urlsplit(url).port) is not None})
    return [entry for port in ports for entry in (f"127.0.0.1:{port}", f"[::1]:{port}")]


def operator_allow(env: Mapping[str, str] | None = None) -> OperatorAllow:
    """The operator's allow-list for a run in this environment (see the module doc)."""
    settings = load_settings(os.environ if env is None else env)
    if settings.chaos_allow_file is not None:
        path = settings.chaos_allow_file
        try:
            lines = path.read_text().splitlines()
        except OSError as exc:
            raise InvalidDefinition(f"cannot read the allow file: {exc.strerror}", source=str(path)) from None
        return parse_allow(lines, str(path))
    if settings.chaos_allow:
        return parse_allow(settings.chaos_allow.split(","), ALLOW_ENV)
    stack_dir = settings.stack_dir or DEFAULT_RUN_DIR
    web = [settings.web_url] if settings.web_url else []
    return parse_allow(stack_entries(stack_dir, web), f"the stack in {stack_dir}")
