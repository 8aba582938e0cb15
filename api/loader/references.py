"""Cross-item checks of a dataset: duplicate ids, ownership, and every reference.

`existing` holds, per item type, the ids already in the database that the file does not
own: a file may point at them, but may not redefine them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schema.story import CitationRef, Dataset, citation_id

_SINGULAR = {
    "actors": "actor",
    "places": "place",
    "sources": "source",
    "propositions": "proposition",
    "events": "event",
    "claims": "claim",
}


@dataclass
class _Checker:
    dataset: Dataset
    existing: Mapping[str, set[str]]
    errors: list[str] = field(default_factory=list)
    known: dict[str, set[str]] = field(default_factory=dict)

    def ids(self, item_type: str) -> None:
        first_seen: dict[str, int] = {}
        for index, item in enumerate(getattr(self.dataset, item_type)):
            where = f"{item_type}[{index}].id"
            if item.id in first_seen:
                self.errors.append(f"{where}: duplicate id '{item.id}' (also {item_type}[{first_seen[item.id]}])")
            elif item.id in self.existing.get(item_type, set()):
                self.errors.append(
                    f"{where}: '{item.id}' already exists and does not belong to dataset '{self.dataset.dataset}'"
                )
            first_seen.setdefault(item.id, index)
        self.known[item_type] = set(first_seen) | self.existing.get(item_type, set())

    def ref(self, where: str, item_type: str, value: str | None) -> None:
        if value is not None and value not in self.known[item_type]:
            self.errors.append(f"{where}: unknown {_SINGULAR[item_type]} '{value}'")

    def unique(self, where: str, values: Iterable[object], what: str) -> None:
        seen: set[object] = set()
        for index, value in enumerate(values):
            if value in seen:
                self.errors.append(f"{where}[{index}]: duplicate {what} {value!r}")
            seen.add(value)

    def citations(self, where: str, citations: list[CitationRef]) -> None:
        self.unique(f"{where}.citations", (c.source for c in citations), "source (one citation per document)")
        for index, citation in enumerate(citations):
            self.ref(f"{where}.citations[{index}].source", "sources", citation.source)


class _Collector(_Checker):
    """Runs the same checks, but only notes which ids each reference names."""

    def __init__(self, dataset: Dataset) -> None:
        super().__init__(dataset, {})
        self.wanted: dict[str, set[str]] = {}

    def ref(self, where: str, item_type: str, value: str | None) -> None:
        if value is not None:
            self.wanted.setdefault(item_type, set()).add(value)


def referenced_ids(dataset: Dataset) -> dict[str, set[str]]:
    """Per item type, every id `dataset` refers to (to look up only those before :func:`check_references`)."""
    collector = _Collector(dataset)
    _run(collector)
    return collector.wanted


def check_references(dataset: Dataset, existing: Mapping[str, set[str]]) -> list[str]:
    """Return every cross-item error of `dataset`, each naming its item and field."""
    return _run(_Checker(dataset, existing))


def _run(check: _Checker) -> list[str]:
    dataset = check.dataset
    for item_type in ("actors", "places", "sources", "propositions", "events", "claims"):
        check.ids(item_type)
    for i, actor in enumerate(dataset.actors):
        check.ref(f"actors[{i}].affiliated_state", "actors", actor.affiliated_state)
        for j, aff in enumerate(actor.affiliations):
            check.ref(f"actors[{i}].affiliations[{j}].actor", "actors", aff.actor)
            if aff.actor == actor.id:
                check.errors.append(f"actors[{i}].affiliations[{j}].actor: an actor cannot be affiliated with itself")
    for i, source in enumerate(dataset.sources):
        check.ref(f"sources[{i}].outlet", "actors", source.outlet)
    for i, event in enumerate(dataset.events):
        check.ref(f"events[{i}].place", "places", event.place)
        for j, part in enumerate(event.participants):
            check.ref(f"events[{i}].participants[{j}].actor", "actors", part.actor)
        check.unique(f"events[{i}].participants", ((p.actor, p.role) for p in event.participants), "participant")
        check.citations(f"events[{i}]", event.citations)
    for i, claim in enumerate(dataset.claims):
        where = f"claims[{i}]"
        check.ref(f"{where}.claimant", "actors", claim.claimant)
        for j, relay in enumerate(claim.reported_via):
            check.ref(f"{where}.reported_via[{j}].actor", "actors", relay.actor)
        for j, event_id in enumerate(claim.events):
            check.ref(f"{where}.events[{j}]", "events", event_id)
        check.unique(f"{where}.events", claim.events, "event")
        for j, stance in enumerate(claim.stances):
            check.ref(f"{where}.stances[{j}].proposition", "propositions", stance.proposition)
        check.unique(f"{where}.stances", (s.proposition for s in claim.stances), "proposition")
        for j, link in enumerate(claim.links):
            check.ref(f"{where}.links[{j}].claim", "claims", link.claim)
            if link.claim == claim.id:
                check.errors.append(f"{where}.links[{j}].claim: a claim cannot link to itself")
        check.unique(f"{where}.links", ((link.claim, link.relation) for link in claim.links), "link")
        check.citations(where, claim.citations)
    _check_citation_ids(dataset, check.existing, check.errors)
    return check.errors


def _check_citation_ids(dataset: Dataset, existing: Mapping[str, set[str]], errors: list[str]) -> None:
    owners: dict[str, str] = {}
    for owner_type in ("events", "claims"):
        for i, owner in enumerate(getattr(dataset, owner_type)):
            for j, citation in enumerate(owner.citations):
                cid = citation_id(owner.id, citation.source)
                where = f"{owner_type}[{i}].citations[{j}]"
                if cid in owners and owners[cid] != where:
                    errors.append(f"{where}: citation id '{cid}' is also produced by {owners[cid]}")
                elif cid in existing.get("citations", set()):
                    errors.append(f"{where}: citation '{cid}' already exists outside this dataset")
                owners.setdefault(cid, where)
