"""The study page shows its playbook's schedule report (``drillbit schedule report``'s figures).

The study below measures Tuesday 2025-01-07 00:00 UTC to Tuesday 2025-01-14 00:00 UTC (one
warm-up day, a seven-day horizon): 168 hours. Its schedule ``day`` hands over daily at
midnight UTC, Ann on 2025-01-01 and every second day after it (the 7th, 9th, 11th, 13th),
Ben on the others (the 8th, 10th, 12th), and is restricted to 08:00-20:00 UTC. By hand:

* nobody is on call 12 hours a day: 50.0%, in 8 gaps (00:00-08:00 on the 7th, six
  overnight gaps, 20:00-24:00 on the 13th);
* Ann (UTC): 4 shifts, 48 h, no night hours, 12 weekend hours (Saturday the 11th);
* Ben (Asia/Tokyo, UTC+9): 3 shifts, 36 h; each shift is 17:00-05:00 on his clock, so 7
  own-night hours a shift, 21 in all; his weekend runs from Friday 15:00 UTC to Sunday
  15:00 UTC: 5 hours of the 10th and 7 of the 12th, 12 in all;
* fairness: hours range 48 - 36 = 12, coefficient of variation 6 / 42 = 0.14.
"""

from __future__ import annotations

import re

from tests.webui.conftest import Harness

STUDY = """
name: rota
description: A daytime rota over a week.
playbook:
  name: rota
  severities:
    - {name: WORK, criteria: every alert, page: true, escalation_policy: day}
  classifier: {rules: [], default_severity: WORK}
  people:
    - {name: ann, time_zone: UTC}
    - {name: ben, time_zone: Asia/Tokyo}
  schedules:
    - name: day
      time_zone: UTC
      layers:
        - name: days
          start: 2025-01-01T00:00:00
          rotation_virtual_start: 2025-01-01T00:00:00
          rotation_turn_length_seconds: 86400
          users: [ann, ben]
          restrictions:
            - {type: daily_restriction, start_time_of_day: "08:00:00", duration_seconds: 43200}
  escalation_policies:
    - name: day
      rules: [{escalation_delay_in_minutes: 30, targets: ["schedule:day"]}]
start: 2025-01-06T00:00:00+00:00
warmup_days: 1
horizon_days: 7
replications: 1
seed: 1
alerts:
  services: [{name: web, actionable_per_day: 1}]
work:
  default: {mitigate: {dist: fixed, value: 30}, resolve: {dist: fixed, value: 0}}
"""


def _upload(harness: Harness, text: str = STUDY, name: str = "rota.yaml") -> str:
    browser = harness.signed_in()
    response = browser.post("/studies/upload", files={"file": (name, text.encode())})
    assert response.status_code == 303, response.text
    page = browser.get(response.headers["location"])
    assert page.status_code == 200
    return page.text


def _cells(page: str, testid: str) -> list[str]:
    row = page.split(f'data-testid="{testid}"', 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]


def test_the_study_page_reports_coverage_and_load_over_the_horizon(harness: Harness) -> None:
    page = _upload(harness)
    assert "2025-01-07T00:00:00+00:00" in page and "2025-01-14T00:00:00+00:00" in page
    assert re.search(r'data-testid="uncovered">50\.0%</strong> of the time\s*\(8 gaps\)', page)
    assert "<time>2025-01-07T00:00:00+00:00</time> to <time>2025-01-07T08:00:00+00:00</time> (8.0 h)" in page
    assert _cells(page, "load-ann") == ["ann", "UTC", "48.0", "0.0", "12.0", "12.0", "4"]
    assert _cells(page, "load-ben") == ["ben", "Asia/Tokyo", "36.0", "21.0", "12.0", "12.0", "3"]
    assert _cells(page, "fairness-range")[1:5] == ["12.00", "21.00", "0.00", "0.00"]
    assert _cells(page, "fairness-cv")[1] == "0.14"


def test_the_next_four_weeks_start_at_the_servers_now(harness: Harness) -> None:
    # The test clock reads Thursday 2026-01-01 00:00 UTC: 365 days after Ann's first turn,
    # so Ben's turn; 28 days alternate, 14 turns of 12 hours each.
    _upload(harness)
    page = harness.signed_in().get("/studies/rota?window=next-4-weeks").text
    assert "2026-01-01T00:00:00+00:00" in page and "2026-01-29T00:00:00+00:00" in page
    assert _cells(page, "load-ann")[2] == "168.0" and _cells(page, "load-ben")[2] == "168.0"
    assert 'data-testid="uncovered">50.0%' in page


def test_an_unknown_window_is_refused_with_a_reason(harness: Harness) -> None:
    _upload(harness)
    response = harness.signed_in().get("/studies/rota?window=forever")
    assert response.status_code == 422
    assert "window" in response.text


def test_the_schedules_are_behind_the_facilitator_sign_in(harness: Harness) -> None:
    _upload(harness)
    anonymous = harness.browser()
    page = anonymous.get("/studies/rota?window=next-4-weeks", headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"].startswith("/signin?next=/studies/rota")
    assert anonymous.get("/studies/rota").status_code == 401


def test_a_schedule_past_the_pages_budget_is_named_with_the_command_instead(harness: Harness) -> None:
    # One-minute turns for a week: 10,080 turns and 7 daily windows, past the page's 4,000.
    page = _upload(harness, STUDY.replace("86400", "60"), "busy.yaml")
    assert "not reported here: 10,087 turns and restriction windows" in page
    assert "drillbit schedule report --schedule day --from 2025-01-07T00:00:00+00:00" in page
    assert 'data-testid="load-ann"' not in page
