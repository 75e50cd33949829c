"""A service's urgency rule with support hours decides, at the incident's opening time,
whether it is paged at high urgency (escalates) or low (one notification, no escalation).

The support hours are 09:00-17:00 Monday to Friday in Asia/Tokyo (UTC+9, no daylight
saving). Minute 0 of the tiny study is Monday 2025-01-06 00:00 UTC, so:

* minute 1080 is Monday 18:00 UTC = Tuesday 03:00 in Tokyo: outside, low urgency;
* minute 1560 is Tuesday 02:00 UTC = Tuesday 11:00 in Tokyo: inside, high urgency.

Read on UTC's clock both would be outside (18:00 and 02:00), so the 11:00 case also shows
the rule is read in the support hours' own zone. Nobody acknowledges, so a high-urgency
incident on p3 pages the primary (Alice) at once and the secondary (Bob) 15 minutes later.
"""

from __future__ import annotations

from typing import Any

from simulator.results import pagerduty_columns
from tests.simulator.helpers import pages, run_alerts, tiny_study

NEVER = {"miss": {"working": 1, "off_hours": 1, "asleep": 1}}
TOKYO_NIGHT, TOKYO_MORNING = 1080.0, 1560.0


def _service(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "playbook_patch": {
            "services": [
                {
                    "name": "web",
                    "escalation_policy": "p3",
                    "incident_urgency_rule": rule,
                    "support_hours": {
                        "type": "fixed_time_per_day",
                        "time_zone": "Asia/Tokyo",
                        "start_time": "09:00:00",
                        "end_time": "17:00:00",
                        "days_of_week": [1, 2, 3, 4, 5],
                    },
                }
            ]
        },
        "responders.people": {"alice": NEVER, "bob": NEVER},
    }


SUPPORT_HOURS = {
    "type": "use_support_hours",
    "during_support_hours": {"type": "constant", "urgency": "high"},
    "outside_support_hours": {"type": "constant", "urgency": "low"},
}


def test_an_incident_outside_support_hours_is_paged_once_and_never_escalates() -> None:
    records = run_alerts(tiny_study(_service(SUPPORT_HOURS)), [TOKYO_NIGHT], ["SEV3"])
    assert pages(records) == [(1080.0, "alice")]


def test_an_incident_inside_support_hours_escalates_at_the_policy_minutes() -> None:
    records = run_alerts(tiny_study(_service(SUPPORT_HOURS)), [TOKYO_MORNING], ["SEV3"])
    assert pages(records) == [(1560.0, "alice"), (1575.0, "bob")]


def test_without_the_service_the_same_night_incident_escalates() -> None:
    study = tiny_study({"responders.people": {"alice": NEVER, "bob": NEVER}})
    records = run_alerts(study, [TOKYO_NIGHT], ["SEV3"])
    assert pages(records) == [(1080.0, "alice"), (1095.0, "bob")]


def test_a_severity_based_rule_keeps_the_severitys_urgency() -> None:
    rule = {
        "type": "use_support_hours",
        "during_support_hours": {"type": "constant", "urgency": "high"},
        "outside_support_hours": {"type": "constant", "urgency": "severity_based"},
    }
    records = run_alerts(tiny_study(_service(rule)), [TOKYO_NIGHT], ["SEV3"])
    assert pages(records) == [(1080.0, "alice"), (1095.0, "bob")]


def test_incidents_csv_names_the_urgency_each_incident_was_paged_at() -> None:
    scenario = tiny_study(_service(SUPPORT_HOURS)).scenarios()[0]
    row = {"severity": "SEV3", "service": "web", "escalation_rule": 1, "escalation_loop": 0,
           "pages": 1, "detect_minute": TOKYO_NIGHT, "resolved_minute": "",
           "time_to_acknowledge": ""}  # fmt: skip
    night = pagerduty_columns(scenario, {**row, "open_minute": TOKYO_NIGHT})
    morning = pagerduty_columns(scenario, {**row, "open_minute": TOKYO_MORNING})
    assert (night["urgency"], morning["urgency"]) == ("low", "high")
