"""The replay guard: a bounded memory of the signed requests answered 2xx in the window.

A signed request carries a *fingerprint* (its id and signed timestamp, or its signature).
Sent again while the guard remembers it, it is a replay and is refused with 409; a
sender's retry is signed anew (a new timestamp, so a new fingerprint) and passes, to be
dropped by the inbox as a repeat of its id. GitHub's redeliveries repeat the very request,
so for them (``repeatable``) only the same signature under another id is a replay.

A fingerprint is remembered once its request was answered 2xx and forgotten when its
timestamp leaves the tolerance window (after which the timestamp check refuses it
anyway); at most ``limit`` are kept, the oldest forgotten first. The guard is used from
the server's event loop only, so it needs no lock.

Example:
    >>> from workbench.triggers.webhooks.delivery import Verified
    >>> guard = ReplayGuard()
    >>> first = Verified(id="msg_1", data=None, fingerprint="msg_1 1700000000", expires=2e9)
    >>> guard.check(first, now=1.7e9)
    >>> guard.remember(first, now=1.7e9)
    >>> guard.check(first, now=1.7e9)
    Traceback (most recent call last):
    ...
    workbench.triggers.webhooks.delivery.Refusal: 409 Replay: this signed request was \
already received; a retry must be signed anew
"""

from __future__ import annotations

from workbench.triggers.webhooks.delivery import Refusal, Verified

LIMIT = 100_000  # fingerprints remembered per route


class ReplayGuard:
    """Which signed requests were already answered 2xx, within the tolerance window.

    Fingerprints map to when they expire (and, for repeatable deliveries, to their ids):
    plain strings and floats, which the garbage collector never has to visit however
    many a busy route remembers.
    """

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._expires: dict[str, float] = {}  # oldest first
        self._ids: dict[str, str] = {}  # of the repeatable ones

    def __len__(self) -> int:
        return len(self._expires)

    def check(self, delivery: Verified, *, now: float) -> None:
        """Refuse ``delivery`` with 409 if it repeats a request already answered."""
        if delivery.fingerprint is None:
            return
        expires = self._expires.get(delivery.fingerprint)
        if expires is None or expires < now:
            return
        if delivery.repeatable and self._ids.get(delivery.fingerprint) == delivery.id:
            return
        raise Refusal(
            409, "Replay", "this signed request was already received; a retry must be signed anew"
        )

    def remember(self, delivery: Verified, *, now: float) -> None:
        """Remember ``delivery`` (answered 2xx) until it expires; forget what has."""
        fingerprint = delivery.fingerprint
        if fingerprint is None:
            return
        seen, ids = self._expires, self._ids
        seen.pop(fingerprint, None)
        seen[fingerprint] = delivery.expires
        if delivery.repeatable:
            ids[fingerprint] = delivery.id
        while seen:
            oldest = next(iter(seen))
            if len(seen) <= self.limit and seen[oldest] >= now:
                break
            del seen[oldest]
            if ids:
                ids.pop(oldest, None)
