"""A WebActivity's HTTP request, made for real with urllib.

ADF's output of a WebActivity is the response's JSON body (a body that is not a JSON object is given as
`{"Response": text}`); a status outside 2xx fails the activity. Managed-identity authentication cannot be had
outside Azure, so a request whose activity asks for it is sent without a token (the caller says so). URLs can be
secrets (a webhook's URL is its credential): messages name only the scheme, host and port, and an invalid URL fails
the activity without quoting it.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from lakehouse.adf.engine import ActivityFailed

METHODS = ("GET", "POST", "PUT", "DELETE")
INVALID_URL = "the URL is not valid (a space, a bad port?)"  # never the URL itself, nor an error that quotes it


def public_part(url: str) -> str:
    """`scheme://host:port` of a URL: never its path, query or user information, which may be the secret."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced [ of an IPv6 host
        return "an invalid URL"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number: shown as invalid, not echoed
        port = ":<invalid port>"
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


def _body_bytes(body: object) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def _output(data: bytes) -> dict[str, Any]:
    text = data.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return {"Response": text}
    return parsed if isinstance(parsed, dict) else {"Response": parsed}


def call(method: object, url: object, headers: Mapping[str, Any] | None, body: object,
         timeout: float) -> dict[str, Any]:
    """Send the request; the activity's output, or ActivityFailed naming the host and the reason."""
    verb = str(method).upper()
    if verb not in METHODS:
        raise ActivityFailed(f"method {method!r} is not one of {', '.join(METHODS)}")
    if not isinstance(url, str):
        raise ActivityFailed("url must be an http(s) URL")
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        raise ActivityFailed(f"{verb} {public_part(url)} failed: {INVALID_URL}") from None
    if scheme not in ("http", "https"):
        raise ActivityFailed("url must be an http(s) URL")
    data = _body_bytes(body) if verb != "GET" else None
    try:
        request = urllib.request.Request(url, data=data, method=verb,
                                         headers={str(k): str(v) for k, v in (headers or {}).items()})
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) checked above)
            return _output(response.read())
    except urllib.error.HTTPError as error:
        raise ActivityFailed(f"{verb} {public_part(url)} returned HTTP {error.code} {error.reason}",
                             str(error.code)) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ActivityFailed(f"{verb} {public_part(url)} failed: {reason}") from None
    except (ValueError, http.client.InvalidURL):  # their text quotes the whole URL
        raise ActivityFailed(f"{verb} {public_part(url)} failed: {INVALID_URL}") from None
    except http.client.HTTPException as error:  # a malformed response; its text may quote the request
        raise ActivityFailed(f"{verb} {public_part(url)} failed: {type(error).__name__}") from None
