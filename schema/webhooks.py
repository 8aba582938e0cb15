"""Webhooks: what `POST /v1/webhooks` takes, and what the webhook endpoints answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from schema.types import Slug, Url
from schema.writes import ResourceType

Secret = Annotated[
    str,
    Meta(
        min_length=16,
        max_length=200,
        description="The HMAC-SHA256 key of `Timeline-Signature` (16 to 200 characters).",
        examples=["a-long-random-shared-secret"],
    ),
]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new webhook: where to POST each matching change, and which changes match (an empty filter means any)."""

    url: Url
    """Where each change is POSTed (http or https)."""
    secret: Secret | None = None
    """The signing secret; omit it to have one generated and returned once, in the 201 answer."""
    types: list[ResourceType] = msgspec.field(default_factory=list)
    """Resource types to send (any when empty)."""
    actors: list[Slug] = msgspec.field(default_factory=list)
    """Send changes involving one of these actors (as the changes feed's `actor` filter does; any when empty)."""
    propositions: list[Slug] = msgspec.field(default_factory=list)
    """Send changes of these propositions, and of claims taking (or, before this change, taking) a stance on one of
    them (any when empty)."""
    description: Annotated[str, Meta(max_length=300)] | None = None


class Webhook(msgspec.Struct, frozen=True, kw_only=True):
    """A webhook. Its secret is never shown again after creation: `secret_fingerprint` tells secrets apart."""

    id: int
    url: str
    types: list[ResourceType]
    actors: list[str]
    propositions: list[str]
    description: str | None
    secret_fingerprint: str
    """`sha256:` and the first 12 hex digits of the secret's SHA-256."""
    created_at: datetime
    created_by: str
    """Name of the API key that created it."""
    deliveries: str
    """Path of its delivery log."""


class CreatedWebhook(Webhook, frozen=True, kw_only=True):
    """A webhook just created, with its secret: the only answer that shows it."""

    secret: str


class WebhookPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Webhook]
    next_cursor: str | None


class DeliveryAttempt(msgspec.Struct, frozen=True, kw_only=True):
    """One POST of a delivery: when, and what came back (an HTTP status, or the error that stopped it)."""

    at: datetime
    status_code: int | None
    """The receiver's HTTP status; null when no answer came (timeout, connection refused…)."""
    error: str | None
    """Why the attempt failed when no answer came, or `HTTP <status>`."""
    response: str | None
    """The start of the receiver's answer (up to 200 characters)."""
    duration_ms: int


class DeliveredChange(msgspec.Struct, frozen=True, kw_only=True):
    """The change a delivery carries (its payload is that change as `/v1/changes` shows it)."""

    cursor: str
    type: ResourceType
    id: str
    operation: Literal["upsert", "delete"]
    version: int


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One change to send to one webhook."""

    id: str
    """The `Timeline-Delivery` header of every attempt: the same across retries, so receivers can de-duplicate."""
    event: str
    """The `Timeline-Event` header: `<type>.<operation>`, e.g. `claims.upsert`."""
    change: DeliveredChange
    status: DeliveryStatus
    """`pending` (not yet sent, or being retried), `delivered` (a 2xx came back) or `failed` (retries ran out)."""
    created_at: datetime
    attempts: list[DeliveryAttempt]
    """Every attempt, oldest first."""
    next_attempt_at: datetime | None
    """When the next attempt is due (null once delivered or failed)."""


class DeliveryPage(msgspec.Struct, frozen=True, kw_only=True):
    """A webhook's deliveries, newest change first."""

    items: list[Delivery]
    next_cursor: str | None
