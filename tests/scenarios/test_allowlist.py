"""The allow-list: loopback by default, exact names, networks, and refusal naming the target."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.errors import InvalidDefinition, RunFailed
from scenarios.allowlist import AllowList, TargetNotAllowed, host_of, is_loopback_host
from scenarios.chaosdrill.guard import call
from tests.scenarios.conftest import ConnectionRecorder


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8081/x", "http://localhost:9090", "http://127.9.9.9", "http://[::1]:80/"],
)
def test_loopback_urls_are_allowed_by_default(url: str) -> None:
    assert AllowList().check_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://staging.example.invalid:8081/admin/faults",
        "http://10.0.0.5:8081",
        "https://localhost.evil.example",
        "http://[2001:db8::1]:80",
    ],
)
def test_other_hosts_are_refused_by_default(url: str) -> None:
    with pytest.raises(TargetNotAllowed):
        AllowList().check_url(url)


def test_refusal_names_the_target_and_the_way_to_allow_it() -> None:
    with pytest.raises(TargetNotAllowed) as caught:
        AllowList().check_url("http://Staging.Example.Invalid:8081/")
    assert caught.value.host == "staging.example.invalid"
    assert "'staging.example.invalid' is not on the allow-list" in str(caught.value)
    assert "DRILLBIT_ALLOWED_TARGETS" in str(caught.value)


def test_extra_entries_allow_a_named_staging_and_a_network() -> None:
    allow = AllowList.with_extra("staging.internal, 10.20.0.0/16")
    assert allow.allows_host("staging.internal")
    assert allow.allows_host("10.20.3.4")
    assert not allow.allows_host("10.21.0.1")
    assert not allow.allows_host("api.staging.internal")


def test_configuration_extends_but_never_drops_loopback() -> None:
    allow = AllowList.from_configuration({"drillbit_allowed_targets": ["staging.internal"]})
    assert allow.allows_host("127.0.0.1") and allow.allows_host("staging.internal")


def test_a_bad_network_entry_is_rejected_up_front() -> None:
    with pytest.raises(ValueError, match="not a valid network"):
        AllowList(entries=("10.0.0.0/99",))


def test_a_url_without_host_or_with_an_odd_scheme_is_invalid() -> None:
    with pytest.raises(InvalidDefinition):
        host_of("file:///etc/passwd")
    with pytest.raises(InvalidDefinition):
        host_of("http:///nohost")


def test_only_localhost_and_loopback_addresses_are_loopback() -> None:
    assert is_loopback_host("localhost") and is_loopback_host("127.0.0.1")
    assert not is_loopback_host("0.0.0.0") and not is_loopback_host("staging.internal")


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_is_allowed_by_default_exactly_when_it_is_loopback(address: object) -> None:
    assert AllowList().allows_host(str(address)) is str(address).startswith("127.")


def test_a_refused_request_opens_no_connection(recorder: ConnectionRecorder) -> None:
    with pytest.raises(TargetNotAllowed, match=r"127\.0\.0\.1"):
        call("GET", recorder.url, allow=AllowList(entries=("staging.internal",)), timeout=1)
    with pytest.raises(RunFailed):  # the recorder accepts, then hangs up: not an HTTP server
        call("GET", recorder.url, allow=AllowList(), timeout=1)
    assert len(recorder.accepted) == 1  # only the allowed attempt connected
