"""When a failed delivery is tried again: exponential backoff with jitter, until a window after the first attempt.

After the n-th failed attempt the next one waits `base * 2^(n-1)` seconds (10 s, 20 s, 40 s… by default), at most
`cap` (1 h), each wait spread by ±20 % so receivers that came back are not hit by every delivery at once. A failure
at or after `window` (24 h) past the first attempt ends the delivery as `failed`; the last retry is scheduled no
later than that instant, so the window is always used to its end.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

JITTER = 0.2


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    base: float = 10.0
    """Seconds before the first retry."""
    cap: float = 3600.0
    """The longest wait between two attempts, in seconds."""
    window: float = 86400.0
    """Seconds after the first attempt when retrying stops."""


def retry_delay(failures: int, policy: RetryPolicy, spread: float) -> float:
    """Seconds to wait after `failures` (≥ 1) failed attempts; `spread` in [0, 1) picks the jitter."""
    nominal = policy.base * 2.0 ** min(failures - 1, 60)
    jittered = min(nominal, policy.cap) * (1 - JITTER + 2 * JITTER * spread)
    return min(jittered, policy.cap)


def next_attempt(
    failed_at: datetime, first_attempt_at: datetime, failures: int, policy: RetryPolicy, spread: float
) -> datetime | None:
    """When to try again after a failed attempt at `failed_at`; None when the window is over (give up)."""
    deadline = first_attempt_at + timedelta(seconds=policy.window)
    if failed_at >= deadline:
        return None
    return min(failed_at + timedelta(seconds=retry_delay(failures, policy, spread)), deadline)
