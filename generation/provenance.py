"""C2PA content credentials: signing every output and reading credentials back.

With no certificate configured, a local development CA and signer are created once under the data dir.
Its root is not trusted by anyone else: the service says so in its log and uses the root as a trust anchor
only for its own provenance reports. Signing and reading are blocking native calls: run them in a thread.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from atelier import __version__
from atelier.config import ProvenanceConfig
from atelier.logs import get_logger
from generation.errors import ApiError
from generation.store import is_image_id

log = get_logger("generation.provenance")

CREATED = "c2pa.created"
OPENED = "c2pa.opened"
EDITED = "c2pa.edited"
WATERMARKED = "c2pa.watermarked.bound"
SOFT_BINDING_LABEL = "c2pa.soft-binding"
AI_GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
AI_COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
PARAMETERS_LABEL = "org.atelier.parameters"
USAGE_LABEL = "org.atelier.usage"
PARENT_LABEL = "parent"
DEV_DIR = "c2pa-dev"
# The development signer outlives any image it signs: without a timestamp authority an expired leaf would
# turn every older image Invalid.
DEV_ROOT_DAYS = 365 * 30
DEV_LEAF_DAYS = 365 * 25

_ALGORITHMS = {
    "es256": c2pa.C2paSigningAlg.ES256,
    "es384": c2pa.C2paSigningAlg.ES384,
    "es512": c2pa.C2paSigningAlg.ES512,
    "ps256": c2pa.C2paSigningAlg.PS256,
    "ps384": c2pa.C2paSigningAlg.PS384,
    "ps512": c2pa.C2paSigningAlg.PS512,
    "ed25519": c2pa.C2paSigningAlg.ED25519,
}


class ProvenanceSetupError(Exception):
    """Signing can't be set up; one line naming the file at fault."""


@dataclass(frozen=True)
class SigningMaterial:
    chain_pem: bytes
    key_pem: bytes
    algorithm: str
    trust_anchors_pem: str | None
    development: bool


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Atelier (local development, untrusted)"),
        ]
    )


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def create_development_ca(folder: Path) -> None:
    """A root CA and a leaf signer meeting C2PA's certificate rules. The root key is not kept."""
    now = datetime.datetime.now(datetime.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Atelier development root")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=DEV_ROOT_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Atelier development signer"))
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=DEV_LEAF_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "signer.key"
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            leaf_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    (folder / "signer-chain.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    # Written last: its presence marks a complete set.
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))


