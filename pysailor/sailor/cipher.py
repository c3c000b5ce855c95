"""AES-256-CBC as the sailor encrypts message bodies: key = SHA-256 of the password, a fixed 16-byte IV.

sailor-protocol.md section 5.1: the IV is the UTF-8 bytes of ``ELASTICIO_MESSAGE_CRYPTO_IV`` (the same for
every message), the padding PKCS#7, the plaintext compact UTF-8 JSON (``JSON.stringify``). With the same
password and IV, Node and Python produce the same bytes (tests/data/sailor/ holds vectors made by the sailor).
Without a password the "ciphertext" is the plaintext itself, as in the sailor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher as _AES
from cryptography.hazmat.primitives.ciphers import algorithms, modes


class DecryptError(ValueError):
    """The content is not base64, not a whole number of AES blocks, badly padded, or not JSON."""


def to_json(value: Any) -> bytes:
    """``JSON.stringify`` bytes: compact separators, non-ASCII kept as UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class Cipher:
    """Encrypts and decrypts message bodies; never shows its key or IV."""

    __slots__ = ("_cipher",)

    def __init__(self, password: str, iv: str) -> None:
        if password:
            iv_bytes = iv.encode()
            if len(iv_bytes) != 16:
                raise ValueError(f"the IV must be 16 bytes long, not {len(iv_bytes)}")
            key = hashlib.sha256(password.encode()).digest()
            self._cipher: _AES[modes.CBC] | None = _AES(algorithms.AES(key), modes.CBC(iv_bytes))
        else:
            self._cipher = None

    def __repr__(self) -> str:
        return f"Cipher(encrypting={self._cipher is not None})"

    def encrypt(self, plaintext: bytes) -> bytes:
        if self._cipher is None:
            return plaintext
        padder = padding.PKCS7(128).padder()
        encryptor = self._cipher.encryptor()
        return encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()

    def decrypt(self, ciphertext: bytes) -> bytes:
        if self._cipher is None:
            return ciphertext
        try:
            decryptor = self._cipher.decryptor()
            padded = decryptor.update(ciphertext) + decryptor.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:
            raise DecryptError(f"cannot decrypt: {exc}") from None

    def encode(self, value: Any, protocol_version: int) -> bytes:
        """A message body as the sailor publishes it: base64 text of the ciphertext below version 2."""
        encrypted = self.encrypt(to_json(value))
        return base64.b64encode(encrypted) if protocol_version < 2 else encrypted

    def decode(self, content: bytes, protocol_version: int) -> Any:
        """The JSON value in a body published with ``protocol_version``; None for an empty body."""
        if not content:
            return None
        if protocol_version < 2:
            try:
                content = base64.b64decode(content)
            except (binascii.Error, ValueError) as exc:
                raise DecryptError(f"not base64: {exc}") from None
        plaintext = self.decrypt(content)
        try:
            return json.loads(plaintext)
        except ValueError as exc:  # UnicodeDecodeError included
            raise DecryptError(f"not JSON after decryption: {exc}") from None
        except RecursionError:
            raise DecryptError("JSON nested too deeply to be read") from None
