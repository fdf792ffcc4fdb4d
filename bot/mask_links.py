"""One-time signed links to the mask page: each names one image of one conversation, the member it was given to,
and when it expires, signed with the bot's own secret so nobody can forge or alter one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

from bot.i18n import N_

INVALID = N_("This link is not valid: ask for a new one with the Region button.")
EXPIRED = N_("This link has expired: ask for a new one with the Region button.")
USED = N_("This link was used already: ask for a new one with the Region button.")


class LinkRefused(Exception):
    """A link that can't be used (altered, expired or used already); the message (untranslated) says which."""


@dataclass(frozen=True)
class MaskLink:
    conversation: str
    number: int
    user_id: int
    expires: float
    # The member's language, for the page; and what makes each link used once.
    locale: str = "en-US"
    nonce: str = ""

    @classmethod
    def new(cls, conversation: str, number: int, user_id: int, expires: float, locale: str) -> MaskLink:
        return cls(conversation, number, user_id, expires, locale, secrets.token_urlsafe(12))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(link: MaskLink, secret: bytes) -> str:
    payload = _b64(json.dumps(asdict(link), separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())}"


def verify(token: str, secret: bytes, now: float) -> MaskLink:
    """The link a token stands for, or ``LinkRefused``."""
    payload, _, mac = token.partition(".")
    expected = _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        raise LinkRefused(INVALID)
    try:
        link = MaskLink(**json.loads(_unb64(payload)))
    except (ValueError, TypeError):
        raise LinkRefused(INVALID) from None
    if now > link.expires:
        raise LinkRefused(EXPIRED)
    return link
