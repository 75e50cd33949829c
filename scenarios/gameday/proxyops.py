"""The team's actions on your own staging: the catalog mapped onto the fault proxy's faults.

On own staging (``drillbit gameday run EXP --target URL``) the faults are the fault proxy's
(Toxiproxy's API), and the user's service has no admin API drillbit knows. So the experiment's
``drillbit`` extension says which catalog operation undoes which kinds of proxy fault
(:data:`~scenarios.faultproxy.model.FAULT_KINDS`: ``latency``, ``bandwidth``, ``timeout``,
``reset_peer``, ``down``), as the fault's story goes ("the latency came with the last
release: a rollback undoes it")::

    extensions:
      - name: drillbit
        team_actions:
          - {verb: rollback, clears: all}                      # any version
          - {verb: toggle_flag, flag: slow-path, enabled: false, clears: [latency]}

A rule matches an operation on the staging service (``--service``) with the same verb and the
same value for every other field the rule names (``version``, ``flag``, ``enabled``,
``key``, ``value``...); the first match wins. Without ``team_actions`` the default is
:data:`DEFAULT_TEAM_ACTIONS`: ``rollback``, ``restart`` or ``failover`` of the service remove
every fault. :class:`ProxySystem` carries a matched operation out on the proxy
(``DELETE /faults?kinds=...``, the faults the experiment added, toxics included); an
operation no rule maps, or on another service, is refused before anything is sent, with the
reason. Pure parsing here; the one request is :meth:`ProxySystem._perform`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from drills.world.ops import VERBS, Verb
from playbook.errors import InvalidDefinition
from scenarios.allowlist import AllowList
from scenarios.faultproxy.model import FAULT_KINDS, ProxyFaults
from scenarios.gameday.realops import RealSystem, Unsupported
from scenarios.httpcall import call
from scenarios.stackstate import StackState

__all__ = [
    "DEFAULT_TEAM_ACTIONS",
    "ProxySystem",
    "TeamAction",
    "injected_kinds",
    "matching",
    "own_staging_system",
    "proxy_fixes",
    "team_actions",
]

Kind = Literal["latency", "bandwidth", "timeout", "reset_peer", "down"]
_MATCH_FIELDS = ("version", "replicas", "size", "timeout_ms", "flag", "enabled", "key", "value", "rps", "credential", "client")
#: chaostoolkit-toxiproxy functions that inject a fault, and its kind.
_TOXIPROXY_FUNCS = {
    "create_latency_toxic": "latency",
    "create_bandwith_degradation_toxic": "bandwidth",
    "create_bandwidth_degradation_toxic": "bandwidth",
    "create_timeout_toxic": "timeout",
    "create_reset_peer_toxic": "reset_peer",
    "disable_proxy": "down",
}


class TeamAction(BaseModel):
    """One rule: the catalog operation (verb and the fields it names) and what it clears."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verb: Verb
    clears: Literal["all"] | list[Kind] = Field(min_length=1)
    version: str | None = None
    replicas: int | None = None
    size: int | None = None
    timeout_ms: float | None = None
    flag: str | None = None
    enabled: bool | None = None
    key: str | None = None
    value: str | None = None
    rps: float | None = None
    credential: str | None = None
    client: str | None = None

    def kinds(self) -> list[str]:
        """The fault kinds this operation removes."""
        return list(FAULT_KINDS) if self.clears == "all" else list(dict.fromkeys(self.clears))

    def matches(self, op: Mapping[str, Any]) -> bool:
        if op.get("verb") != self.verb:
            return False
        named = {f: getattr(self, f) for f in _MATCH_FIELDS if getattr(self, f) is not None}
        return all(str(op.get(f)) == str(v) for f, v in named.items())

    def operation(self, service: str) -> dict[str, Any] | None:
        """The complete operation this rule stands for (None when the verb needs a parameter
        the rule leaves open, e.g. a rollback to any version)."""
        need = VERBS[self.verb][0]
        fields = {f: getattr(self, f) for f in _MATCH_FIELDS if getattr(self, f) is not None}
        if need is not None and need not in fields:
            return None
        if self.verb == "set_config" and "value" not in fields:
            return None
        return {"verb": self.verb, "target": service, **fields}


#: Without ``team_actions``: rolling back, restarting or failing over the service removes
#: every fault the experiment added.
DEFAULT_TEAM_ACTIONS = (
    TeamAction(verb="rollback", clears="all"),
    TeamAction(verb="restart", clears="all"),
    TeamAction(verb="failover", clears="all"),
)


