"""Comms and postmortem templates: strict fields, escaping by format, overrides, channel names."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from playbook.errors import InvalidDefinition
from playbook.events import ActionItem
from playbook.roles import Role
from playbook.templates import (
    POSTMORTEM_SECTIONS,
    TemplateSet,
    channel_name,
    default_sources,
    format_duration,
    format_utc,
    missing_sections,
)

AT = datetime(2025, 10, 13, 14, 23, tzinfo=UTC)
STATUS = {
    "title": "Elevated API errors",
    "what_is_happening": "About 15% of checkout requests fail.",
    "impact": "Some customers cannot pay.",
    "what_we_are_doing": "Rolling back today's deployment.",
    "next_update_at": AT + timedelta(minutes=20),
}
FULL: dict[str, dict[str, object]] = {
    "declaration": {
        "severity": "SEV2",
        "title": "Payment system down",
        "declared_by": "@alice",
        "declared_at": AT,
        "channel": "incident-2025-10-13-payment-system-down",
        "roles": {Role.INCIDENT_COMMANDER: "@bob", Role.TECH_LEAD: "@carol"},
    },
    "customer_initial": {
        "service_name": "Acme Pay",
        "feature": "card payments",
        "symptom": "errors at checkout",
        "next_update_minutes": 30,
        "status": "Investigating",
        "impact_level": "High",
        "started_at": AT,
    },
    "status_update": STATUS,
    "status_update.html": STATUS,
    "resolution": {
        "service_name": "Acme Pay",
        "feature": "card payments",
        "resolved_at": AT + timedelta(minutes=30),
        "summary": "A connection leak in a deployment; we rolled it back.",
        "duration_minutes": 65,
        "impact": "Card payments failed for some customers.",
    },
    "postmortem": {
        "title": "API Outage",
        "date": date(2026, 4, 15),
        "duration_minutes": 25,
        "severity": "SEV2",
        "impact": "45% of API requests failed.",
        "authors": ["@alice", "@bob"],
        "summary": "A connection pool leak exhausted database connections.",
        "timeline": [("14:28", "Alert: error rate > 5%"), ("14:53", "Service restored")],
        "root_cause": "A query opened a connection per request.",
        "contributing_factors": ["No pool alert", "Short health check"],
        "went_well": ["Rollback took 4 minutes"],
        "went_poorly": [],
        "action_items": [
            ActionItem(
                action="Add pool alert", owner="@devops", due=date(2026, 4, 22), priority="P1"
            )
        ],
    },
}

EXPECTED = {
    "declaration": """\
# SEV2 incident declared: Payment system down

- **Severity:** SEV2
- **Title:** Payment system down
- **Declared by:** @alice
- **Declared at:** 2025-10-13 14:23 UTC
- **Channel:** #incident-2025-10-13-payment-system-down

## Roles

- **Incident Commander:** @bob
- **Technical Lead:** @carol
- **Communications Lead:** Unassigned
- **Scribe:** Unassigned

## Checklist

- [x] Assign Incident Commander
- [ ] Assess user impact
- [ ] Update status page
- [ ] Identify mitigation steps
- [ ] Implement fix or rollback
- [ ] Verify resolution
- [ ] Schedule postmortem
""",
    "customer_initial": """\
Subject: Acme Pay — Investigating an issue affecting card payments

We're currently investigating an issue affecting card payments.
Some users may experience errors at checkout.
Our team is actively working on a resolution. We'll provide an update within 30 minutes.

Status: Investigating
Impact: High
Started: 14:23 UTC
""",
    "status_update": """\
Update: Elevated API errors

What is happening: About 15% of checkout requests fail.
Impact: Some customers cannot pay.
What we are doing: Rolling back today's deployment.
Next update: 14:43 UTC
""",
    "status_update.html": """\
<section class="status-update">
  <h2>Elevated API errors</h2>
  <dl>
    <dt>What is happening</dt>
    <dd>About 15% of checkout requests fail.</dd>
    <dt>Impact</dt>
    <dd>Some customers cannot pay.</dd>
    <dt>What we are doing</dt>
    <dd>Rolling back today&#39;s deployment.</dd>
    <dt>Next update</dt>
    <dd><time datetime="2025-10-13T14:43:00+00:00">14:43 UTC</time></dd>
  </dl>
</section>
""",
    "resolution": """\
Subject: Acme Pay — Issue resolved

The issue affecting card payments has been resolved at 14:53 UTC.
What happened: A connection leak in a deployment; we rolled it back.
Duration: 1 hour 5 minutes
Impact: Card payments failed for some customers.

