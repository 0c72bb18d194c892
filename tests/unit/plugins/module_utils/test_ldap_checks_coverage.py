"""ldap_check's TLS verdicts (certificate expiry, protocol) from real TLS handshakes.

Each test makes a certificate with `cryptography`, runs a real OpenSSL handshake over a socket pair
(no network) between a server-side context and the collection's own TLS wrapper, then calls
`check_encryption` on the recorded session, as `run_checks` does after opening the connection.
"""

import datetime
import re
import socket
import ssl
import threading
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.chatops.rocketchat.plugins.module_utils import _directory as directory
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    DirectoryConnection, DirectorySettings,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_checks import (
    CERT_EXPIRY_WARN_DAYS, OK, WARN, check_encryption,
)

HOST = 'localhost'


def make_certificate(tmp_path, valid_for):
    """A self-signed certificate for HOST valid from an hour ago for ``valid_for``: (cert path, key path, PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + valid_for)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')
    cert_path, key_path = tmp_path / 'server.pem', tmp_path / 'server.key'
    cert_path.write_text(pem)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path, pem


def server_context(cert_path, key_path, minimum=None, maximum=None, ciphers=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if ciphers:
        context.set_ciphers(ciphers)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # TLS 1.0/1.1 are deprecated: that is the point
        if minimum:
            context.minimum_version = minimum
        if maximum:
            context.maximum_version = maximum
    context.load_cert_chain(str(cert_path), str(key_path))
    return context


class _Socket:
    """What the TLS wrapper needs of an ldap3 connection: its socket."""

    def __init__(self, sock):
        self.socket = sock


def handshake(settings, context):
    """A real handshake of the collection's TLS wrapper (the one DirectoryConnection.open installs for
    StartTLS and LDAPS) against ``context``; returns the DirectoryConnection, whose ``tls.failure`` holds
    the client's handshake error, if any."""
    conn = DirectoryConnection(settings)
    endpoint = conn.endpoint
    conn.tls = directory._HostCheckingTls(endpoint.host, endpoint.ca_pem, endpoint.verify)
    client_sock, server_sock = socket.socketpair()
    thread = threading.Thread(target=_serve_once, args=(context, server_sock), daemon=True)
    thread.start()
    try:
        conn.tls.wrap_socket(_Socket(client_sock), do_handshake=True)
    except (ssl.SSLError, OSError):
        assert conn.tls.failure is not None  # recorded for DirectoryConnection's error message
    finally:
        client_sock.close()
        thread.join(10)
        server_sock.close()
    return conn


def _serve_once(context, sock):
    try:
        with context.wrap_socket(sock, server_side=True) as tls_sock:
            tls_sock.recv(1)  # until the client closes
    except (ssl.SSLError, OSError):
        pass  # the client refused the handshake: its side is what the tests look at


def tls_settings(pem, **overrides):
    values = dict(LDAP_Host=HOST, LDAP_Port=636, LDAP_Encryption='ssl', LDAP_CA_Cert=pem,
                  LDAP_Reject_Unauthorized=True)
    values.update(overrides)
    return DirectorySettings(values)


def days_left(detail):
    found = re.search(r'\(in (-?\d+) days\)', detail)
    assert found, detail
    return int(found.group(1))


# --- certificate expiry ------------------------------------------------------------------------

@pytest.mark.parametrize('valid_for, status, days', [
    (datetime.timedelta(days=5), WARN, 4),                      # 4 days and 23 h left
    (datetime.timedelta(days=CERT_EXPIRY_WARN_DAYS, hours=-1), WARN, CERT_EXPIRY_WARN_DAYS - 1),
    (datetime.timedelta(days=CERT_EXPIRY_WARN_DAYS, hours=1), OK, CERT_EXPIRY_WARN_DAYS),
    (datetime.timedelta(days=400), OK, 399),
])
def test_certificate_expiry_warns_under_fourteen_days(tmp_path, valid_for, status, days):
    cert_path, key_path, pem = make_certificate(tmp_path, valid_for)
    settings = tls_settings(pem)
    conn = handshake(settings, server_context(cert_path, key_path))
    result, detail = check_encryption(settings, conn)
    assert result == status, detail
    assert days_left(detail) == days
    assert ('renew it soon' in detail) is (status == WARN)
    assert 'LDAPS with TLSv1.3' in detail and 'signed by the configured CA' in detail


def test_starttls_is_named_and_expiry_is_checked_the_same_way(tmp_path):
    cert_path, key_path, pem = make_certificate(tmp_path, datetime.timedelta(days=2))
    settings = tls_settings(pem, LDAP_Encryption='tls', LDAP_Port=389)
    result, detail = check_encryption(settings, handshake(settings, server_context(cert_path, key_path)))
    assert result == WARN and detail.startswith('StartTLS with TLSv1.3') and 'renew it soon' in detail


def test_expiry_is_not_judged_when_certificate_checks_are_off(tmp_path):
    # Without verification the peer certificate is not read: the warning is about the disabled checks.
    cert_path, key_path, pem = make_certificate(tmp_path, datetime.timedelta(days=2))
    settings = tls_settings('', LDAP_Reject_Unauthorized=False)
    result, detail = check_encryption(settings, handshake(settings, server_context(cert_path, key_path)))
    assert result == WARN and 'certificate checks are off' in detail and 'expires' not in detail


def test_an_expired_certificate_fails_the_handshake_and_is_named(tmp_path):
    cert_path, key_path, pem = make_certificate(tmp_path, datetime.timedelta(minutes=-30))
    conn = handshake(tls_settings(pem), server_context(cert_path, key_path))
    assert isinstance(conn.tls.failure, ssl.SSLCertVerificationError)
    assert 'has expired' in directory._describe_tls_failure(conn.tls.failure, conn.endpoint)


# --- protocol -----------------------------------------------------------------------------------

def test_tls_1_2_is_accepted_and_named(tmp_path):
    cert_path, key_path, pem = make_certificate(tmp_path, datetime.timedelta(days=90))
    settings = tls_settings(pem)
    conn = handshake(settings, server_context(cert_path, key_path, maximum=ssl.TLSVersion.TLSv1_2))
    result, detail = check_encryption(settings, conn)
    assert result == OK, detail
    assert 'LDAPS with TLSv1.2' in detail and 'outdated' not in detail


def test_a_server_that_only_speaks_tls_1_1_is_refused_as_a_protocol_problem(tmp_path):
    # The verifying client context needs TLS 1.2 or newer, so a TLS 1.0/1.1-only directory fails the
    # handshake, and the failure must say that the protocol is the problem.
    cert_path, key_path, pem = make_certificate(tmp_path, datetime.timedelta(days=90))
    settings = tls_settings(pem)
    legacy = server_context(cert_path, key_path, minimum=ssl.TLSVersion.TLSv1, maximum=ssl.TLSVersion.TLSv1_1,
                            ciphers='DEFAULT:@SECLEVEL=0')
    conn = handshake(settings, legacy)
    assert conn.tls.failure is not None and conn.tls.session is None
    described = directory._describe_tls_failure(conn.tls.failure, conn.endpoint)
    assert described.startswith('TLS handshake failed') and 'outdated protocol' in described, described