def team_actions(experiment: Mapping[str, Any]) -> tuple[TeamAction, ...]:
    """The experiment's ``team_actions`` (its ``drillbit`` extension), else the default.
    Raises :class:`InvalidDefinition` naming the field (``team_actions[1].clears``)."""
    for extension in experiment.get("extensions") or ():
        if not (isinstance(extension, Mapping) and extension.get("name") == "drillbit" and "team_actions" in extension):
            continue
        rules = extension["team_actions"]
        if not isinstance(rules, list) or not rules:
            raise InvalidDefinition("must be a non-empty list of {verb, clears, ...}", field="team_actions")
        parsed = []
        for index, rule in enumerate(rules):
            try:
                parsed.append(TeamAction.model_validate(rule))
            except ValidationError as exc:
                error = max(exc.errors(), key=lambda e: len(e["loc"]))  # the deepest: a list's item
                where = ".".join(str(p) for p in error["loc"] if not str(p).startswith(("literal[", "list[")))
                raise InvalidDefinition(error["msg"], field=f"team_actions[{index}]" + (f".{where}" if where else "")) from None
        return tuple(parsed)
    return DEFAULT_TEAM_ACTIONS


def matching(op: Mapping[str, Any], rules: Sequence[TeamAction], service: str) -> TeamAction:
    """The first rule for ``op``; :class:`Unsupported` (nothing is sent) saying why not."""
    if op.get("target") != service:
        raise Unsupported(f"the staging system has no service {op.get('target')!r} (it runs {service!r})")
    for rule in rules:
        if rule.matches(op):
            return rule
    # The reason reaches the room: it names no rule (which would tell the team the fix).
    raise Unsupported(
        f"the staging {service} cannot {str(op.get('verb')).replace('_', ' ')} like this: no "
        "team action of the experiment maps it onto the fault proxy (team_actions)"
    )


def injected_kinds(experiment: Mapping[str, Any]) -> list[str]:
    """The kinds of proxy fault the experiment's method injects (``set_proxy_faults`` or
    chaostoolkit-toxiproxy), in order."""
    kinds: list[str] = []
    for activity in experiment.get("method") or ():
        provider = (activity.get("provider") if isinstance(activity, Mapping) else None) or {}
        func, module = provider.get("func"), str(provider.get("module") or "")
        if func == "set_proxy_faults":
            args = {k: v for k, v in (provider.get("arguments") or {}).items() if k in ProxyFaults.model_fields}
            try:
                active = ProxyFaults.model_validate(args).active()
            except ValidationError:
                active = []
            kinds += [kind for kind, names in FAULT_KINDS.items() if set(names) & set(active)]
        elif module.startswith("chaostoxi") and func in _TOXIPROXY_FUNCS:
            kinds.append(_TOXIPROXY_FUNCS[func])
    return list(dict.fromkeys(kinds))


def proxy_fixes(experiment: Mapping[str, Any], service: str, rules: Sequence[TeamAction]) -> list[dict[str, Any]]:
    """The operations that undo the experiment's proxy faults (the scripted team's truth):
    the first complete rule that clears them all, else one per kind left."""
    left = injected_kinds(experiment)
    complete = [(rule, op) for rule in rules if (op := rule.operation(service)) is not None]
    for rule, op in complete:
        if set(left) <= set(rule.kinds()):
            return [op] if left else []
    fixes: list[dict[str, Any]] = []
    for kind in left:
        op = next((op for rule, op in complete if kind in rule.kinds()), None)
        if op is not None and op not in fixes:
            fixes.append(op)
    return fixes


class ProxySystem(RealSystem):
    """Own staging as the team operates it: mapped operations clear the proxy's faults."""

    def __init__(
        self,
        control_url: str,
        admin_token: SecretStr,
        *,
        allow: AllowList,
        service: str,
        rules: Sequence[TeamAction] = DEFAULT_TEAM_ACTIONS,
    ) -> None:
        super().__init__(control_url, admin_token, allow=allow, service=service)
        self.rules = tuple(rules)

    def fixes_for(self, experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
        return proxy_fixes(experiment, self.service, self.rules)

    def _perform(self, fields: Mapping[str, Any]) -> str:
        kinds = matching(fields, self.rules, self.service).kinds()
        answer = call(
            "DELETE",
            self.target_url + "/faults",
            allow=self._allow,
            token=self._token.get_secret_value(),
            params={"kinds": ",".join(kinds)},
        )
        active = ProxyFaults.model_validate(answer).active() if isinstance(answer, dict) else []
        return f"fault proxy: {', '.join(kinds)} cleared; faults on: {', '.join(active) or 'none'}"


def own_staging_system(state: StackState, allow: AllowList, experiment: Mapping[str, Any]) -> ProxySystem | None:
    """The team's system on an own-staging stack (its proxy's control URL and token file, the
    experiment's ``team_actions``); None for the bundled stack."""
    token_file = state.proxy_admin_token_file
    if state.own_target is None or state.proxy_control_url is None or token_file is None or not token_file.is_file():
        return None
    token = SecretStr(token_file.read_text().strip())
    return ProxySystem(state.proxy_control_url, token, allow=allow, service=state.service or "staging", rules=team_actions(experiment))
