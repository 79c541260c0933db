"""HMAC signatures of peer callbacks: `X-Signature: sha256=<hex>` over the raw body with the peer's secret.

The stub peers sign with the same function, so both sides agree on one definition.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, signature: str | None) -> bool:
    return bool(secret and signature) and hmac.compare_digest(sign(secret, body), signature)
