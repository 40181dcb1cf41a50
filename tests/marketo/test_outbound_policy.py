"""Where the client may connect (apps/marketo/outbound.py): by name, and by address."""

import ipaddress

import pytest

from apps.marketo.errors import DestinationRefused
from apps.marketo.outbound import OutboundPolicy, address_kind, parse_host_pattern

PRODUCTION = OutboundPolicy.build()
DEVELOPMENT = OutboundPolicy.build(loopback_allowed=True)


def refusal(policy, url) -> str | None:
    try:
        policy.check_url(url)
    except DestinationRefused as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(
    "url",
    [
        "https://123-ABC-456.mktorest.com/rest",
        "https://123-abc-456.mktorest.com/identity",
        "https://123-ABC-456.mktorest.com./rest",  # the root's trailing dot
        "https://app-ab01.marketo.com/",
    ],
)
def test_marketo_hosts_over_https_are_allowed_everywhere(url):
    assert refusal(PRODUCTION, url) is None
    assert refusal(DEVELOPMENT, url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("https://10.0.0.1/", "a private address"),
        ("https://192.168.1.10/rest", "a private address"),
        ("https://100.64.0.1/", "a non-public address"),
        ("https://224.0.0.1/", "a multicast address"),
        ("https://0.0.0.0/", "an unspecified address"),
        ("https://[fd00::1]/", "a private address"),
        ("https://[::ffff:169.254.169.254]/", "a link-local address"),
        ("https://[::ffff:10.0.0.1]/", "a private address"),
        ("http://127.0.0.1:6379/", "is this machine"),
        ("http://127.0.0.1:5432/", "is this machine"),
        ("http://localhost:8765/identity", "is this machine"),
        ("https://[::1]/", "is this machine"),
        ("https://[::ffff:127.0.0.1]/", "is this machine"),
        ("http://2130706433/", "is this machine"),  # 127.0.0.1 as one decimal number
        ("https://0x7f000001/", "is this machine"),  # ... in hexadecimal
        ("https://0177.0.0.1/", "is this machine"),  # ... in octal
        ("https://127.1/", "is this machine"),
        ("https://8.8.8.8/", "is not a Marketo host"),
        ("https://marketo.example.com/rest", "is not a Marketo host"),
        ("https://123-abc-456.mktorest.com.example.com/", "is not a Marketo host"),
        ("https://mktorest.com/", "is not a Marketo host"),
        ("http://123-ABC-456.mktorest.com/rest", "Use an https:// URL"),
        ("ftp://123-ABC-456.mktorest.com/", "Use an https:// URL"),
        ("https://user:pw@123-abc-456.mktorest.com/", "no user name or password"),
        ("https://123-abc-456.mktorest.com\\@evil.example/", "no user name or password"),
        ("https://123-abc-456.mktorest.com:notaport/", "not a valid URL"),
        ("/rest", "not a full URL"),
    ],
)
def test_production_refuses_every_other_destination_and_says_why(url, reason):
    assert reason in refusal(PRODUCTION, url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/rest",
        "http://localhost:8765/identity",
        "http://[::1]:8765/rest",
        "https://127.0.0.1:8443/rest",
    ],
)
def test_development_allows_the_sandbox_on_this_machine_and_nothing_else_more(url):
    assert refusal(PRODUCTION, url) is not None
    assert refusal(DEVELOPMENT, url) is None


@pytest.mark.parametrize(
    "url",
    ["https://169.254.169.254/", "https://10.0.0.1/", "http://marketo.example.com/rest"],
)
def test_development_still_refuses_private_addresses_and_other_hosts(url):
    assert refusal(DEVELOPMENT, url) is not None


def test_an_allow_list_adds_hosts_and_patterns_but_never_private_addresses():
    policy = OutboundPolicy.build(["*.corp.example", "marketo-proxy.example.net", "10.1.2.3"])
    assert refusal(policy, "https://mkto.eu.corp.example/rest") is None
    assert refusal(policy, "https://MARKETO-PROXY.example.net/identity") is None
    assert refusal(policy, "https://123-ABC-456.mktorest.com/rest") is None  # Marketo's stay
    assert "is not a Marketo host" in refusal(policy, "https://corp.example.evil.test/")
    assert "Use an https:// URL" in refusal(policy, "http://mkto.eu.corp.example/rest")
    assert "a private address" in refusal(policy, "https://10.1.2.3/")


def test_production_reaches_this_machine_only_when_the_allow_list_names_it():
    policy = OutboundPolicy.build(["127.0.0.1"])
    assert refusal(policy, "http://127.0.0.1:8765/rest") is None
    assert refusal(policy, "http://2130706433:8765/rest") is None  # the same address
    assert "is this machine" in refusal(policy, "http://localhost:8765/rest")
    assert "is this machine" in refusal(policy, "http://[::1]:8765/rest")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.1", "private"),
        ("fc00::1", "private"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:169.254.169.254", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104  (the address under test, not a bind)
        ("::", "unspecified"),
        ("::127.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_address_kinds(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_a_loopback_name_must_resolve_to_this_machine_and_other_names_to_public_addresses():
    assert address_refusal(DEVELOPMENT, "localhost", "127.0.0.1") is None
    assert address_refusal(DEVELOPMENT, "localhost", "::1") is None
    assert address_refusal(DEVELOPMENT, "localhost", "8.8.8.8") == (
        "localhost resolves to 8.8.8.8, which is not this machine."
    )
    assert address_refusal(DEVELOPMENT, "123-abc-456.mktorest.com", "127.0.0.1") == (
        "123-abc-456.mktorest.com resolves to 127.0.0.1, a loopback address: "
        "marketo-admin connects only to public addresses."
    )
    assert "a loopback address" in address_refusal(PRODUCTION, "localhost", "127.0.0.1")
    assert address_refusal(PRODUCTION, "123-abc-456.mktorest.com", "192.28.144.10") is None


def address_refusal(policy, host, address) -> str | None:
    try:
        policy.check_address(host, address)
    except DestinationRefused as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(
    ("entry", "normalized"),
    [
        ("Marketo-Proxy.Example.com.", "marketo-proxy.example.com"),
        ("*.Example.com", "*.example.com"),
        ("[::1]", "::1"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_allow_list_entries_are_normalized(entry, normalized):
    assert parse_host_pattern(entry) == normalized


@pytest.mark.parametrize(
    "entry", ["*", "*.com", "https://proxy.example.com", "proxy.example.com:443", "a/b", ""]
)
def test_malformed_allow_list_entries_are_refused(entry):
    with pytest.raises(ValueError, match=r"not a host name|top-level domain"):
        parse_host_pattern(entry)
