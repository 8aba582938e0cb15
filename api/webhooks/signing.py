"""`Timeline-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the webhook's secret>`.

Signing the time with the body lets receivers refuse replays of an old delivery (compare `t` with their clock);
the `v1=` label leaves room for another scheme without breaking receivers of this one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A random secret for a webhook created without one."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def fingerprint(secret: str) -> str:
    """What the API shows instead of the secret: enough to tell two secrets apart, useless to forge signatures."""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
