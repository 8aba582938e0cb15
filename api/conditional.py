"""Validators derived from the feed head (`api.feed_head`) for lists, the timeline, search and the changes feed.

Such a response depends only on the stored data and on the request (path, query, language), and every committed
change of the data moves the feed head; so `"<head token>.<hash of the request>"` identifies the representation
before the handler runs, and a poll whose `If-None-Match` names it can be answered 304 without any SQL.

Detail paths (`/v1/claims/{id}`) keep the body-hash ETag with the resource's version prefix (`"v3.<hash>"`) that
`If-Match` on PATCH/DELETE understands (`api.writes.etag`); the stream (`/v1/changes/stream`) is not buffered at all.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import parse_qsl

from litestar.datastructures import Headers
from litestar.types import Scope

from api.feed_head import FeedHead
from api.params import _accept_language as accepted_languages  # the parse the handlers resolve texts with

_DETAIL_PATH = re.compile(r"^/v1/[^/]+/[^/]+$")
_FEEDS_PREFIX = "/v1/feeds/"


def _code_version() -> str:
    try:
        return version("timeline")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


_CODE_VERSION = _code_version()
"""Part of every head tag: a release that changes a response's shape must not 304 a copy of the old shape."""


def head_scoped(path: str) -> bool:
    """Whether `path` gets a head-derived ETag: every `/v1` read except a single resource (and the stream)."""
    if not path.startswith("/v1/"):
        return False
    return path.startswith(_FEEDS_PREFIX) or not _DETAIL_PATH.match(path)


def head_etag(token: str, scope: Scope, headers: Headers) -> str:
    """`"<token>.<hash>"` of the request: GET and HEAD alike, query parameters in any order, the languages the
    request prefers in weight order (what the handler resolves texts with)."""
    query = sorted(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    languages = accepted_languages(headers.get("accept-language", ""))
    request = repr((_CODE_VERSION, scope["path"], query, languages)).encode()
    return f'"{token}.{hashlib.blake2b(request, digest_size=8).hexdigest()}"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    """An `If-Modified-Since` date, or ``None`` when it is not a valid HTTP date (the header is then ignored)."""
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class HeadValidators:
    """The head-derived validators of one request, taken before its handler runs."""

    def __init__(self, head: FeedHead, scope: Scope, headers: Headers) -> None:
        current = head.current
        last_modified = head.last_modified
        assert current is not None and last_modified is not None  # the caller checked that the head is known
        self.etag = head_etag(current.token, scope, headers)
        self.last_modified = http_date(last_modified)
        self._unmodified = _client_is_current(head, self.etag, headers)

    @property
    def client_is_current(self) -> bool:
        """Whether the request's `If-None-Match` (or, without it, `If-Modified-Since`) says it has this version."""
        return self._unmodified


def _client_is_current(head: FeedHead, etag: str, headers: Headers) -> bool:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    since = parse_http_date(if_modified_since)
    return since is not None and head.unmodified_since(since)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 §13.1.2 asks), or is `*`."""
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates
