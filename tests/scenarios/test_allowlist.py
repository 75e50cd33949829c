"""The allow-list: strict URL forms, ports, names resolved once, and refusal naming the target."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.errors import InvalidDefinition, RunFailed
from scenarios.allowlist import AllowList, TargetNotAllowed, host_of, is_loopback_host, parse_entry
from scenarios.httpcall import call
from tests.scenarios.conftest import ConnectionRecorder


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8081/x", "http://localhost:9090", "http://127.9.9.9", "http://[::1]:80/"],
)
def test_loopback_urls_are_allowed_by_the_components_default(url: str) -> None:
    assert AllowList().check_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://staging.example.invalid:8081/admin/faults",
        "http://10.0.0.5:8081",
        "https://localhost.evil.example",
        "http://[2001:db8::1]:80",
        "http://0.0.0.0:8081",  # every interface, not loopback
        "http://[::ffff:127.0.0.1]:8081",  # IPv4-mapped: an IPv6 form, not listed
    ],
)
def test_other_hosts_are_refused_by_default(url: str) -> None:
    with pytest.raises(TargetNotAllowed):
        AllowList().check_url(url)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("HTTP://127.0.0.1:8081/", "upper-case scheme"),
        ("Http://127.0.0.1:8081/", "upper-case scheme"),
        ("http://admin:pw@127.0.0.1:8081/", "user information"),
        ("http://127.0.0.1:8081@127.0.0.2:9/", "user information"),
        ("http://localhost.:8081/", "ends with a dot"),
        ("http://127.1:8081/", "short or numeric IPv4 form"),
        ("http://2130706433:8081/", "short or numeric IPv4 form"),
        ("http://0x7f.1:8081/", "short or numeric IPv4 form"),
        ("http://127.0.1/", "short or numeric IPv4 form"),
    ],
)
def test_forms_a_resolver_would_rewrite_are_refused_even_when_they_mean_loopback(url: str, why: str) -> None:
    everything = AllowList.of("0.0.0.0/0,::/0,localhost")
    with pytest.raises(TargetNotAllowed, match=why):
        everything.check_url(url)


def test_refusal_names_the_target_its_port_and_the_way_to_allow_it() -> None:
    with pytest.raises(TargetNotAllowed) as caught:
        AllowList().check_url("http://Staging.Example.Invalid:8081/")
    assert caught.value.host == "staging.example.invalid" and caught.value.port == 8081
    assert "'staging.example.invalid' is not on the allow-list for port 8081" in str(caught.value)
    assert "DRILLBIT_CHAOS_ALLOW" in str(caught.value)


def test_ports_count_when_an_entry_names_one() -> None:
    allow = AllowList.of("127.0.0.1:9090,[::1]:9093,10.20.0.0/16")
    assert allow.allows_host("127.0.0.1", 9090) and not allow.allows_host("127.0.0.1", 9091)
    assert allow.allows_host("::1", 9093) and not allow.allows_host("::1", 9090)
    assert allow.allows_host("10.20.3.4", 22)  # a network without a port: every port
    with pytest.raises(TargetNotAllowed, match="for port 80"):
        allow.check_url("http://127.0.0.1/")  # the scheme's default port counts too


def test_a_name_is_resolved_once_and_the_checked_address_is_what_is_used() -> None:
    allow = AllowList.of("127.0.0.1:9090,[::1]:9090")
    pinned, host = allow.pin_url("http://localhost:9090/api/v1/query?query=up")
    assert pinned in {"http://127.0.0.1:9090/api/v1/query?query=up", "http://[::1]:9090/api/v1/query?query=up"}
    assert host == "localhost:9090"
    assert allow.pin_url("http://127.0.0.1:9090/x") == ("http://127.0.0.1:9090/x", None)


def test_a_name_that_resolves_off_the_list_is_refused_naming_the_address() -> None:
    with pytest.raises(TargetNotAllowed, match=r"resolves to (127\.0\.0\.1|::1)"):
        AllowList.of("10.0.0.0/8").resolve("http://localhost:9090/")


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(TargetNotAllowed, match="does not resolve"):
        AllowList.of("0.0.0.0/0").resolve("http://staging.example.invalid/")


@pytest.mark.parametrize("entry", ["10.0.0.0/99", "host:port", "*.example.com", "localhost.", "[::1]x", "h:70000"])
def test_a_bad_entry_is_rejected_up_front(entry: str) -> None:
    with pytest.raises(ValueError, match=r"not a valid|wildcards"):
        AllowList(entries=(entry,))


def test_entries_read_hosts_ports_and_networks() -> None:
    assert parse_entry("Staging.Internal:8081") == ("staging.internal", 8081)
    assert parse_entry("[::1]:9093") == ("::1", 9093)
    assert parse_entry("10.0.0.0/8") == ("10.0.0.0/8", None)


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


@given(st.ip_addresses(v=4), st.integers(min_value=1, max_value=65535))
def test_the_exact_entry_allows_exactly_its_address_and_port(address: ipaddress.IPv4Address, port: int) -> None:
    allow = AllowList.of(f"127.0.0.1:{port}")
    assert allow.allows_address(address, port) is (str(address) == "127.0.0.1")
    assert not allow.allows_address("127.0.0.1", port % 65535 + 1)


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_decimal_spelling_of_an_address_is_refused(number: int) -> None:
    with pytest.raises(TargetNotAllowed):
        AllowList.of("0.0.0.0/0").check_url(f"http://{number}/")


def test_a_refused_request_opens_no_connection(recorder: ConnectionRecorder) -> None:
    with pytest.raises(TargetNotAllowed, match=r"127\.0\.0\.1"):
        call("GET", recorder.url, allow=AllowList(entries=("staging.internal",)), timeout=1)
    with pytest.raises(RunFailed):  # the recorder accepts, then hangs up: not an HTTP server
        call("GET", recorder.url, allow=AllowList(), timeout=1)
    assert len(recorder.accepted) == 1  # only the allowed attempt connected
