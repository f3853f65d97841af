"""A WebActivity's request (lakehouse.adf.web): an invalid URL, which may be a Key Vault secret, fails the activity
naming only its scheme, host and port."""

from __future__ import annotations

import pytest

from lakehouse.adf import web
from lakehouse.adf.engine import ActivityFailed

HOOK_PATH_PART = "hook-token-s3cr3t"


@pytest.mark.parametrize(("url", "public"), [
    (f"http://127.0.0.1:9/hooks/{HOOK_PATH_PART} now", "http://127.0.0.1:9"),  # a space in the path
    (f"http://127.0.0.1:port/hooks/{HOOK_PATH_PART}", "http://127.0.0.1:<invalid port>"),  # a port that is not a number
    (f"http://[127.0.0.1/hooks/{HOOK_PATH_PART}", "an invalid URL"),  # an unbalanced IPv6 bracket
])
def test_an_invalid_url_fails_the_activity_without_quoting_it(url, public):
    with pytest.raises(ActivityFailed) as failure:
        web.call("POST", url, {}, {"a": 1}, timeout=1)
    message = failure.value.message
    assert HOOK_PATH_PART not in message and "hooks" not in message
    assert message == f"POST {public} failed: {web.INVALID_URL}"
    assert failure.value.__suppress_context__  # the original error, which quotes the URL, is not chained


def test_public_part_is_scheme_host_and_port_only():
    url = f"https://user:{HOOK_PATH_PART}@example.com:8443/a/{HOOK_PATH_PART}?code={HOOK_PATH_PART}"
    assert web.public_part(url) == "https://example.com:8443"
    assert web.public_part(f"https://example.com/{HOOK_PATH_PART}") == "https://example.com"
