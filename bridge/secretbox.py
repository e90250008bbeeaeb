"""Credentials entered in the web UI, encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package) with a
key from ``$CMS_BRIDGE_DATA_KEY`` or the file ``data_key`` beside the database
(mode 0600, made by ``init`` or on first use). The database alone — a copied
file, a backup — does not reveal a password; keep the key file with backups
separately, or set the variable."""
from __future__ import annotations

import json
import os

from cryptography.fernet import Fernet, InvalidToken

from .keyfiles import key_from_env_or_file
from .translations import N_, Words

KEY_ENV = "CMS_BRIDGE_DATA_KEY"


class SecretsUnreadable(Exception):
    """The stored credentials cannot be decrypted with this key."""


def key_path(database: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(database)), "data_key")


class SecretBox:
    def __init__(self, database: str):
        self.path = key_path(database)
        self._fernet: Fernet | None = None

    @property
    def fernet(self) -> Fernet:
        if self._fernet is None:
            key = key_from_env_or_file(KEY_ENV, self.path, lambda: Fernet.generate_key().decode())
            self._fernet = Fernet(key.encode())
        return self._fernet

    def seal(self, values: dict[str, str]) -> str:
        return self.fernet.encrypt(json.dumps(values).encode()).decode()

    def open(self, token: str) -> dict[str, str]:
        try:
            return json.loads(self.fernet.decrypt(token.encode()))
        except InvalidToken:
            raise SecretsUnreadable(Words(N_("stored site credentials cannot be decrypted with the key in %(path)s "
                                             "(or $%(variable)s); restore that key, or enter the credentials again"),
                                          path=self.path, variable=KEY_ENV)) from None
