"""This organisation's Ed25519 signing key, and fingerprints people can read aloud.

    identity = create_key("Riverside Community Action")                 # kept in the OS keyring
    identity = create_key("Riverside Community Action", passphrase="…") # or a protected key file
    identity.words   # "orbit tackle ... eight words" to confirm over the phone
    private = load_private_key(passphrase=None)

The private key is kept only in the OS keyring (through ``consortium.secrets``) or, where the
machine has none, in a key file encrypted with the user's passphrase: AES-256-GCM under a key
stretched by Argon2id at OWASP's recommended cost (46 MiB, one pass, one lane). A key file in
an older, weaker format (PKCS#8 with PBKDF2 at 2,048 rounds) is re-sealed the next time it is
unlocked. It is never written to a
workspace, a log or a pack. The public half and where the private half lives are in
``identity.json`` in the app's data folder.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from mnemonic import Mnemonic

from consortium import home, secrets, validation
from consortium.errors import ConsortiumError
from consortium.packs import shape


def _keyring_name() -> str:
    """One keyring entry per data folder, so separate profiles (CONSORTIUM_HOME) keep separate
    keys."""
    return "signing-key:" + hashlib.sha256(str(home.home_dir().resolve()).encode()).hexdigest()[:16]


# OWASP Password Storage Cheat Sheet (2023): Argon2id with 46 MiB, 1 iteration, 1 lane.
KDF = {"name": "argon2id", "memory_cost": 47104, "iterations": 1, "lanes": 1}
KEY_FILE_FORMAT = "consortium-signing-key"
ARMOUR = "CONSORTIUM ENCRYPTED SIGNING KEY"
WORDS = 8  # 88 bits of the key's hash: enough to notice a swapped key over the phone


class SigningKeyError(ConsortiumError):
    """A problem with the signing key, said so a person can act on it."""


@dataclass
class Identity:
    organisation: str
    public_key: str  # base64 of the raw 32-byte Ed25519 public key
    fingerprint: str  # hex SHA-256 of the raw public key
    words: str
    storage: str  # "keyring" or "file"
    created: str

    def public_bytes(self) -> bytes:
        return base64.b64decode(self.public_key)


def _folder() -> Path:
    folder = home.home_dir() / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def key_file() -> Path:
    return _folder() / "signing-key.pem"


def _identity_file() -> Path:
    return _folder() / "identity.json"


def fingerprint(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()


def fingerprint_words(public: bytes) -> str:
    """Eight everyday words from the key's hash (BIP-39 English list), to read aloud."""
    digest = int.from_bytes(hashlib.sha256(public).digest(), "big")
    wordlist = Mnemonic("english").wordlist
    words = []
    for i in range(WORDS):
        words.append(wordlist[(digest >> (256 - 11 * (i + 1))) & 0x7FF])
    return uk_spelling(" ".join(words))


# The BIP-39 English list is American; people here read "flavour". Every word is still one
# of 2,048 fixed positions, so the same key always gives the same words on every machine,
# and neither spelling is another word on the list.
UK_SPELLINGS = {
    "armor": "armour",
    "catalog": "catalogue",
    "color": "colour",
    "defense": "defence",
    "fiber": "fibre",
    "flavor": "flavour",
    "harbor": "harbour",
    "humor": "humour",
    "labor": "labour",
    "license": "licence",
    "odor": "odour",
    "vapor": "vapour",
}


def uk_spelling(words: str) -> str:
    """Fingerprint words as they are shown and read: UK spelling ("flavor" → "flavour").
    Idempotent, so words stored by an older version read the same."""
    return " ".join(UK_SPELLINGS.get(w, w) for w in words.split())


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def identity() -> Identity | None:
    try:
        data = json.loads(_identity_file().read_text(encoding="utf-8"))
        if shape.problems(data, shape.IDENTITY, "The identity file"):
            return None  # a damaged identity is no identity: the user makes a key again
        found = Identity(**data)
        found.words = uk_spelling(found.words)
        return found
    except (OSError, ValueError, TypeError):
        return None


