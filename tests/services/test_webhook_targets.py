"""Webhook targets: no credentials, no loopback/private/link-local/metadata addresses, checked again at delivery."""

from __future__ import annotations

import pytest

from doorstep.services.kernel.webhook_targets import BLOCKED, delivery_block, is_public, url_issues


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://[::1]:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://192.168.1.20/hook",
        "http://100.64.0.1/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://localhost:8000/hook",
        "http://printer.local/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_private_and_local_targets_are_refused(url: str) -> None:
    """Each loopback, private, link-local, shared, mapped, unspecified address and local name is E1131."""
    issues = url_issues(url)
    assert [(i.code, i.loc) for i in issues] == [("E1131", ("url",))]
    assert "not a public address" in issues[0].message


def test_every_problem_of_a_url_is_reported_at_once() -> None:
    """Credentials and a private host: two E1131 issues; a non-http scheme is E1131 too."""
    assert len(url_issues("http://admin:pw@10.1.2.3/hook")) == 2
    assert [i.code for i in url_issues("ftp://example.com/x")] == ["E1131"]
    assert [i.code for i in url_issues("http://[::1/")] == ["E1131"]


def test_public_targets_pass_and_the_operator_may_allow_private_ones() -> None:
    """A public name or address is accepted (nothing is resolved at subscription); allow_private lifts the
    address rule but never the credentials rule."""
    assert url_issues("https://hooks.example.com/doorstep") == []
    assert url_issues("https://93.184.216.34/hook") == []
    assert url_issues("http://127.0.0.1:9000/hook", allow_private=True) == []
    assert [i.code for i in url_issues("http://u:p@127.0.0.1/hook", allow_private=True)] == ["E1131"]


def test_a_public_name_that_resolves_to_a_private_address_is_not_sent() -> None:
    """DNS may point a subscribed name at 127.0.0.1 later: the delivery is refused before any connection."""
    rebinding = {"hooks.example.com": ["127.0.0.1"], "ok.example.com": ["93.184.216.34"]}

    def resolve(host: str, port: int) -> list[str]:
        return rebinding[host]

    assert delivery_block("https://hooks.example.com/x", False, resolve) == BLOCKED
    assert delivery_block("https://ok.example.com/x", False, resolve) is None
    assert delivery_block("https://hooks.example.com/x", True, resolve) is None

    def unknown(host: str, port: int) -> list[str]:
        raise OSError("name not known")

    assert delivery_block("https://nowhere.example/x", False, unknown) is None  # the HTTP client reports it


def test_public_means_globally_routable_unicast() -> None:
    """8.8.8.8 is public; multicast, documentation and carrier-grade NAT ranges are not."""
    assert is_public("8.8.8.8")
    assert not any(is_public(a) for a in ("224.0.0.1", "192.0.2.1", "100.64.1.1", "fe80::1", "fc00::1"))
