"""Check citations against the documents they quote: exact words at their offsets, unchanged files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import msgspec

from api.queries.citations_check import CitationToVerify

_SPACE = re.compile(r"\s+")


def normalise_whitespace(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def read_document(path: Path) -> tuple[str, str]:
    """The document's text (offsets count code points of it) and the SHA-256 of its bytes."""
    raw = path.read_bytes()
    return raw.decode("utf-8"), hashlib.sha256(raw).hexdigest()


class QuoteReport(msgspec.Struct):
    checked: int
    failures: list[str]
    skipped: list[str]


def verify_citations(citations: Iterable[CitationToVerify], documents: Path) -> QuoteReport:
    """Every failure names the citation and says what is wrong."""
    failures: list[str] = []
    skipped: list[str] = []
    cache: dict[str, tuple[str, str] | None] = {}
    checked = 0
    for cit in citations:
        if cit.document is None:
            skipped.append(f"{cit.id}: source '{cit.source_id}' names no document")
            continue
        if cit.document not in cache:
            path = documents / cit.document
            cache[cit.document] = read_document(path) if path.is_file() else None
        loaded = cache[cit.document]
        checked += 1
        if loaded is None:
            failures.append(f"{cit.id}: document {cit.document!r} not found in {documents}")
            continue
        text, digest = loaded
        if cit.sha256 is not None and cit.sha256 != digest:
            failures.append(
                f"{cit.id}: {cit.document} has SHA-256 {digest}, source '{cit.source_id}' says {cit.sha256}"
            )
            continue
        found = normalise_whitespace(text[cit.start : cit.end])
        if found != normalise_whitespace(cit.quote):
            failures.append(f"{cit.id}: at [{cit.start}, {cit.end}) {cit.document} reads {found!r}, not {cit.quote!r}")
    return QuoteReport(checked, failures, skipped)
