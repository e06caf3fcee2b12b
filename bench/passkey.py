"""A software passkey for the benchmark's passkey-login row (issue 31): P-256 keys from
`cryptography`, CBOR from `cbor2` (bench/run installs both from PyPI). It answers the server's
WebAuthn options as a browser with a platform authenticator would: a discoverable, user-verified
credential with a "none" attestation, and assertions over authenticatorData ‖ SHA-256(clientData).
"""

import base64
import hashlib
import json
import os
import struct
from urllib.parse import urlparse

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Passkey:
    def __init__(self, origin: str):
        self.origin = origin
        self.rp_id = urlparse(origin).hostname
        self.key = None
        self.cred_id = None
        self.user_handle = None
        self.counter = 0

    def _auth_data(self, flags: int) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.counter)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}, separators=(",", ":")).encode()

    def register(self, options: dict) -> dict:
        options = options["publicKey"]
        assert options["rp"]["id"] == self.rp_id, options["rp"]
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cred_id = os.urandom(32)
        self.user_handle = unb64(options["user"]["id"])
        numbers = self.key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})
        data = (self._auth_data(UP | UV | AT) + bytes(16) + struct.pack(">H", len(self.cred_id))
                + self.cred_id + cose)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": data})
        return {"id": b64(self.cred_id), "rawId": b64(self.cred_id), "type": "public-key",
                "response": {"clientDataJSON": b64(self._client_data("webauthn.create", options["challenge"])),
                             "attestationObject": b64(attestation)},
                "clientExtensionResults": {}}

    def assert_(self, options: dict) -> dict:
        options = options["publicKey"]
        assert options["rpId"] == self.rp_id, options
        self.counter += 1
        data = self._auth_data(UP | UV)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": b64(self.cred_id), "rawId": b64(self.cred_id), "type": "public-key",
                "response": {"clientDataJSON": b64(client_data), "authenticatorData": b64(data),
                             "signature": b64(signature), "userHandle": b64(self.user_handle)},
                "clientExtensionResults": {}}
