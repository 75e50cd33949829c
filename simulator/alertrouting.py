"""A study's alerts routed through an ``alertmanager.yml`` to escalation policies.

With ``alertmanager_config: FILE`` and ``receivers: {receiver: policy or null}``, an
incident of severity ``S`` on service ``X`` carries the labels ``X``'s ``labels`` plus
``service: X`` and ``severity: S``; the tree routes them (as ``amtool`` would) and the
first matched receiver mapped to a policy pages with it. If every matched receiver maps
to null (a chat channel, say) nobody is paged: the incident is a ticket. Grouping takes
the root route's ``group_by`` (the model's alerts carry ``service`` and ``alertname``) and
timers. Per-route grouping, inhibition and mute
intervals need the grouping replay and are not modelled here.
"""

from __future__ import annotations

from integrations.alertmanager import AlertmanagerConfig, compile_tree, match_routes
from playbook.model import Playbook
from simulator.sections import GroupingSpec, ServiceSpec

__all__ = ["root_grouping", "route_labels", "routed_policies"]


def route_labels(service: ServiceSpec, severity: str) -> dict[str, str]:
    """The labels an incident of ``severity`` on ``service`` is routed by."""
    return {**service.labels, "service": service.name, "severity": severity}


def routed_policies(
    config: AlertmanagerConfig,
    receivers: dict[str, str | None],
    services: tuple[ServiceSpec, ...],
    book: Playbook,
) -> dict[tuple[int, int], str | None]:
    """(severity index, service index) -> the policy that pages, or None for nobody."""
    tree = compile_tree(config)
    table: dict[tuple[int, int], str | None] = {}
    for i, level in enumerate(book.severities):
        for j, service in enumerate(services):
            matched = match_routes(tree, route_labels(service, level.name))
            policies = [receivers.get(route.receiver) for route in matched]
            table[(i, j)] = next((p for p in policies if p is not None), None)
    return table


def root_grouping(config: AlertmanagerConfig) -> GroupingSpec:
    """The study's grouping from the root route of the tree."""
    root = compile_tree(config)
    by = ("...",) if root.group_by is None else root.group_by
    return GroupingSpec(
        enabled=True,
        group_by=by,
        group_wait_seconds=root.group_wait,
        group_interval_minutes=root.group_interval / 60,
        repeat_interval_hours=root.repeat_interval / 3600,
    )
