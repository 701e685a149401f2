"""Secrets stored encrypted at rest (Fernet, key ``OKRHUB_ENCRYPTION_KEY`` from the environment).

A database dump without the key reveals no bot token or webhook URL. The key is
read when a secret is first encrypted or decrypted, so an installation that
uses no integration needs none; one that does gets a clear error naming the
setting (and how to make a key) instead of a stack trace about base64.
"""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "encryption_configured"]

HOW_TO = (
    "Set OKRHUB_ENCRYPTION_KEY in the environment to a Fernet key: "
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


def encryption_configured() -> bool:
    return bool(settings.OKRHUB_ENCRYPTION_KEY)


def _fernet() -> Fernet:
    key = settings.OKRHUB_ENCRYPTION_KEY
    if not key:
        raise ImproperlyConfigured(f"OKRHUB_ENCRYPTION_KEY is not set. {HOW_TO}")
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(f"OKRHUB_ENCRYPTION_KEY is not a valid Fernet key. {HOW_TO}") from None


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """The plaintext; ``InvalidToken`` if it was encrypted with another key (or tampered with)."""
    return _fernet().decrypt(ciphertext.encode()).decode()