def create_key(
    organisation: str, passphrase: str | None = None, *, replace: bool = False
) -> Identity:
    """Make a new signing key. With no passphrase it goes in the OS keyring (which must exist:
    ``secrets.NoKeyring`` otherwise); with one, in an encrypted key file."""
    if identity() is not None and not replace:
        raise SigningKeyError(
            "A signing key already exists. Use it, or replace it on purpose (--replace)."
        )
    if not organisation.strip():
        raise SigningKeyError("Say which organisation the key signs for.")
    try:  # the name goes in every pack the key signs
        validation.one_line(organisation, "The organisation's name")
    except ValueError as exc:
        raise SigningKeyError(str(exc)) from None
    private = Ed25519PrivateKey.generate()
    if passphrase:
        if len(passphrase) < 8:
            raise SigningKeyError("Choose a passphrase of at least 8 characters.")
        _write_key_file(seal(private, passphrase))
        storage = "file"
        secrets.delete(_keyring_name())
    else:
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        secrets.store(_keyring_name(), pem.decode("ascii"))  # raises NoKeyring where there is none
        storage = "keyring"
        key_file().unlink(missing_ok=True)
    public = raw_public(private.public_key())
    made = Identity(
        organisation=organisation.strip(),
        public_key=base64.b64encode(public).decode("ascii"),
        fingerprint=fingerprint(public),
        words=fingerprint_words(public),
        storage=storage,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    _identity_file().write_text(json.dumps(asdict(made), indent=2), encoding="utf-8")
    return made


def _write_key_file(data: bytes) -> None:
    tmp = key_file().with_suffix(".tmp")
    # Owner-only from the moment it exists; renamed into place whole.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    tmp.replace(key_file())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _stretch(passphrase: str, salt: bytes, kdf: dict) -> bytes:
    if kdf.get("name") != "argon2id":
        raise SigningKeyError("The key file uses a way of locking this app does not know.")
    return Argon2id(
        salt=salt,
        length=32,
        iterations=int(kdf["iterations"]),
        lanes=int(kdf["lanes"]),
        memory_cost=int(kdf["memory_cost"]),
    ).derive(passphrase.encode("utf-8"))


def seal(private: Ed25519PrivateKey, passphrase: str) -> bytes:
    """The key file's bytes: the raw private key under AES-256-GCM, its key stretched from the
    passphrase by Argon2id. The header (format, KDF, salt, nonce) is authenticated too."""
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {
        "format": KEY_FILE_FORMAT,
        "version": 2,
        "kdf": dict(KDF, salt=_b64(salt)),
        "cipher": "aes-256-gcm",
        "nonce": _b64(nonce),
    }
    aad = json.dumps(header, sort_keys=True).encode("utf-8")
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    sealed = AESGCM(_stretch(passphrase, salt, KDF)).encrypt(nonce, raw, aad)
    body = base64.encodebytes(json.dumps(dict(header, ciphertext=_b64(sealed))).encode("utf-8"))
    return f"-----BEGIN {ARMOUR}-----\n".encode() + body + f"-----END {ARMOUR}-----\n".encode()


def _unseal(data: bytes, passphrase: str) -> tuple[Ed25519PrivateKey, bool]:
    """(key, whether the file should be re-sealed at today's strength)."""
    if data.lstrip().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"):
        # The first release's PKCS#8 file (PBKDF2, 2,048 rounds): open it, then re-seal it.
        key = serialization.load_pem_private_key(data, password=passphrase.encode("utf-8"))
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 key")
        return key, True
    text = data.decode("ascii").strip().splitlines()
    if not text or text[0] != f"-----BEGIN {ARMOUR}-----" or text[-1] != f"-----END {ARMOUR}-----":
        raise ValueError("not a Consortium key file")
    doc = json.loads(base64.b64decode("".join(text[1:-1])))
    bad_shape = shape.problems(doc, shape.KEY_FILE, "The key file")
    if bad_shape:
        raise ValueError(" ".join(bad_shape))
    header = {k: doc[k] for k in ("format", "version", "kdf", "cipher", "nonce")}
    if header["format"] != KEY_FILE_FORMAT or header["cipher"] != "aes-256-gcm":
        raise ValueError("not a Consortium key file")
    kdf = header["kdf"]
    stretched = _stretch(passphrase, base64.b64decode(kdf["salt"]), kdf)
    aad = json.dumps(header, sort_keys=True).encode("utf-8")
    raw = AESGCM(stretched).decrypt(
        base64.b64decode(header["nonce"]), base64.b64decode(doc["ciphertext"]), aad
    )
    weaker = any(int(kdf.get(k, 0)) < v for k, v in KDF.items() if k != "name")
    return Ed25519PrivateKey.from_private_bytes(raw), weaker


def load_private_key(passphrase: str | None = None) -> Ed25519PrivateKey:
    me = identity()
    if me is None:
        raise SigningKeyError(
            "There is no signing key yet. Create one first ('consortium keys create')."
        )
    if me.storage == "keyring":
        pem = secrets.load(_keyring_name())
        if pem is None:
            raise SigningKeyError(
                "The signing key is not in this computer's keyring any more. Create a new key "
                "and send your new fingerprint to the housing association."
            )
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    else:
        if not passphrase:
            raise SigningKeyError("The signing key is protected by a passphrase: give it to sign.")
        try:
            key, reseal = _unseal(key_file().read_bytes(), passphrase)
        except FileNotFoundError:
            raise SigningKeyError(f"The key file {key_file()} is missing.") from None
        except (ValueError, TypeError, KeyError, InvalidTag, UnicodeDecodeError):
            raise SigningKeyError("That passphrase does not open the signing key.") from None
        if reseal and fingerprint(raw_public(key.public_key())) == me.fingerprint:
            _write_key_file(seal(key, passphrase))
    if (
        not isinstance(key, Ed25519PrivateKey)
        or fingerprint(raw_public(key.public_key())) != me.fingerprint
    ):
        raise SigningKeyError(
            "The stored key does not match this computer's identity; create a new key."
        )
    return key


def verify(public: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
        return True
    except (InvalidSignature, ValueError):
        return False


def export_public(path: str | Path) -> Path:
    me = identity()
    if me is None:
        raise SigningKeyError(
            "There is no signing key yet. Create one first ('consortium keys create')."
        )
    path = Path(path)
    data = {
        k: v
        for k, v in asdict(me).items()
        if k in ("organisation", "public_key", "fingerprint", "words")
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path
