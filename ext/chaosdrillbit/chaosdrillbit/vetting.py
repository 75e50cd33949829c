"""What an activity would contact, and whether the operator allows all of it.

:func:`contacts` reads an activity as Chaos Toolkit would run it (its arguments substituted
with the run's configuration and secrets) and lists everything it would reach:

* ``http`` provider: its ``url``;
* ``process`` provider: its executable (``path``, as ``PATH`` finds it) and every URL in its
  arguments;
* ``python`` provider: its module (vetted ones, or the operator's ``module:`` entries), every
  URL among its arguments (nested too), and the configuration keys the vetted extensions read
  (``toxiproxy_url`` or ``toxiproxy_host``/``toxiproxy_port``; ``prometheus_base_url``), and
  a Toxiproxy proxy's ``upstream_host``/``upstream_port``.

:func:`vet` checks them (host names resolved once, see :meth:`AllowList.resolve`) and returns
the reasons for refusal (empty: allowed) and, for an ``http`` provider, the URL pinned to the
checked address with its ``Host`` header.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from chaoslib import substitute  # type: ignore[import-untyped]

from playbook.errors import InvalidDefinition
from scenarios.chaosallow import OperatorAllow

__all__ = ["Contact", "Vetting", "contacts", "vet"]

Activity = Mapping[str, Any]


@dataclass(frozen=True)
class Contact:
    """One thing an activity would reach: a ``url``, an ``exec``\\ utable or a ``module``."""

    kind: str
    value: str


@dataclass(frozen=True)
class Vetting:
    refused: tuple[str, ...]
    pinned_url: str | None = None
    host_header: str | None = None


def _urls(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if "://" in value:
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _urls(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _urls(item)


def _toxiproxy_url(configuration: Mapping[str, Any]) -> str:
    if configuration.get("toxiproxy_url"):
        return str(configuration["toxiproxy_url"])
    host = configuration.get("toxiproxy_host")
    return f"http://{host}:{configuration.get('toxiproxy_port') or 8474}"


def contacts(activity: Activity, configuration: Mapping[str, Any], secrets: Mapping[str, Any]) -> list[Contact]:
    """Everything ``activity`` would reach (see the module doc)."""
    provider = activity.get("provider") or {}
    kind = provider.get("type")
    arguments = substitute(provider.get("arguments"), configuration, secrets)
    found: list[Contact] = []
    if kind == "http":
        found.append(Contact("url", str(substitute(provider.get("url"), configuration, secrets))))
    elif kind == "process":
        path = str(provider.get("path", ""))
        found.append(Contact("exec", shutil.which(path) or path))
        found += [Contact("url", url) for url in _urls(arguments)]
    elif kind == "python":
        module = str(provider.get("module", ""))
        found.append(Contact("module", module))
        found += [Contact("url", url) for url in _urls(arguments)]
        if module.startswith("chaostoxi"):
            found.append(Contact("url", _toxiproxy_url(configuration)))
            if isinstance(arguments, Mapping) and arguments.get("upstream_host"):
                host, port = arguments["upstream_host"], arguments.get("upstream_port", 80)
                found.append(Contact("url", f"tcp://{host}:{port}"))
        if module.startswith("chaosprometheus"):
            found.append(Contact("url", str(configuration.get("prometheus_base_url", ""))))
    else:
        found.append(Contact("provider", str(kind)))
    return found


def vet(
    activity: Activity,
    configuration: Mapping[str, Any],
    secrets: Mapping[str, Any],
    allow: OperatorAllow,
) -> Vetting:
    """Check every contact of ``activity`` against ``allow`` (names resolved once)."""
    refused: list[str] = []
    pinned: tuple[str, str | None] | None = None
    for contact in contacts(activity, configuration, secrets):
        if contact.kind == "url":
            try:
                result = allow.targets.pin_url(contact.value)
            except InvalidDefinition as exc:
                refused.append(str(exc))
                continue
            if pinned is None and (activity.get("provider") or {}).get("type") == "http":
                pinned = result
        elif contact.kind == "exec" and not allow.allows_executable(contact.value):
            refused.append(f"executable {contact.value!r} is not on the operator's allow-list (exec: entries)")
        elif contact.kind == "module" and not allow.allows_module(contact.value):
            refused.append(f"provider module {contact.value!r} is not vetted (a module: entry allows it)")
        elif contact.kind == "provider":
            refused.append(f"provider type {contact.value!r} cannot be vetted")
    if pinned is None:
        return Vetting(tuple(refused))
    return Vetting(tuple(refused), pinned[0], pinned[1])
