"""Alertmanager: ``alertmanager.yml`` validated, routed and described as Alertmanager does."""

from integrations.alertmanager.config import AlertmanagerConfig, load_config
from integrations.alertmanager.intervals import in_interval, is_muted
from integrations.alertmanager.matchers import Matcher, parse_matchers
from integrations.alertmanager.routing import (
    RouteNode,
    compile_tree,
    describe_tree,
    inhibited,
    match_routes,
    receivers_for,
)

__all__ = [
    "AlertmanagerConfig",
    "Matcher",
    "RouteNode",
    "compile_tree",
    "describe_tree",
    "in_interval",
    "inhibited",
    "is_muted",
    "load_config",
    "match_routes",
    "parse_matchers",
    "receivers_for",
]
