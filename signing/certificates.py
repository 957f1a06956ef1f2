"""The company's document-signing certificate: loading it, and making a test one.

Production sets `SIGNING_CERTIFICATE` to a PKCS#12 file (key, certificate and its issuers) from
a certificate authority. `make run` makes a test authority and a signing certificate under
`var/signing/` instead (`manage.py signing_test_certificate`): everything sealed with it says
"test certificate", and `check --deploy` warns while it, or none, is in use.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

# The mark a test authority carries in its name; a certificate it issued is a test certificate.
TEST_MARK = "TEST CERTIFICATE"
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336


@dataclass(frozen=True)
class Issued:
    """A key and its certificate, as PEM, with the issuer's certificate."""

    key: PrivateKey
    certificate: x509.Certificate


def _name(common_name: str, organisation: str, *, test: bool = True) -> x509.Name:
    """A certificate's name: the company's (cut to fit X.509's 64 characters), and for a test
    certificate the test mark in its own attribute."""
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
    ]
    if test:
        attributes.append(
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, f"{TEST_MARK}, not for real offers"
            )
        )
    return x509.Name(attributes)


def _issue(
    *,
    subject: x509.Name,
    issuer: Issued | None,
    now: datetime.datetime,
    days: int,
    ca: bool,
    usage: list[x509.ObjectIdentifier],
    rsa_key: bool = False,
) -> Issued:
    key: PrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if usage:
        # A timestamping certificate must say so in a critical extension (RFC 3161).
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(usage), critical=ExtendedKeyUsageOID.TIME_STAMPING in usage
        )
    return Issued(key, builder.sign(signer_key, hashes.SHA256()))


@dataclass(frozen=True)
class SigningAuthority:
    root: Issued
    signer: Issued
    timestamper: Issued

    def signer_pkcs12(self, password: bytes | None = None) -> bytes:
        encryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return pkcs12.serialize_key_and_certificates(
            b"document signing",
            self.signer.key,
            self.signer.certificate,
            [self.root.certificate],
            encryption,
        )


def make_test_authority(company: str, *, days: int = 3650, test: bool = True) -> SigningAuthority:
    """A self-signed test authority, a document-signing certificate and a timestamping
    certificate it issued: for `make run` and the tests, never for real offers. (`test=False`
    leaves the test mark out, for tests of what a real certificate changes.)"""
    now = datetime.datetime.now(datetime.UTC)
    root = _issue(
        subject=_name(f"Test signing authority of {company}", company, test=test),
        issuer=None,
        now=now,
        days=days,
        ca=True,
        usage=[],
    )
    signer = _issue(
        subject=_name(
            f"Offer letters of {company}" + (f" ({TEST_MARK})" if test else ""), company, test=test
        ),
        issuer=root,
        now=now,
        days=days,
        ca=False,
        usage=[DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION],
    )
    timestamper = _issue(
        subject=_name(f"Test timestamps of {company}", company),
        issuer=root,
        now=now,
        days=days,
        ca=False,
        usage=[ExtendedKeyUsageOID.TIME_STAMPING],
        rsa_key=True,  # pyHanko's test timestamper signs with RSA only
    )
    return SigningAuthority(root, signer, timestamper)


def write_test_certificate(path: Path, company: str) -> SigningAuthority:
    """The test signing certificate as an unencrypted PKCS#12 file, its authority beside it."""
    authority = make_test_authority(company)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(authority.signer_pkcs12())
    path.with_name("test-authority.pem").write_bytes(
        authority.root.certificate.public_bytes(serialization.Encoding.PEM)
    )
    return authority


# Loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    """What signing needs of the configured certificate."""

    path: Path
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...]

    @property
    def is_test(self) -> bool:
        names = [self.certificate.subject.human_friendly, self.certificate.issuer.human_friendly]
        return any(TEST_MARK in name for name in names)

    @property
    def trust_roots(self) -> list[asn1_x509.Certificate]:
        """The self-signed certificates the file carries: what "issued by us" chains up to."""
        return [c for c in self.chain if c.self_signed] or [self.certificate]

    @property
    def subject(self) -> str:
        return str(self.certificate.subject.native.get("common_name", ""))


def certificate_path() -> Path | None:
    configured = settings.SIGNING_CERTIFICATE
    return Path(configured) if configured else None


def signing_enabled() -> bool:
    """Candidates sign their letters when a certificate is configured and its file exists."""
    path = certificate_path()
    return path is not None and path.is_file()


@cache
def _load(path: str, mtime: float, password: str) -> tuple[object, Company]:
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=password.encode() or None)
    if signer is None:
        raise ValueError(
            f"SIGNING_CERTIFICATE ({path}) could not be read: is SIGNING_CERTIFICATE_PASSWORD "
            "right?"
        )
    chain = tuple(signer.cert_registry)
    return signer, Company(Path(path), signer.signing_cert, chain)


def company_signer() -> tuple[object, Company]:
    """pyHanko's signer for the configured certificate (read once per process and file)."""
    path = certificate_path()
    if path is None or not path.is_file():
        raise ValueError("No signing certificate is configured (SIGNING_CERTIFICATE).")
    return _load(str(path), path.stat().st_mtime, settings.SIGNING_CERTIFICATE_PASSWORD)


def company() -> Company | None:
    if not signing_enabled():
        return None
    return company_signer()[1]
