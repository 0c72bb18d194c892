"""Self-signed CA certificates for the unit tests, made with `cryptography` (an ansible-core dependency:
it is the test's oracle, not a runtime dependency of the collection)."""
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_KEY = ec.generate_private_key(ec.SECP256R1())


def make_ca(common_name='Corp Root CA', organization='Corp', country='US', name=None):
    """A ``cryptography`` certificate whose subject is ``name`` (an x509.Name), else CN/O/C."""
    if name is None:
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)] if country else []
        if organization:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
        name = x509.Name(attributes)
    start = datetime.datetime(2024, 1, 1)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(_KEY.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(_KEY, hashes.SHA256()))


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def fingerprint(cert):
    return cert.fingerprint(hashes.SHA256()).hex().upper()


def colon_fingerprint(cert):
    digest = fingerprint(cert)
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))
