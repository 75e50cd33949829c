"""The routing tree compiled, and the receivers an alert reaches (as ``amtool`` reports them).

Alertmanager's rules (``dispatch/route.go``): a child starts from its parent's options
(receiver, ``group_by``, timers) and overrides what it sets; ``mute_time_intervals`` and
``active_time_intervals`` are the route's own, never inherited. Matching is depth first,
left to right: a node that matches tries its children in order; a matching child's
matches are kept and, unless that child has ``continue: true``, the search stops there.
A matching node none of whose children match is itself the match. The root matches
every alert. ``amtool config routes test`` prints the matched routes' receivers joined by
commas, in that order, repeats kept. Defaults: ``group_wait`` 30s, ``group_interval`` 5m,
``repeat_interval`` 4h.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from integrations.alertmanager.config import AlertmanagerConfig, InhibitRule, Route
from integrations.alertmanager.durations import parse_duration
from integrations.alertmanager.matchers import Matcher, matches_all, parse_matchers

__all__ = [
    "RouteNode",
    "compile_tree",
    "describe_tree",
    "inhibited",
    "match_routes",
    "receivers_for",
]

_DEFAULTS = {"group_wait": 30.0, "group_interval": 300.0, "repeat_interval": 4 * 3600.0}


@dataclass(frozen=True)
class RouteNode:
    """A route with its inherited options resolved; ``path`` is its position (``0.2.1``)."""

    path: str
    receiver: str
    matchers: tuple[Matcher, ...]
    continue_: bool
    group_by: tuple[str, ...] | None  # None: group by all labels ('...')
    group_wait: float
    group_interval: float
    repeat_interval: float
    mute_time_intervals: tuple[str, ...]
    active_time_intervals: tuple[str, ...]
    children: tuple[RouteNode, ...]

    def group_key(self, labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """The labels that identify an alert's group on this route."""
        names = sorted(labels) if self.group_by is None else sorted(self.group_by)
        return tuple((name, labels[name]) for name in names if name in labels)


def route_matchers(route: Route) -> tuple[Matcher, ...]:
    """A route's matchers: ``match`` (equality), ``match_re`` (regex) and ``matchers``."""
    out = [Matcher(name, "=", value) for name, value in route.match.items()]
    out += [Matcher(name, "=~", value) for name, value in route.match_re.items()]
    out += [m for text in route.matchers for m in parse_matchers(text)]
    return tuple(out)


def _compile(route: Route, parent: RouteNode | None, path: str) -> RouteNode:
    def timer(name: str) -> float:
        value = getattr(route, name)
        if value is not None:
            return parse_duration(value)
        return _DEFAULTS[name] if parent is None else float(getattr(parent, name))

    if route.group_by is not None:
        group_by = None if route.group_by == ("...",) else route.group_by
    else:
        group_by = () if parent is None else parent.group_by
    receiver = route.receiver or (parent.receiver if parent else "")
    node = RouteNode(
        path=path,
        receiver=receiver,
        matchers=route_matchers(route),
        continue_=route.continue_,
        group_by=group_by,
        group_wait=timer("group_wait"),
        group_interval=timer("group_interval"),
        repeat_interval=timer("repeat_interval"),
        mute_time_intervals=route.mute_time_intervals,
        active_time_intervals=route.active_time_intervals,
        children=(),
    )
    children = tuple(_compile(child, node, f"{path}.{i}") for i, child in enumerate(route.routes))
    return RouteNode(**{**node.__dict__, "children": children})


def compile_tree(config: AlertmanagerConfig) -> RouteNode:
    """The root of ``config``'s routing tree, options resolved."""
    return _compile(config.route, None, "0")


def match_routes(node: RouteNode, labels: Mapping[str, str]) -> list[RouteNode]:
    """The routes an alert with ``labels`` is sent to, in Alertmanager's order."""
    if not matches_all(node.matchers, labels):
        return []
    found: list[RouteNode] = []
    for child in node.children:
        matched = match_routes(child, labels)
        found.extend(matched)
        if matched and not child.continue_:
            break
    return found or [node]


def receivers_for(config: AlertmanagerConfig, labels: Mapping[str, str]) -> list[str]:
    """The receivers an alert reaches, exactly as ``amtool config routes test`` lists them."""
    return [route.receiver for route in match_routes(compile_tree(config), labels)]


def _side(rule: InhibitRule, side: str) -> tuple[Matcher, ...]:
    equal: Mapping[str, str] = getattr(rule, f"{side}_match")
    regex: Mapping[str, str] = getattr(rule, f"{side}_match_re")
    texts: Sequence[str] = getattr(rule, f"{side}_matchers")
    out = [Matcher(n, "=", v) for n, v in equal.items()] + [
        Matcher(n, "=~", v) for n, v in regex.items()
    ]
    return tuple(out + [m for text in texts for m in parse_matchers(text)])


def inhibited(
    rules: Sequence[InhibitRule], target: Mapping[str, str], firing: Sequence[Mapping[str, str]]
) -> bool:
    """Whether ``target`` is inhibited by one of the ``firing`` alerts under ``rules``.

    A rule inhibits a target matching its target matchers while a firing alert matches its
    source matchers and carries the same values (absent counts as empty) for every
    ``equal`` label; an alert never inhibits itself (the same labels). An alert matching both sides is not inhibited by another that does
    (Alertmanager's two-sided exclusion), so such alerts cannot silence each other.
    """
    for rule in rules:
        source, dest = _side(rule, "source"), _side(rule, "target")
        if not matches_all(dest, target):
            continue
        both = matches_all(source, target)
        for alert in firing:
            if alert == target or not matches_all(source, alert):
                continue
            if both and matches_all(dest, alert):
                continue
            if all(alert.get(n, "") == target.get(n, "") for n in rule.equal):
                return True
    return False


def describe_tree(config: AlertmanagerConfig) -> str:
    """The routing tree as indented text, one route a line with its resolved options."""
    lines: list[str] = []

    def walk(node: RouteNode, depth: int) -> None:
        group = "..." if node.group_by is None else ",".join(node.group_by) or "-"
        parts = [
            f"{'  ' * depth}{node.path} -> {node.receiver}",
            "{" + ", ".join(str(m) for m in node.matchers) + "}" if node.matchers else "",
            "continue" if node.continue_ else "",
            f"group_by={group} wait={node.group_wait:g}s interval={node.group_interval:g}s repeat={node.repeat_interval:g}s",
            f"mute={','.join(node.mute_time_intervals)}" if node.mute_time_intervals else "",
            f"active={','.join(node.active_time_intervals)}" if node.active_time_intervals else "",
        ]
        lines.append(" ".join(p for p in parts if p))
        for child in node.children:
            walk(child, depth + 1)

    walk(compile_tree(config), 0)
    receivers = ", ".join(
        f"{r.name} ({'/'.join(r.integrations) or 'none'})" for r in config.receivers
    )
    lines.append(f"receivers: {receivers}")
    lines.append(
        f"inhibit rules: {len(config.inhibit_rules)}, time intervals: {len(config.intervals())}"
    )
    return "\n".join(lines) + "\n"
