"""Test certificate authority for the slapd harness (generated at start, never reused).

Two CAs are made: the one that signs the server certificate and a "wrong" one that signs
nothing, so clients can be tested against a CA that does not match.  The server certificate
names ``localhost``, ``127.0.0.1`` and this machine's host name: any other loopback address
(127.0.0.2) reaches the same listeners but fails hostname verification.
"""

import datetime
import ipaddress
import socket
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def server_dns_names():
    """localhost, plus the machine's own names: libldap (ldapsearch & co.) checks a URL host of
    "localhost" against the local host name instead, so a certificate for localhost alone
    fails there."""
    return list(dict.fromkeys(n for n in ("localhost", socket.gethostname(), socket.getfqdn()) if n))

SERVER_IP_ADDRESSES = ("127.0.0.1",)
# Long enough for a `make sandbox` left running for days, short enough to be obviously a test.
VALIDITY = datetime.timedelta(days=30)


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "chatops.rocketchat test sandbox"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _new_key():
    # P-256 keys are generated in microseconds (RSA takes a noticeable part of start-up).
    return ec.generate_private_key(ec.SECP256R1())


def _validity(builder):
    now = datetime.datetime.now(datetime.timezone.utc)
    return builder.not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + VALIDITY)


def _make_ca(common_name):
    key = _new_key()
    name = _name(common_name)
    builder = _validity(x509.CertificateBuilder()
                        .subject_name(name).issuer_name(name)
                        .public_key(key.public_key())
                        .serial_number(x509.random_serial_number()))
    cert = (builder
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_server_cert(ca_key, ca_cert, dns_names, ip_addresses):
    key = _new_key()
    san = [x509.DNSName(n) for n in dns_names]
    san += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    builder = _validity(x509.CertificateBuilder()
                        .subject_name(_name(dns_names[0]))
                        .issuer_name(ca_cert.subject)
                        .public_key(key.public_key())
                        .serial_number(x509.random_serial_number()))
    cert = (builder
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=True, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def write_certificates(directory, dns_names=None, ip_addresses=SERVER_IP_ADDRESSES, ca_name="chatops sandbox test CA"):
    """Write ca.pem, wrong-ca.pem, server.pem and server.key (mode 0600) into *directory*; the server
    certificate names *dns_names* (default: server_dns_names()) and *ip_addresses*.

    Returns a dict of the paths (as strings) and the CA certificate as PEM text.
    """
    directory = Path(directory)
    ca_key, ca_cert = _make_ca(ca_name)
    _, wrong_ca_cert = _make_ca("chatops sandbox WRONG test CA")
    server_key, server_cert = _make_server_cert(ca_key, ca_cert, dns_names or server_dns_names(), ip_addresses)

    paths = {
        "ca_cert_path": directory / "ca.pem",
        "wrong_ca_cert_path": directory / "wrong-ca.pem",
        "server_cert_path": directory / "server.pem",
        "server_key_path": directory / "server.key",
    }
    paths["ca_cert_path"].write_bytes(_pem(ca_cert))
    paths["wrong_ca_cert_path"].write_bytes(_pem(wrong_ca_cert))
    paths["server_cert_path"].write_bytes(_pem(server_cert))
    key_path = paths["server_key_path"]
    key_path.touch(mode=0o600)
    key_path.write_bytes(server_key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    result = {k: str(v) for k, v in paths.items()}
    result["ca_cert_pem"] = _pem(ca_cert).decode("ascii")
    return result
