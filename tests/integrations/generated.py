"""Larger PagerDuty accounts generated from the documented field names (seeded)."""

from __future__ import annotations

import random
from typing import Any

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC", "Australia/Sydney"]


def _ref(kind: str, ident: str) -> dict[str, Any]:
    return {"id": ident, "type": f"{kind}_reference", "summary": ident}


def account(
    seed: int, *, users: int = 40, schedules: int = 12, policies: int = 12
) -> list[dict[str, Any]]:
    """Response bodies: ``{"users"}``, ``{"schedules"}``, ``{"escalation_policies"}``, ``{"services"}``."""
    rng = random.Random(seed)
    user_ids = [f"PU{n:05d}" for n in range(users)]
    user_list = [
        {
            "id": u,
            "type": "user",
            "name": f"Person {n} {rng.choice(['Smith', 'Ng', 'Okafor'])}",
            "email": f"p{n}@example.com",
            "time_zone": rng.choice(ZONES),
            "job_title": "Engineer",
        }
        for n, u in enumerate(user_ids)
    ]
    schedule_list = []
    for n in range(schedules):
        layers = []
        for k in range(rng.randint(1, 3)):
            restrictions: list[dict[str, Any]] = []
            if rng.random() < 0.5:
                restrictions.append(
                    {
                        "type": "daily_restriction",
                        "start_time_of_day": f"{rng.randint(0, 23):02d}:00:00",
                        "duration_seconds": rng.choice([8, 12, 16]) * 3600,
                    }
                )
            elif rng.random() < 0.5:
                restrictions.append(
                    {
                        "type": "weekly_restriction",
                        "start_day_of_week": rng.randint(1, 7),
                        "start_time_of_day": "09:00:00",
                        "duration_seconds": rng.choice([2, 5]) * 86400,
                    }
                )
            layers.append(
                {
                    "id": f"PL{n:03d}{k}",
                    "name": f"Layer {k + 1}",
                    "start": f"2026-0{rng.randint(1, 3)}-0{rng.randint(1, 9)}T00:00:00Z",
                    "rotation_virtual_start": f"2026-01-0{rng.randint(1, 9)}T{rng.randint(0, 23):02d}:00:00Z",
                    "rotation_turn_length_seconds": rng.choice([86400, 604800, 43200, 28800]),
                    "users": [
                        {"user": _ref("user", u)} for u in rng.sample(user_ids, rng.randint(1, 6))
                    ],
                    "restrictions": restrictions,
                }
            )
        schedule_list.append(
            {
                "id": f"PS{n:05d}",
                "type": "schedule",
                "name": f"Team {n} On-Call",
                "time_zone": rng.choice(ZONES),
                "schedule_layers": layers,
            }
        )
    policy_list = []
    for n in range(policies):
        rules = []
        for _ in range(rng.randint(1, 3)):
            targets = (
                [_ref("schedule", rng.choice(schedule_list)["id"])] if rng.random() < 0.7 else []
            )
            targets += [
                _ref("user", u) for u in rng.sample(user_ids, rng.randint(0 if targets else 1, 2))
            ]
            rules.append(
                {
                    "escalation_delay_in_minutes": rng.choice([5, 10, 15, 30]),
                    "targets": targets,
                    "escalation_rule_assignment_strategy": rng.choice(
                        ["assign_to_everyone", {"type": "round_robin"}]
                    ),
                }
            )
        policy_list.append(
            {
                "id": f"PE{n:05d}",
                "type": "escalation_policy",
                "name": f"Team {n} Escalation",
                "num_loops": rng.randint(0, 3),
                "escalation_rules": rules,
            }
        )
    services = [
        {
            "id": f"PV{n:05d}",
            "type": "service",
            "name": f"service {n}",
            "escalation_policy": _ref("escalation_policy", p["id"]),
            "incident_urgency_rule": {"type": "constant", "urgency": rng.choice(["high", "low"])},
        }
        for n, p in enumerate(policy_list)
    ]
    return [
        {"users": user_list},
        {"schedules": schedule_list},
        {"escalation_policies": policy_list},
        {"services": services},
    ]
