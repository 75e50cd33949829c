"""Secrets, signed tokens and CSRF names for the web UI.

- Facilitator keys (from :class:`~drills.manager.SessionManager`), receiver tokens and the
  admin token are compared in constant time.
- A participant's identity is a signed token (HMAC-SHA256 over the room and the display
  name): the value of the room's participant cookie, or a bearer token for the JSON API.
- A room's receiver token is derived from the secret, the room and a generation number kept
  per room (:mod:`webui.receivers`), so it can be shown again and rotated, and nothing in the
  database is enough to forge one.
- CSRF uses the double-submit pattern: a random ``csrftoken`` cookie that every unsafe
  browser request must echo in a form field or the ``X-CSRF-Token`` header.

- A participant's personal rejoin link carries a rejoin token: the same HMAC over the room
  and the name, made for another purpose (``j1:``), so the link opens the room as that
  participant in another browser (and sets the participant cookie there) but is never a
  participant token, and a token of one room is worthless in another.

- A facilitator's sign-in is a signed token (``f1:EXPIRY:TOKEN-DIGEST``) in an HttpOnly,
  SameSite=Strict cookie: it expires, and changing the admin token signs everyone out.

Every signed value starts with a purpose (``p1:``, ``j1:``, ``r1:``, ``f1:``) so a token made for one
use is never accepted for another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "constant_time_equal",
    "facilitator_session",
    "facilitator_session_valid",
    "new_token",
    "participant_of",
    "participant_token",
    "receiver_claim",
    "receiver_token",
    "rejoin_of",
    "rejoin_token",
    "sign",
    "unsign",
]

CSRF_COOKIE = "csrftoken"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

_PARTICIPANT = "p1"
_REJOIN = "j1"
_RECEIVER = "r1"
_FACILITATOR = "f1"


def new_token(nbytes: int = 24) -> str:
    """A fresh URL-safe random token."""
    return secrets.token_urlsafe(nbytes)


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _mac(secret: bytes, value: str) -> str:
    return _b64(hmac.new(secret, value.encode(), hashlib.sha256).digest())


def sign(secret: bytes, value: str) -> str:
    """``value`` with its MAC appended; only the holder of ``secret`` can make one."""
    return f"{value}.{_mac(secret, value)}"


def unsign(secret: bytes, signed: str) -> str | None:
    """The value inside a signed string, or None if it was not signed with ``secret``."""
    value, sep, mac = signed.rpartition(".")
    if not sep or not constant_time_equal(mac, _mac(secret, value)):
        return None
    return value


def _name_token(secret: bytes, purpose: str, room: str, name: str) -> str:
    return sign(secret, f"{purpose}:{room}:{_b64(name.encode())}")


def _name_of(secret: bytes, purpose: str, room: str, token: str) -> str | None:
    value = unsign(secret, token)
    if value is None:
        return None
    token_purpose, _, rest = value.partition(":")
    token_room, _, encoded = rest.partition(":")
    if token_purpose != purpose or token_room != room:
        return None
    raw = _unb64(encoded)
    try:
        return None if raw is None else raw.decode()
    except UnicodeDecodeError:
        return None


def participant_token(secret: bytes, room: str, name: str) -> str:
    """The token that says "this is ``name`` in ``room``" (cookie-safe characters only)."""
    return _name_token(secret, _PARTICIPANT, room, name)


def participant_of(secret: bytes, room: str, token: str) -> str | None:
    """The display name a participant token carries for ``room``, or None."""
    return _name_of(secret, _PARTICIPANT, room, token)


def rejoin_token(secret: bytes, room: str, name: str) -> str:
    """The token of ``name``'s personal rejoin link to ``room`` (URL-safe characters only)."""
    return _name_token(secret, _REJOIN, room, name)


def rejoin_of(secret: bytes, room: str, token: str) -> str | None:
    """The display name a rejoin token carries for ``room``, or None (forged, another room's,
    or a token made for another purpose)."""
    return _name_of(secret, _REJOIN, room, token)


def receiver_token(secret: bytes, room: str, generation: int) -> str:
    """The bearer token of ``room``'s alert receivers at ``generation``."""
    return sign(secret, f"{_RECEIVER}:{room}:{generation}")


def receiver_claim(secret: bytes, token: str) -> tuple[str, int] | None:
    """(room, generation) a receiver token was made for, or None if it is not one."""
    value = unsign(secret, token)
    if value is None:
        return None
    purpose, _, rest = value.partition(":")
    room, _, generation = rest.rpartition(":")
    if purpose != _RECEIVER or not room or not generation.isdigit():
        return None
    return room, int(generation)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def facilitator_session(secret: bytes, admin_token: str, *, expires: int) -> str:
    """A facilitator sign-in valid until ``expires`` (Unix seconds) for this admin token."""
    return sign(secret, f"{_FACILITATOR}:{expires}:{_digest(admin_token)}")


def facilitator_session_valid(secret: bytes, admin_token: str, token: str, *, now: float) -> bool:
    """Whether ``token`` is an unexpired sign-in made with the current admin token."""
    value = unsign(secret, token)
    if value is None:
        return False
    purpose, _, rest = value.partition(":")
    expires, _, digest = rest.partition(":")
    if purpose != _FACILITATOR or not expires.isdigit():
        return False
    return int(expires) > now and constant_time_equal(digest, _digest(admin_token))