We're conducting a thorough review to prevent recurrence.
We apologize for the disruption.
""",
    "postmortem": """\
# Postmortem: API Outage

- **Date:** 2026-04-15
- **Duration:** 25 minutes
- **Severity:** SEV2
- **Impact:** 45% of API requests failed.
- **Authors:** @alice, @bob

_This postmortem is blameless: it asks what the system allowed, not who is at fault._

## Summary

A connection pool leak exhausted database connections.

## Timeline

| Time (UTC) | Event |
|------------|-------|
| 14:28 | Alert: error rate > 5% |
| 14:53 | Service restored |

## Root Cause

A query opened a connection per request.

## Contributing Factors

1. No pool alert
2. Short health check

## What Went Well

- Rollback took 4 minutes

## What Went Poorly

- None recorded.

## Action Items

| Action | Owner | Due | Priority |
|--------|-------|-----|----------|
| Add pool alert | @devops | 2026-04-22 | P1 |
""",
}

DEFAULTS = TemplateSet()


def test_shipped_template_ids_are_file_names_without_format_suffix() -> None:
    assert DEFAULTS.names() == (
        "customer_initial",
        "declaration",
        "postmortem",
        "resolution",
        "status_update",
        "status_update.html",
    )
    assert sorted(default_sources()) == list(DEFAULTS.names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_default_template_renders_with_a_full_set_of_fields(name: str) -> None:
    assert DEFAULTS.render(name, **FULL[name]) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(FULL))
def test_fields_are_exactly_the_variables_a_default_reads(name: str) -> None:
    assert DEFAULTS.fields(name) == set(FULL[name])
    assert DEFAULTS.required_fields(name) == set(FULL[name])


@pytest.mark.parametrize(
    ("name", "field"), [(name, field) for name in sorted(FULL) for field in sorted(FULL[name])]
)
def test_each_missing_field_names_itself(name: str, field: str) -> None:
    variables = {k: v for k, v in FULL[name].items() if k != field}
    with pytest.raises(InvalidDefinition) as caught:
        DEFAULTS.render(name, **variables)
    assert str(caught.value) == f"template {name!r} needs field {field!r}"


def test_several_missing_fields_are_all_named_in_order() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        DEFAULTS.render("status_update", title="t", what_is_happening="w", what_we_are_doing="d")
    assert str(caught.value) == "template 'status_update' needs fields 'impact', 'next_update_at'"


def test_roles_left_out_of_the_mapping_read_unassigned_and_ic_box_stays_open() -> None:
    text = DEFAULTS.render("declaration", **{**FULL["declaration"], "roles": {}})
    assert "- **Incident Commander:** Unassigned\n" in text
    assert "- [ ] Assign Incident Commander\n" in text


def test_html_template_escapes_script_tags() -> None:
    text = DEFAULTS.render("status_update.html", **{**STATUS, "impact": "<script>x()</script>"})
    assert "<dd>&lt;script&gt;x()&lt;/script&gt;</dd>" in text
    assert "<script>" not in text


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("status_update", "impact"),
        ("customer_initial", "symptom"),
        ("resolution", "summary"),
        ("declaration", "title"),
        ("postmortem", "root_cause"),
    ],
)
def test_markdown_and_text_templates_do_not_escape(name: str, field: str) -> None:
    text = DEFAULTS.render(name, **{**FULL[name], field: "<script>x()</script> & more"})
    assert "<script>x()</script> & more" in text


@given(st.text(max_size=40))
def test_any_text_lands_verbatim_in_text_and_escaped_in_html(value: str) -> None:
    plain = DEFAULTS.render("status_update", **{**STATUS, "impact": value})
    html = DEFAULTS.render("status_update.html", **{**STATUS, "impact": value})
    assert f"Impact: {value}\n" in plain
    assert f"<dd>{escape(value)}</dd>" in html


def test_markdown_table_cells_escape_pipes_and_flatten_newlines() -> None:
    item = ActionItem(action="Fix a | b\nnow", owner="@x", due=date(2026, 1, 2), priority="P2")
    text = DEFAULTS.render("postmortem", **{**FULL["postmortem"], "action_items": [item]})
    assert "| Fix a \\| b now | @x | 2026-01-02 | P2 |\n" in text


def test_override_replaces_the_default_and_leaves_the_others() -> None:
    custom = TemplateSet({"status_update": "{{ title }}: {{ impact }}\n"})
    assert custom.render("status_update", title="API", impact="slow") == "API: slow\n"
    assert custom.fields("status_update") == {"title", "impact"}
    assert custom.render("resolution", **FULL["resolution"]) == EXPECTED["resolution"]


def test_override_of_an_html_template_stays_escaped() -> None:
    custom = TemplateSet({"status_update.html": "<p>{{ impact }}</p>"})
    assert custom.render("status_update.html", impact="<b>") == "<p>&lt;b&gt;</p>"


def test_new_template_ids_are_text_unless_they_end_in_html() -> None:
    custom = TemplateSet({"exec_brief": "{{ note }}", "exec_brief.html": "{{ note }}"})
    assert custom.names()[:2] == ("customer_initial", "declaration")
    assert custom.render("exec_brief", note="<b>") == "<b>"
    assert custom.render("exec_brief.html", note="<b>") == "&lt;b&gt;"


def test_an_id_with_a_format_suffix_is_refused() -> None:
    with pytest.raises(InvalidDefinition, match=r"template id 'notes\.txt' is not valid"):
        TemplateSet({"notes.txt": "x"})


def test_syntax_error_in_override_names_template_and_line() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        TemplateSet({"status_update": "ok\n{% if impact %}\nyes\n{% endfi %}\n"})
    assert caught.value.line == 4
    assert str(caught.value) == (
        "template 'status_update' has a syntax error on line 4: Encountered unknown tag 'endfi'."
        " Jinja was looking for the following tags: 'elif' or 'else' or 'endif'."
        " The innermost block that needs to be closed is 'if'."
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_set_compiled_on_use_answers_as_the_one_compiled_up_front(name: str) -> None:
    lazy = TemplateSet(compile_all=False)
    assert lazy.names() == DEFAULTS.names()
    assert lazy.render(name, **FULL[name]) == EXPECTED[name]
    assert (lazy.fields(name), lazy.required_fields(name)) == (set(FULL[name]), set(FULL[name]))


def test_a_set_compiled_on_use_compiles_only_what_it_is_asked_for() -> None:
    # A broken override stops the eager set at once; the lazy one only when it is used.
    broken = {"notes": "{% if x %}never closed"}
    with pytest.raises(InvalidDefinition) as eager:
        TemplateSet(broken)
    lazy = TemplateSet(broken, compile_all=False)
    assert lazy.render("status_update", **STATUS) == EXPECTED["status_update"]
    with pytest.raises(InvalidDefinition) as on_use:
        lazy.render("notes")
    assert str(on_use.value) == str(eager.value)
    assert str(eager.value).startswith("template 'notes' has a syntax error on line 1")


def test_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        DEFAULTS.render("postmortem_v2")
    assert str(caught.value) == (
        "unknown template 'postmortem_v2' (known: customer_initial, declaration, postmortem,"
        " resolution, status_update, status_update.html)"
    )
    with pytest.raises(InvalidDefinition, match="unknown template 'nope'"):
        DEFAULTS.fields("nope")


def test_field_read_only_through_default_is_optional() -> None:
    custom = TemplateSet({"note": "{{ who | default('someone') }} saw {{ what }}"})
    assert custom.fields("note") == {"who", "what"}
    assert custom.required_fields("note") == {"what"}
    assert custom.render("note", what="smoke") == "someone saw smoke"


def test_field_read_both_with_and_without_default_is_required() -> None:
    custom = TemplateSet({"note": "{{ who | default('someone') }} / {{ who }}"})
    assert custom.required_fields("note") == {"who"}


def test_missing_attribute_fails_naming_the_template() -> None:
    custom = TemplateSet({"note": "{{ item.owner }}"})
    with pytest.raises(InvalidDefinition) as caught:
        custom.render("note", item={})
    assert str(caught.value) == "template 'note': 'dict object' has no attribute 'owner'"


def test_bad_filter_input_fails_naming_the_template() -> None:
    naive = datetime(2025, 10, 13, 14, 43)
    with pytest.raises(InvalidDefinition) as caught:
        DEFAULTS.render("status_update", **{**STATUS, "next_update_at": naive})
    assert str(caught.value) == (
        "template 'status_update': utc needs a time-zone-aware datetime,"
        " got datetime.datetime(2025, 10, 13, 14, 43)"
    )


def test_templates_cannot_reach_python_internals() -> None:
    custom = TemplateSet({"evil": "{{ ''.__class__.__mro__ }}"})
    with pytest.raises(InvalidDefinition, match="template 'evil'"):
        custom.render("evil")


def test_a_variable_named_name_can_be_passed() -> None:
    assert TemplateSet({"hello": "hi {{ name }}"}).render("hello", name="ann") == "hi ann"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0 minutes"),
        (0.4, "0 minutes"),
        (1, "1 minute"),
        (47, "47 minutes"),
        (59.5, "1 hour"),
        (60, "1 hour"),
        (65, "1 hour 5 minutes"),
        (121, "2 hours 1 minute"),
        (timedelta(hours=1, minutes=30), "1 hour 30 minutes"),
    ],
)
def test_duration_reads_as_hours_and_minutes(minutes: float | timedelta, text: str) -> None:
    assert format_duration(minutes) == text


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), True, "5"])
def test_duration_refuses_what_is_not_a_length_of_time(bad: object) -> None:
    with pytest.raises(InvalidDefinition, match="duration needs minutes >= 0"):
        format_duration(bad)  # type: ignore[arg-type]


def test_utc_converts_aware_times_to_the_utc_clock() -> None:
    berlin = datetime(2025, 10, 13, 16, 23, tzinfo=ZoneInfo("Europe/Berlin"))
    assert format_utc(berlin) == "14:23 UTC"
    assert format_utc(berlin, "%Y-%m-%d %H:%M") == "2025-10-13 14:23 UTC"


def test_utc_refuses_naive_times() -> None:
    with pytest.raises(InvalidDefinition, match="utc needs a time-zone-aware datetime"):
        format_utc(datetime(2025, 10, 13, 14, 23))


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Payment system down", "incident-2025-10-13-payment-system-down"),
        ("  API -- 503s!!  ", "incident-2025-10-13-api-503s"),
        ("Café in Zürich: Straße closed", "incident-2025-10-13-cafe-in-zurich-strasse-closed"),
        ("\uff21\uff30\uff29 outage", "incident-2025-10-13-api-outage"),  # fullwidth "API"
        ("支付系统故障", "incident-2025-10-13"),
        ("", "incident-2025-10-13"),
    ],
)
def test_channel_name_examples(title: str, expected: str) -> None:
    assert channel_name(title, date(2025, 10, 13)) == expected


def test_channel_name_truncates_the_slug_never_the_date_and_drops_a_cut_dash() -> None:
    title = "a" * 59 + " tail"  # the 80-character cut falls right after the dash
    name = channel_name(title, date(2025, 10, 13))
    assert name == "incident-2025-10-13-" + "a" * 59
    assert len(name) == 79


def test_channel_name_takes_a_prefix_and_only_the_date_of_a_datetime() -> None:
    day = datetime(2025, 10, 13, 9, 30, tzinfo=UTC)
    assert channel_name("DB down", day, prefix="inc") == "inc-2025-10-13-db-down"


@pytest.mark.parametrize("prefix", ["", "Inc", "inc-", "inc--x", "#inc", "x" * 70])
def test_channel_name_refuses_a_prefix_slack_would_not_take(prefix: str) -> None:
    with pytest.raises(InvalidDefinition, match="channel prefix"):
        channel_name("x", date(2025, 10, 13), prefix=prefix)


@given(title=st.text(), day=st.dates())
def test_channel_name_is_always_slack_legal_and_keeps_the_date(title: str, day: date) -> None:
    name = channel_name(title, day)
    assert len(name) <= 80
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)
    assert name.startswith(f"incident-{day.year:04d}-{day.month:02d}-{day.day:02d}")


def test_shipped_postmortem_has_every_section_in_order() -> None:
    text = DEFAULTS.render("postmortem", **FULL["postmortem"])
    assert missing_sections(text) == []
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert tuple(headings) == POSTMORTEM_SECTIONS


def test_missing_sections_are_listed_in_template_order() -> None:
    text = "## Incident: Outage\n### Summary\n### Timeline (UTC)\n### Root Cause\n"
    assert missing_sections(text) == [
        "Contributing Factors",
        "What Went Well",
        "What Went Poorly",
        "Action Items",
    ]


def test_only_real_headings_open_sections() -> None:
    text = (
        "Summary\n=======\n"  # setext: not counted
        "#Timeline\n"  # no space: not a heading
        "## Root Causes\n"  # another word, not "Root Cause"
        "```\n# What Went Well\n```\n"  # inside a code fence
        "   ## what went poorly ##\n"  # indented, closing hashes, any case: counted
    )
    assert missing_sections(text, ("Summary", "Timeline", "Root Cause", "What Went Well")) == [
        "Summary",
        "Timeline",
        "Root Cause",
        "What Went Well",
    ]
    assert missing_sections(text, ("What Went Poorly",)) == []


def test_the_shipped_template_ids_are_their_file_names_less_the_plain_suffixes() -> None:
    # playbook/templates/: *.txt.j2 and *.md.j2 lose both suffixes, *.html.j2 keeps ".html".
    assert TemplateSet().names() == (
        "customer_initial", "declaration", "postmortem", "resolution", "status_update",
        "status_update.html",
    )  # fmt: skip
