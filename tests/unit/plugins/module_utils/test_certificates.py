"""How a CA certificate setting is shown: subject and SHA-256 fingerprint, checked against `cryptography`."""
import hashlib

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from ansible_collections.chatops.rocketchat.plugins.module_utils import _certificates as certificates
from tests.unit.plugins.module_utils.certs_for_tests import colon_fingerprint, der, make_ca, pem

NAMES = [
    x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, 'US'), x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Corp'),
               x509.NameAttribute(NameOID.COMMON_NAME, 'Corp Root CA')]),
    # RFC 4514 escapes: a comma, a leading "#", a trailing space, "+" and "=" and non-ASCII text
    x509.Name([x509.NameAttribute(NameOID.DOMAIN_COMPONENT, 'org'),
               x509.NameAttribute(NameOID.DOMAIN_COMPONENT, 'example'),
               x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, '#Ops, Zoë+Åström = 1 ')]),
    # a multi-valued RDN and an e-mail address (IA5String)
    x509.Name([x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, 'a'),
                                               x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, 'b')]),
               x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.EMAIL_ADDRESS, 'pki@example.org')])]),
    # a long subject (DER lengths in the long form)
    x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'O' * 60),
               x509.NameAttribute(NameOID.COMMON_NAME, 'C' * 64)]),
]


@pytest.mark.parametrize('name', NAMES, ids=['plain', 'escapes', 'multi-valued', 'long'])
def test_subject_and_fingerprint_agree_with_cryptography(name):
    cert = make_ca(name=name)
    # RFC 4514 names these by dotted OID; the collection uses OpenSSL's names for readability.
    friendly = dict((x509.ObjectIdentifier(oid), name) for oid, name in certificates.ATTRIBUTE_NAMES.items())
    assert certificates.subject(der(cert)) == cert.subject.rfc4514_string(friendly)
    assert certificates.fingerprint(der(cert)) == colon_fingerprint(cert)


def test_one_certificate_is_shown_by_subject_and_fingerprint_never_as_pem():
    cert = make_ca()
    shown = certificates.describe_certificates(pem(cert))
    assert shown == 'CA certificate CN=Corp Root CA,O=Corp,C=US, SHA-256 %s' % colon_fingerprint(cert)
    assert 'BEGIN' not in shown and pem(cert).splitlines()[1] not in shown


def test_several_blocks_are_each_shown_in_order_whatever_the_line_endings():
    root, intermediate = make_ca('Corp Root CA'), make_ca('Corp Issuing CA', organization=None, country=None)
    text = pem(root) + '\r\n' + pem(intermediate).replace('\n', '\r\n')
    assert certificates.describe_certificates(text) == (
        'CA certificate CN=Corp Root CA,O=Corp,C=US, SHA-256 %s; CA certificate CN=Corp Issuing CA, SHA-256 %s'
        % (colon_fingerprint(root), colon_fingerprint(intermediate)))


@pytest.mark.parametrize('text', [
    'not a certificate',
    '-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n',
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',   # base64, but not DER
    'junk\n' + pem(make_ca()),                                          # text outside the blocks
])
def test_text_that_is_not_pem_certificates_is_shown_by_length_and_hash(text):
    shown = certificates.describe_certificates(text)
    digest = hashlib.sha256(text.encode('utf-8')).hexdigest().upper()
    assert shown == 'unreadable CA certificate text (%d characters, SHA-256 of the text %s)' % (
        len(text), ':'.join(digest[i:i + 2] for i in range(0, 64, 2)))


@pytest.mark.parametrize('value', ['', '  \n', None, 42])
def test_empty_and_non_text_values_are_left_as_they_are(value):
    assert certificates.describe_certificates(value) == value
