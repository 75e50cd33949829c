"""The study file: everything a what-if simulation needs, validated before anything runs.

A study names a playbook (``default``, a path relative to the study file, or an inline
mapping), optionally patches it, and describes the alert sources, grouping, paging,
responders, dispatch, incident work and metrics, plus the horizon, replications, seed and
a list of **variants**: named overrides of any field by dotted path (see
:mod:`simulator.overrides`). ``playbook.*`` paths patch the playbook document.

:func:`load_study` reads a file through :func:`playbook.loader.load_model`, so every error
names the file, the line and the field; cross-references (a service routed to a policy that
does not exist, a role with no candidates) and every variant are checked at load too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from integrations.alertmanager import AlertmanagerConfig, load_config
from integrations.document import base_document, merge_sections
from integrations.files import read_json
from integrations.pagerduty import account_from_bodies, account_sections
from integrations.terraform import account_from_terraform, read_terraform
from playbook.errors import InvalidDefinition
from playbook.loader import BadReference, LineMap, load_model, parse_yaml, validate_data
from playbook.model import DEFAULT_PLAYBOOK_PATH, Playbook
from playbook.roles import Role
from playbook.safeyaml import read_definition
from simulator.alertrouting import root_grouping
from simulator.history_source import check_history_services, load_history
from simulator.objectives import Objectives
from simulator.overrides import OverrideError, apply_overrides
from simulator.sections import (
    AlertsSpec,
    DispatchSpec,
    GroupingSpec,
    MetricsSpec,
    PagingSpec,
    RespondersSpec,
    WorkSpec,
)

__all__ = ["BASELINE", "Scenario", "Study", "Variant", "check_references", "load_study"]

BASELINE = "baseline"
_FROZEN = ConfigDict(extra="forbid", frozen=True)


# --- the study -----------------------------------------------------------------------------


class Variant(BaseModel):
    """A named design: dotted-path overrides of the study (``playbook.*`` patches the playbook)."""

    model_config = _FROZEN

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    set: dict[str, Any] = Field(min_length=1)


@dataclass(frozen=True)
class _Context:
    base_dir: Path
    source: str
    lines: LineMap


_LOADING: ContextVar[_Context | None] = ContextVar("simulator_study_loading", default=None)


@contextmanager
def _loading(context: _Context) -> Iterator[None]:
    token = _LOADING.set(context)
    try:
        yield
    finally:
        _LOADING.reset(token)


@dataclass(frozen=True)
class _BookSource:
    data: Any
    source: str
    lines: LineMap


@dataclass(frozen=True)
class Scenario:
    """One variant, resolved: its study (overrides applied) and its playbook."""

    name: str
    description: str
    study: Study
    book: Playbook
    overrides: dict[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        """A hash of everything that defines this scenario (study and playbook).

        Computed once (a scenario is frozen): each replication looks its compiled form up by it.
        """
        cached: str | None = self.__dict__.get("_digest")
        if cached is None:
            payload = json.dumps(
                [self.study.model_dump(mode="json"), self.book.model_dump(mode="json")],
                sort_keys=True,
                default=str,
            )
            cached = hashlib.sha256(payload.encode()).hexdigest()[:16]
            object.__setattr__(self, "_digest", cached)
        return cached


class Study(BaseModel):
    """A what-if study; see the module docstring and simulator/README.md."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    description: str = ""
    playbook: str | dict[str, Any] = "default"
    playbook_patch: dict[str, Any] = {}
    start: datetime = Field(description="time-zone aware start of the simulated period")
    horizon_days: float = Field(gt=0)
    warmup_days: float = Field(default=0.0, ge=0)
    replications: int = Field(default=10, ge=1)
    seed: int = Field(default=0, ge=0)
    alerts: AlertsSpec
    grouping: GroupingSpec = GroupingSpec()
    paging: PagingSpec = PagingSpec()
    responders: RespondersSpec = RespondersSpec()
    dispatch: DispatchSpec = DispatchSpec()
    work: WorkSpec
    metrics: MetricsSpec = MetricsSpec()
    alertmanager_config: str | None = Field(
        default=None, description="alertmanager.yml (relative to the study) routing the alerts"
    )
    receivers: dict[str, str | None] = Field(
        default_factory=dict, description="Alertmanager receiver -> escalation policy (null: nobody)"
    )
    objectives: Objectives | None = Field(
        default=None, description="primary metrics and constraints the verdict answers to"
    )
    variants: tuple[Variant, ...] = ()

    _book: Playbook | None = PrivateAttr(default=None)
    _alertmanager: AlertmanagerConfig | None = PrivateAttr(default=None)
    _book_source: _BookSource | None = PrivateAttr(default=None)
    _base_dir: Path = PrivateAttr(default=Path())

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("start must carry a UTC offset, e.g. 2025-01-06T00:00:00-05:00")
        return value

    @model_validator(mode="after")
    def _grouping_or_alertmanager(self) -> Self:
        if self.alertmanager_config is not None and self.grouping != GroupingSpec():
            raise ValueError("give grouping or alertmanager_config (which sets the grouping), not both")
        if self.receivers and self.alertmanager_config is None:
            raise ValueError("receivers maps an alertmanager_config's receivers; give that file too")
        return self

    @model_validator(mode="after")
    def _unique_variants(self) -> Self:
        names = [v.name for v in self.variants]
        for i, name in enumerate(names):
            if name == BASELINE or name in names[:i]:
                raise ValueError(f"variant name {name!r} is reserved or repeated")
        return self

    # -- resolution ------------------------------------------------------------------------
    @property
    def book(self) -> Playbook:
        """The playbook, patched (resolved on first use)."""
        if self._book is None:
            self.cross_check()
        assert self._book is not None
        return self._book

    def history_path(self) -> Path | None:
        """The ``alerts.history`` file, relative to the study file."""
        return None if self.alerts.history is None else self._base_dir / self.alerts.history

    @property
    def total_days(self) -> float:
        return self.warmup_days + self.horizon_days

    @property
    def alertmanager(self) -> AlertmanagerConfig | None:
        """The parsed ``alertmanager_config`` (loaded with the study), if any."""
        if self.alertmanager_config is not None and self._alertmanager is None:
            self._alertmanager = _load_alertmanager(self.alertmanager_config, self._base_dir)
        return self._alertmanager

    @property
    def effective_grouping(self) -> GroupingSpec:
        """``grouping``, or the root route's grouping when an alertmanager_config is given."""
        config = self.alertmanager
        return self.grouping if config is None else root_grouping(config)

    def cross_check(self) -> None:
        """Resolve the playbook and check every reference and every variant (BadReference)."""
        context = _LOADING.get()
        if context is not None:
            self._base_dir = context.base_dir
        source = _book_source(self.playbook, self._base_dir, context)
        book = _patched_book(source, self.playbook_patch, ("playbook_patch",))
        check_references(self, book)
        _check_alertmanager(self, book)
        self._book_source = source
        self._book = book
        for index in range(len(self.variants)):
            self._build_variant(index)

    def _build_variant(self, index: int) -> Scenario:
        variant = self.variants[index]
        loc_base: tuple[str | int, ...] = ("variants", index, "set")
        study_set = {k: v for k, v in variant.set.items() if not k.startswith("playbook.")}
        book_set = {
            k[len("playbook.") :]: v for k, v in variant.set.items() if k.startswith("playbook.")
        }
        data = self.model_dump(mode="json", exclude={"variants"})
        try:
            data = apply_overrides(data, study_set)
        except OverrideError as exc:
            raise BadReference(loc_base, f"variant {variant.name!r}: {exc}") from None
        try:
            study = Study.model_validate(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            key = _blame(variant.set, where)
            msg = "unknown field" if first["type"] == "extra_forbid" else first["msg"]
            raise BadReference(
                (*loc_base, key), f"variant {variant.name!r}: {where}: {msg}"
            ) from None
        study._base_dir = self._base_dir
        source = self._book_source
        if "playbook" in study_set or source is None:
            source = _book_source(study.playbook, self._base_dir, None)
        patch = {**study.playbook_patch, **book_set}
        try:
            book = _patched_book(source, patch, ())
            check_references(study, book)
            _check_alertmanager(study, book)
        except BadReference as exc:
            key = _blame(variant.set, ".".join(str(p) for p in exc.loc))
            raise BadReference(
                (*loc_base, key), f"variant {variant.name!r}: {exc.message}"
            ) from None
        except InvalidDefinition as exc:
            raise BadReference(loc_base, f"variant {variant.name!r}: {exc.one_line()}") from None
        study._book = book
        study._book_source = source
        return Scenario(variant.name, variant.description, study, book, dict(variant.set))

    def scenarios(self) -> list[Scenario]:
        """The baseline followed by every variant, each resolved and validated."""
        base = self.model_copy(update={"variants": ()})
        base._book, base._book_source, base._base_dir = self.book, self._book_source, self._base_dir
        out = [Scenario(BASELINE, "the study as written", base, self.book, {})]
        out.extend(self._build_variant(i) for i in range(len(self.variants)))
        return out

    def with_overrides(self, overrides: Mapping[str, Any], *, name: str | None = None) -> Study:
        """A copy of this study with dotted-path overrides applied and fully re-validated."""
        data = self.model_dump(mode="json")
        data = apply_overrides(data, overrides)
        if name is not None:
            data["name"] = name
        text = json.dumps(data)
        source = self._book_source.source if self._book_source else "<study>"
        with _loading(_Context(self._base_dir, f"{source} (with overrides)", {})):
            parsed, lines = parse_yaml(text, source="<overrides>")
            return validate_data(Study, parsed, lines, source="<overrides>")


def _blame(overrides: Mapping[str, Any], where: str) -> str:
    """The override key most likely responsible for an error at ``where``."""
    keys = list(overrides)
    for key in keys:
        if where.startswith(key.replace("playbook.", "", 1)) or where.startswith(key):
            return key
    return keys[0]


def _load_alertmanager(ref: str, base_dir: Path) -> AlertmanagerConfig:
    path = base_dir / ref
    try:
        return load_config(path)
    except InvalidDefinition as exc:
        raise BadReference(("alertmanager_config",), exc.one_line()) from None


def _check_alertmanager(study: Study, book: Playbook) -> None:
    """Every receiver of the tree is mapped, to a policy the playbook has or to null."""
    config = study.alertmanager
    if config is None:
        return
    names = [r.name for r in config.receivers]
    policies = {p.name for p in book.escalation_policies}
    for name, policy in study.receivers.items():
        if name not in names:
            raise BadReference(("receivers", name), f"{name!r} is not a receiver of the alertmanager_config")
        if policy is not None and policy not in policies:
            raise BadReference(("receivers", name), f"unknown escalation policy {policy!r}")
    for name in names:
        if name not in study.receivers:
            raise BadReference(
                ("receivers",), f"receiver {name!r} is not mapped (to an escalation policy, or null)"
            )


_IMPORTS = ("pagerduty", "terraform")


def _imported_book(ref: dict[str, Any], base_dir: Path) -> _BookSource:
    """``{pagerduty: [files]}`` or ``{terraform: [files]}`` (optional ``base``) imported."""
    kind = next(k for k in _IMPORTS if k in ref)
    files = ref[kind]
    extra = set(ref) - {kind, "base"}
    if extra or not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
        raise BadReference(("playbook", kind), f"playbook.{kind} is a list of files (and an optional base)")
    paths = [base_dir / f for f in files]
    base = ref.get("base")
    try:
        if kind == "pagerduty":
            account = account_from_bodies((str(p), read_json(p)) for p in paths)
        else:
            account = account_from_terraform([read_terraform(p) for p in paths])
        doc, _ = merge_sections(
            base_document(None if base is None else base_dir / str(base)), account_sections(account)
        )
    except InvalidDefinition as exc:
        raise BadReference(("playbook", kind), exc.one_line()) from None
    return _BookSource(doc, ", ".join(str(p) for p in paths), {})


def _book_source(
    ref: str | dict[str, Any], base_dir: Path, context: _Context | None
) -> _BookSource:
    if isinstance(ref, dict) and any(k in ref for k in _IMPORTS):
        return _imported_book(ref, base_dir)
    if isinstance(ref, dict):
        lines: LineMap = {}
        if context is not None:
            lines = {
                loc[1:]: line for loc, line in context.lines.items() if loc[:1] == ("playbook",)
            }
        return _BookSource(ref, context.source if context else "<inline playbook>", lines)
    path = DEFAULT_PLAYBOOK_PATH if ref == "default" else base_dir / ref
    try:
        text = read_definition(path)
    except InvalidDefinition as exc:
        raise BadReference(("playbook",), f"cannot read playbook {str(path)!r}: {exc.message}") from None
    data, lines = parse_yaml(text, source=str(path))
    return _BookSource(data, str(path), lines)


def _patched_book(
    source: _BookSource, patch: Mapping[str, Any], loc: tuple[str | int, ...]
) -> Playbook:
    if not patch:
        return validate_data(Playbook, source.data, source.lines, source=source.source)
    # Errors in the playbook itself are reported against its own file and lines.
    validate_data(Playbook, source.data, source.lines, source=source.source)
    try:
        data = apply_overrides(source.data, patch)
    except OverrideError as exc:
        raise BadReference(loc, str(exc)) from None
    try:
        return validate_data(Playbook, data, {}, source=source.source)
    except InvalidDefinition as exc:
        key = _blame(patch, exc.field or "")
        raise BadReference((*loc, key) if loc else loc, f"{exc.field}: {exc.message}") from None


def _people(book: Playbook) -> set[str]:
    names = {p.name for p in book.people}
    for schedule in book.schedules:
        for layer in schedule.layers:
            names.update(layer.users)
        names.update(o.user for o in schedule.overrides)
    for policy in book.escalation_policies:
        names.update(t.id for rule in policy.rules for t in rule.targets if t.type == "user")
    return names


def check_references(study: Study, book: Playbook) -> None:
    """Raise BadReference for the first reference of ``study`` that ``book`` cannot satisfy."""
    severities = set(book.severity_order)
    policies = {p.name for p in book.escalation_policies}
    services = {s.name for s in study.alerts.services}
    people = _people(book)
    if study.dispatch.pool is not None:
        people.update(study.dispatch.pool.members)
    noise = study.alerts.noise_severity
    if noise is not None and noise not in severities:
        raise BadReference(("alerts", "noise_severity"), f"unknown severity {noise!r}")
    if noise is None and not any(level.page for level in book.severities):
        raise BadReference(("alerts", "noise_severity"), "no severity pages, so noise cannot page")
    for service, policy in study.paging.policy_by_service.items():
        if service not in services:
            raise BadReference(
                ("paging", "policy_by_service", service), f"unknown service {service!r}"
            )
        if policy not in policies:
            raise BadReference(
                ("paging", "policy_by_service", service), f"unknown escalation policy {policy!r}"
            )
    for severity, policy in study.paging.policy_by_severity.items():
        if severity not in severities:
            raise BadReference(
                ("paging", "policy_by_severity", severity), f"unknown severity {severity!r}"
            )
        if policy not in policies:
            raise BadReference(
                ("paging", "policy_by_severity", severity), f"unknown escalation policy {policy!r}"
            )
    for level in book.severities:
        if not level.page:
            continue
        if level.escalation_policy is None and level.name not in study.paging.policy_by_severity:
            raise BadReference(
                ("paging", "policy_by_severity"),
                f"severity {level.name} pages but has no escalation policy; name one here",
            )
        cadence = level.update_every_minutes
        if cadence is not None and study.work.update_minutes >= cadence:
            raise BadReference(
                ("work", "update_minutes"),
                f"a status update ({study.work.update_minutes:g} min) must take less than "
                f"{level.name}'s update cadence ({cadence:g} min)",
            )
        if study.work.for_severity(level.name) is None:
            raise BadReference(
                ("work", "severities"),
                f"severity {level.name} pages but has no work model (or default)",
            )
    for name in study.work.severities:
        if name not in severities:
            raise BadReference(("work", "severities", name), f"unknown severity {name!r}")
    for name in study.responders.people:
        if name not in people:
            raise BadReference(("responders", "people", name), f"unknown person {name!r}")
    for i, name in enumerate(study.dispatch.pool.members if study.dispatch.pool else ()):
        if book.people and name not in {p.name for p in book.people}:
            raise BadReference(("dispatch", "pool", "members", i), f"unknown person {name!r}")
    for role, staffing in study.work.roles.items():
        for i, target in enumerate(staffing.candidates):
            loc = ("work", "roles", role.value, "candidates", i)
            if target.type == "schedule" and target.id not in book.schedules_by_name:
                raise BadReference(loc, f"unknown schedule {target.id!r}")
            if target.type == "user" and target.id not in people:
                raise BadReference(loc, f"unknown person {target.id!r}")
            if target.type == "ticket":
                raise BadReference(loc, "a ticket cannot hold a role")
    for spec in book.roles:
        if spec.role is Role.TECH_LEAD or not spec.required_for:
            continue
        if spec.role not in study.work.roles:
            raise BadReference(
                ("work", "roles"),
                f"the playbook requires {spec.role.value} for {', '.join(spec.required_for)}; "
                "list its candidates here",
            )
    for i, name in enumerate(study.metrics.team or ()):
        if name not in people:
            raise BadReference(("metrics", "team", i), f"unknown person {name!r}")
    history = study.history_path()
    if history is not None:
        check_history_services(load_history(history), tuple(sorted(services)))


def load_study(path: str | Path, *, text: str | None = None) -> Study:
    """Load and fully validate a study file (and its playbook and variants)."""
    path = Path(path)
    source = str(path)
    if text is None:
        text = read_definition(path)
    _, lines = parse_yaml(text, source=source)
    with _loading(_Context(path.parent, source, lines)):
        return load_model(Study, path, text=text)
