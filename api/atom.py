"""Atom 1.0 (RFC 4287) documents for `/v1/feeds/*.atom`, built with `xml.etree.ElementTree`.

Every text goes through ElementTree, which escapes markup; characters XML 1.0 cannot carry at all
(C0 controls other than tab and newlines) are dropped first, since ElementTree would write them as is
and leave the document unparseable.

Identifiers are `tag:` URIs (RFC 4151) minted from the resource type and id, so an entry keeps its id
whatever host or port serves it, and a feed's id is its path with its filters in a canonical order.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
TAG_AUTHORITY = "tag:timeline.api,2023:"
"""The `tag:` prefix of every id; changing it would make feed readers see every entry as new."""
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
"""`updated` of a feed without entries (RFC 4287 requires one; a constant keeps its ETag stable)."""

ET.register_namespace("", ATOM_NS)  # serialise Atom as the default namespace, not `ns0:`

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """`text` without the characters an XML 1.0 document cannot contain."""
    return _XML_INVALID.sub("", text)


def shorten(text: str, length: int = 100) -> str:
    """`text` on one line, cut at a word boundary to at most `length` characters (with an ellipsis)."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[: length - 1].rsplit(" ", 1)[0] or flat[: length - 1]
    return cut.rstrip(",;:.") + "…"


def resource_tag(resource_type: str, resource_id: str) -> str:
    """The stable Atom id of a resource."""
    return f"{TAG_AUTHORITY}{resource_type}/{resource_id}"


@dataclass(frozen=True)
class Person:
    name: str
    uri: str | None = None


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    media_type: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    """The API resource the entry stands for (`rel="alternate"`, JSON)."""
    summary: str
    published: datetime | None = None
    authors: Sequence[Person] = ()
    categories: Sequence[str] = ()


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    links: Sequence[Link]
    entries: Sequence[Entry]
    language: str | None = None
    subtitle: str | None = None
    authors: Sequence[Person] = field(default_factory=lambda: (Person("Timeline API"),))
    """Entries without authors of their own inherit these (RFC 4287 §4.1.1 needs one either way)."""

    @property
    def updated(self) -> datetime:
        """The latest change of any entry."""
        return max((entry.updated for entry in self.entries), default=EMPTY_FEED_UPDATED)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _child(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", {k: clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _person(parent: ET.Element, role: str, person: Person) -> None:
    element = _child(parent, role)
    _child(element, "name", person.name)
    if person.uri:
        _child(element, "uri", person.uri)


def _link(parent: ET.Element, link: Link) -> None:
    attributes = {"href": link.href, "rel": link.rel}
    if link.media_type:
        attributes["type"] = link.media_type
    _child(parent, "link", **attributes)


def render(feed: Feed) -> bytes:
    """The feed as a UTF-8 Atom document."""
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    if feed.language:
        root.set("{http://www.w3.org/XML/1998/namespace}lang", clean(feed.language))
    _child(root, "id", feed.id)
    _child(root, "title", feed.title)
    if feed.subtitle:
        _child(root, "subtitle", feed.subtitle)
    _child(root, "updated", _timestamp(feed.updated))
    for person in feed.authors:
        _person(root, "author", person)
    for link in feed.links:
        _link(root, link)
    _child(root, "generator", "timeline")
    for entry in feed.entries:
        element = _child(root, "entry")
        _child(element, "id", entry.id)
        _child(element, "title", entry.title)
        _child(element, "updated", _timestamp(entry.updated))
        if entry.published is not None:
            _child(element, "published", _timestamp(entry.published))
        for person in entry.authors:
            _person(element, "author", person)
        _link(element, Link(entry.link, "alternate", "application/json"))
        for term in entry.categories:
            _child(element, "category", term=term)
        _child(element, "summary", entry.summary, type="text")
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
