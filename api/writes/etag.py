"""Version ETags: what `If-Match` must name for a PATCH or DELETE to go through.

A resource's write ETag is `"v<version>"`. GET detail responses may carry `"v<version>.<body hash>"`
(strong, body-specific, so caches stay right); `If-Match` accepts either form, comparing versions only.
Weak tags (`W/"…"`) never match `If-Match` (RFC 9110 §13.1.1 uses the strong comparison).
"""

from __future__ import annotations

import re

import msgspec

_TAG = re.compile(r'^"v(?P<version>[1-9][0-9]{0,9})(?:\.[^"]*)?"$')


class IfMatch(msgspec.Struct, frozen=True):
    """A parsed `If-Match`: `*` (any current version) or the versions its tags name."""

    any: bool
    versions: frozenset[int]

    def matches(self, version: int) -> bool:
        return self.any or version in self.versions


def version_etag(version: int) -> str:
    """The strong ETag of a resource at `version`: `"v3"`."""
    return f'"v{version}"'


def parse_if_match(header: str) -> IfMatch:
    """Read an `If-Match` value; tags that are not version tags match nothing (hence 412)."""
    if header.strip() == "*":
        return IfMatch(any=True, versions=frozenset())
    versions = set()
    for tag in header.split(","):
        match = _TAG.match(tag.strip())
        if match:
            versions.add(int(match.group("version")))
    return IfMatch(any=False, versions=frozenset(versions))