def _read(path: str, setting: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ProvenanceSetupError(f"[provenance] {setting} unreadable: {path}: {exc.strerror}") from None


def signing_material(config: ProvenanceConfig, data_dir: Path) -> SigningMaterial:
    if config.cert_chain:
        anchors = _read(config.trust_anchors, "trust_anchors").decode() if config.trust_anchors else None
        return SigningMaterial(
            chain_pem=_read(config.cert_chain, "cert_chain"),
            key_pem=_read(config.private_key, "private_key"),
            algorithm=config.algorithm,
            trust_anchors_pem=anchors,
            development=False,
        )
    folder = data_dir / DEV_DIR
    if not (folder / "root.pem").is_file():
        create_development_ca(folder)
        log.warning("provenance.dev_ca_created", folder=str(folder))
    log.warning(
        "provenance.untrusted_signer",
        detail="signing with the local development CA: credentials validate but no outside verifier trusts them",
    )
    return SigningMaterial(
        chain_pem=(folder / "signer-chain.pem").read_bytes(),
        key_pem=(folder / "signer.key").read_bytes(),
        algorithm="es256",
        trust_anchors_pem=(folder / "root.pem").read_text(),
        development=True,
    )


class SoftBinding(NamedTuple):
    """A watermark or fingerprint of the picture, so that a verifier holding a stripped copy knows where to look."""

    algorithm: str
    value: str


class Signed(NamedTuple):
    png: bytes
    # The manifest store alone (JUMBF), served by the resolver for copies whose metadata is gone.
    manifest: bytes
    # The active manifest's label ("urn:c2pa:<uuid>"): its id at the resolver.
    label: str


@dataclass(frozen=True)
class Ingredient:
    """What an edit started from: a stored parent (title carries its id) or an uploaded photo."""

    data: bytes
    mime: str
    title: str
    uploaded: bool


class Provenance:
    def __init__(self, material: SigningMaterial, timestamp_url: str = "", include_prompt: bool = True) -> None:
        self.material = material
        self.include_prompt = include_prompt
        try:
            self._signer = c2pa.Signer.from_info(
                c2pa.C2paSignerInfo(
                    _ALGORITHMS[material.algorithm], material.chain_pem, material.key_pem, timestamp_url or None
                )
            )
        except c2pa.C2paError as exc:
            raise ProvenanceSetupError(f"[provenance] the certificate chain or key was refused: {exc}") from None
        settings: dict = {"builder": {"thumbnail": {"enabled": False}}}
        if material.trust_anchors_pem:
            settings["trust"] = {"user_anchors": material.trust_anchors_pem}
        self._settings = settings

    @property
    def trusted_by(self) -> str:
        if self.material.development:
            return "local development CA"
        return "configured trust anchors" if self.material.trust_anchors_pem else "no trust anchors configured"

    def _context(self) -> c2pa.Context:
        return c2pa.Context.from_dict(self._settings)

    def sign(
        self,
        png: bytes,
        *,
        title: str,
        model: str,
        parameters: dict,
        description: str,
        ingredient: Ingredient | None,
        usage: dict | None = None,
        bindings: tuple[SoftBinding, ...] = (),
        watermarked: bool = False,
    ) -> Signed:
        """Embed a signed manifest in a PNG: created for a generation, opened then edited for an edit; with the
        picture's soft bindings (its watermark, its perceptual hash) and, when it carries a watermark, the action
        that bound it."""
        if ingredient is None:
            actions = [{"action": CREATED, "digitalSourceType": AI_GENERATED, "softwareAgent": {"name": model}}]
        else:
            actions = [
                {"action": OPENED, "parameters": {"ingredientIds": [PARENT_LABEL]}},
                {
                    "action": EDITED,
                    "digitalSourceType": AI_COMPOSITE if ingredient.uploaded else AI_GENERATED,
                    "softwareAgent": {"name": model},
                    "description": description,
                },
            ]
        if watermarked:
            actions.append({"action": WATERMARKED, "softwareAgent": {"name": "Atelier", "version": __version__}})
        recorded = dict(parameters)
        if not self.include_prompt:
            recorded.pop("prompt", None)
            recorded.pop("negative_prompt", None)
        label = f"urn:c2pa:{uuid.uuid4()}"
        manifest = {
            "claim_generator_info": [{"name": "Atelier", "version": __version__}],
            "title": title,
            "format": "image/png",
            "label": label,
            "assertions": [
                {"label": "c2pa.actions", "data": {"actions": actions}},
                {"label": PARAMETERS_LABEL, "data": recorded},
                *([{"label": USAGE_LABEL, "data": usage}] if usage is not None else []),
                *(
                    {
                        "label": SOFT_BINDING_LABEL,
                        "data": {"alg": binding.algorithm, "blocks": [{"scope": {}, "value": binding.value}]},
                    }
                    for binding in bindings
                ),
            ],
        }
        with self._context() as context, c2pa.Builder(manifest, context) as builder:
            if ingredient is not None:
                builder.add_ingredient(
                    {"title": ingredient.title, "relationship": "parentOf", "label": PARENT_LABEL},
                    ingredient.mime,
                    io.BytesIO(ingredient.data),
                )
            signed = io.BytesIO()
            store = builder.sign(self._signer, "image/png", io.BytesIO(png), signed)
            return Signed(signed.getvalue(), store, label)

    def report(self, data: bytes, mime: str = "image/png") -> dict:
        """Validation state, actions and the chain of parents recorded in an image's credential."""
        try:
            with self._context() as context, c2pa.Reader(mime, io.BytesIO(data), context=context) as reader:
                state = reader.get_validation_state()
                store = json.loads(reader.json())
        except c2pa.C2paError as exc:
            raise ApiError(422, "no_credential", f"the image carries no readable C2PA credential: {exc}") from None
        manifests = store.get("manifests", {})
        active = manifests.get(store.get("active_manifest"), {})
        return {
            "validation_state": str(state),
            "trusted_by": self.trusted_by,
            "signer": active.get("signature_info", {}),
            "actions": _actions(active),
            "parameters": _assertion(active, PARAMETERS_LABEL),
            "usage": _assertion(active, USAGE_LABEL),
            "soft_bindings": _soft_bindings(active),
            "chain": _ancestry(manifests, active),
            "failures": [entry.get("code") for entry in store.get("validation_status", [])],
        }


def _assertion(manifest: dict, label: str) -> dict | None:
    for assertion in manifest.get("assertions", []):
        if assertion.get("label") == label:
            return assertion.get("data")
    return None


def _soft_bindings(manifest: dict) -> list[dict]:
    return [
        {"alg": assertion["data"].get("alg"), "value": block.get("value")}
        for assertion in manifest.get("assertions", [])
        if assertion.get("label", "").startswith(SOFT_BINDING_LABEL)
        for block in assertion["data"].get("blocks", [])
    ]


def _actions(manifest: dict) -> list[dict]:
    for assertion in manifest.get("assertions", []):
        if assertion.get("label", "").startswith("c2pa.actions"):
            return [
                {
                    key: action[key]
                    for key in ("action", "digitalSourceType", "softwareAgent", "description")
                    if key in action
                }
                for action in assertion["data"].get("actions", [])
            ]
    return []


def _ancestry(manifests: dict, manifest: dict) -> list[dict]:
    """Each parent in turn, as the credential itself records it, back to the first generation or upload."""
    chain = []
    seen = set()
    while True:
        parents = [
            ingredient for ingredient in manifest.get("ingredients", []) if ingredient.get("relationship") == "parentOf"
        ]
        if not parents:
            return chain
        parent = parents[0]
        title = parent.get("title", "")
        stem = title.removesuffix(".png")
        chain.append(
            {
                "title": title,
                "image": stem if is_image_id(stem) else None,
                "format": parent.get("format"),
                "has_credential": "active_manifest" in parent,
            }
        )
        label = parent.get("active_manifest")
        if not label or label in seen or label not in manifests:
            return chain
        seen.add(label)
        manifest = manifests[label]
