"""Passwords, API tokens and CSRF tokens: the small crypto the app needs.

Passwords use werkzeug's scrypt (a deliberately slow, memory-hard hash). API
tokens are long random strings, so a fast SHA-256 is enough to store them: nobody
can brute-force 256 random bits, and lookups stay one indexed query.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from .translations import N_, Words

TOKEN_PREFIX = "cmsb_"  # noqa: S105 - a visible marker, not a secret
ROLES = ("admin", "editor")
MIN_PASSWORD_LENGTH = 10


class WeakPassword(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(Words(N_("a password needs at least %(length)s characters"), length=MIN_PASSWORD_LENGTH))
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


#: a hash to compare against when the user does not exist, so the response time
#: does not tell an attacker which usernames are real
DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def new_api_token() -> tuple[str, str, str]:
    """Returns (token shown once, prefix kept for listing, hash kept for lookup)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[: len(TOKEN_PREFIX) + 6], hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return hmac.compare_digest(a, b)

