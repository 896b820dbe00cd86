"""The client the laptop syncs through: bounded waits, and a redirect is reported rather than followed."""

from __future__ import annotations

from repcompanion.sync.http_client import default_http_client


def test_timeouts_are_bounded_and_redirects_are_not_followed():
    with default_http_client(timeout_s=15) as client:
        assert client.timeout.connect == 10.0 and client.timeout.read == 15
        assert client.follow_redirects is False  # a network sign-in page never stands in for the hub
