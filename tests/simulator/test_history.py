"""Alert histories are read strictly: every error names the line and the field."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from playbook.errors import InvalidDefinition
from simulator.history import MAX_HISTORY_BYTES, parse_duration, parse_history, read_history

GOOD = '{"labels": {"alertname": "A"}, "startsAt": "2025-03-01T10:00:00Z", "endsAt": null}'


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("4h", 14400), ("1h30m", 5400), ("0", 0), ("1d", 86400),
     ("2w", 1209600), ("1y", 31536000), ("500ms", 0.5), ("1m30s500ms", 90.5)],
)  # fmt: skip
def test_prometheus_durations_parse_to_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "1m1h", "1.5h", "-5m", "5 m", "h"])
def test_anything_else_is_not_a_prometheus_duration(text: str) -> None:
    with pytest.raises(InvalidDefinition, match="not a Prometheus duration"):
        parse_duration(text)


def test_json_lines_and_a_json_array_read_the_same() -> None:
    second = GOOD.replace('"A"', '"B"')
    lines = parse_history(f"{GOOD}\n\n{second}\n", "h.jsonl")
    array = parse_history(f"[\n  {GOOD},\n  {second}\n]\n", "h.json")
    assert [e.labels for e in lines.episodes] == [e.labels for e in array.episodes]
    assert [e.line for e in lines.episodes] == [1, 3]
    assert [e.line for e in array.episodes] == [2, 3]


def test_received_at_defaults_to_starts_at_and_a_missing_end_means_still_firing() -> None:
    (episode,) = parse_history(GOOD, "h").episodes
    assert episode.received == episode.starts and episode.ends is None


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ('{"labels": {}, "startsAt": "2025-03-01T10:00:00Z"}', "labels"),
        ('{"labels": {"a-b": "x"}, "startsAt": "2025-03-01T10:00:00Z"}', "labels.a-b"),
        ('{"labels": {"a": 1}, "startsAt": "2025-03-01T10:00:00Z"}', "labels.a"),
        ('{"labels": {"a": "x"}}', "startsAt"),
        ('{"labels": {"a": "x"}, "startsAt": "2025-03-01T10:00:00"}', "startsAt"),
        ('{"labels": {"a": "x"}, "startsAt": "yesterday"}', "startsAt"),
        ('{"labels": {"a": "x"}, "startsAt": "2025-03-01T10:00:00Z", "endsAt": "2025-03-01T09:00:00Z"}', "endsAt"),
        ('{"labels": {"a": "x"}, "startsAt": "2025-03-01T10:00:00Z", "receivedAt": 5}', "receivedAt"),
        ('{"labels": {"a": "x"}, "startsAt": "2025-03-01T10:00:00Z", "annotations": []}', "annotations"),
        ('{"labels": {"a": "x"}, "startsAt": ', "alert"),
        ("[1, 2]", "alert"),
    ],
)  # fmt: skip
def test_a_bad_alert_is_refused_with_its_line_and_field(line: str, where: str) -> None:
    with pytest.raises(InvalidDefinition) as info:
        parse_history(f"{GOOD}\n{line}\n", "h.jsonl")
    message = str(info.value)
    assert message.startswith(f"h.jsonl:2: {where}: ")
    assert "\n" not in message


def test_a_bad_element_of_an_array_names_its_line() -> None:
    text = f'[\n{GOOD},\n{{"labels": {{"a": "x"}}}}\n]'
    with pytest.raises(InvalidDefinition, match=r"^h.json:3: startsAt: is required"):
        parse_history(text, "h.json")


def test_hostile_nesting_is_refused_quickly() -> None:
    began = time.perf_counter()
    with pytest.raises(InvalidDefinition, match="h:1:"):
        parse_history("[" * 200_000 + "]" * 200_000, "h")
    assert time.perf_counter() - began < 1.0


def test_a_history_too_big_to_read_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.truncate(MAX_HISTORY_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(InvalidDefinition, match="at most"):
        read_history(path)


def test_an_empty_history_is_refused() -> None:
    with pytest.raises(InvalidDefinition, match="no alerts"):
        parse_history("\n\n", "h")
