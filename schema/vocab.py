"""Closed vocabularies of the story model.

Each list is a `Literal` type (so msgspec rejects anything else when decoding a
dataset file or a request body) and a tuple of the same values (so migrations
can write the matching CHECK constraints and the docs can list them). Adding a
value means a migration that widens the CHECK constraint.
"""

from typing import Literal, get_args

ActorKind = Literal[
    "person",
    "organisation",
    "government_body",
    "state",
    "media_outlet",
    "military_unit",
    "anonymous_group",
    "company",
    "international_organisation",
]
"""person; organisation (NGO, party, website…); government_body (ministry, council,
presidency, White House); state (a country acting as one); media_outlet;
military_unit (armed forces, corps, command, centre); anonymous_group ("officials of
a US-aligned country", "three unnamed people familiar with the matter");
company (a manufacturer); international_organisation (UN Security Council)."""

EventKind = Literal[
    "report",
    "statement",
    "meeting",
    "visit",
    "attack",
    "deployment",
    "agreement",
    "sanction",
    "training",
    "decree",
    "press_conference",
    "delivery",
    "warning",
    "intelligence_disclosure",
]

ClaimKind = Literal[
    "assertion",
    "denial",
    "accusation",
    "admission",
    "warning",
    "report",
    "reaction",
    "refusal_to_comment",
    "announcement",
    "appeal",
    "condemnation",
]

ParticipantRole = Literal[
    "actor",
    "target",
    "host",
    "visitor",
    "delegation_leader",
    "delegation_member",
    "reporter",
    "source",
    "speaker",
    "signatory",
    "subject",
]

QuoteType = Literal["direct", "paraphrase"]

Stance = Literal["supports", "opposes"]

ClaimRelation = Literal["responds_to", "denies", "confirms", "repeats", "contradicts"]

ACTOR_KINDS: tuple[str, ...] = get_args(ActorKind)
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
CLAIM_KINDS: tuple[str, ...] = get_args(ClaimKind)
PARTICIPANT_ROLES: tuple[str, ...] = get_args(ParticipantRole)
QUOTE_TYPES: tuple[str, ...] = get_args(QuoteType)
STANCES: tuple[str, ...] = get_args(Stance)
CLAIM_RELATIONS: tuple[str, ...] = get_args(ClaimRelation)
