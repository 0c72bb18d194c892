# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a CA certificate setting is shown: by subject and SHA-256 fingerprint, never as PEM text.

Pure Python (no ``cryptography``, which is not a runtime dependency of the collection): the PEM
blocks are decoded and just enough of the DER read (RFC 5280: Certificate -> tbsCertificate ->
subject) to name the subject the way RFC 4514 writes it (``CN=Corp Root CA,O=Corp,C=US``). The
fingerprint is the SHA-256 of the DER bytes, as ``openssl x509 -fingerprint -sha256`` prints it.
Whether a CA certificate setting can be used at all is the standard library's ``ssl`` to say
(``certificate_problem``): OpenSSL reads each block as the server's TLS stack would.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import re
import ssl

PEM_BLOCK = re.compile(r'-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----', re.S)

# Any PEM block (its label) and a private key's label: a key pasted into a CA field is named, never shown.
_ANY_BLOCK = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----(?:.*?-----END \1-----)?', re.S)
_KEY_LABEL = re.compile(r'(?:^|\s)PRIVATE KEY$')

# Attribute types by OID: the short names of RFC 4514, and OpenSSL's for a few more (other types are
# written as their dotted OID, as RFC 4514 says).
ATTRIBUTE_NAMES = {
    '2.5.4.3': 'CN', '2.5.4.4': 'SN', '2.5.4.5': 'serialNumber', '2.5.4.6': 'C', '2.5.4.7': 'L',
    '2.5.4.8': 'ST', '2.5.4.9': 'STREET', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.12': 'title',
    '2.5.4.42': 'GN', '2.5.4.43': 'initials', '2.5.4.46': 'dnQualifier', '2.5.4.65': 'pseudonym',
    '0.9.2342.19200300.100.1.1': 'UID', '0.9.2342.19200300.100.1.25': 'DC',
    '1.2.840.113549.1.9.1': 'emailAddress',
}
# Universal tags of the string types a name attribute may use.
_STRING_TAGS = {0x0C: 'utf-8', 0x13: 'ascii', 0x16: 'ascii', 0x14: 'latin-1', 0x12: 'ascii', 0x1A: 'ascii',
                0x1E: 'utf-16-be', 0x1C: 'utf-32-be'}


class DerError(ValueError):
    """The bytes are not the DER this reader expects."""


def _read_tlv(data, offset):
    """``(tag, content start, content end)`` of the DER element at ``offset``."""
    if offset + 2 > len(data):
        raise DerError('truncated element')
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise DerError('unsupported length')
        length = int(binascii.hexlify(data[offset:offset + count]), 16)
        offset += count
    end = offset + length
    if end > len(data):
        raise DerError('truncated element')
    return tag, offset, end


def _children(data, start, end):
    """``(tag, content start, content end, element start)`` of each element between ``start`` and ``end``."""
    while start < end:
        tag, content, stop = _read_tlv(data, start)
        yield tag, content, stop, start
        start = stop


def _oid(raw):
    if not raw:
        raise DerError('empty OID')
    first = raw[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for byte in bytearray(raw[1:]):
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return '.'.join(str(part) for part in parts)


def _escape(value):
    """RFC 4514 escaping of an attribute value."""
    escaped = re.sub(r'([,+"\\<>;])', r'\\\1', value)
    if escaped.startswith((' ', '#')):
        escaped = '\\' + escaped
    if escaped.endswith(' ') and not escaped.endswith('\\ '):
        escaped = escaped[:-1] + '\\ '
    return escaped


def _attribute_value(data, tag, start, end, element_start):
    encoding = _STRING_TAGS.get(tag)
    if encoding is None:
        # Not a string type: RFC 4514 writes the whole BER element in hex after "#".
        return '#' + binascii.hexlify(bytes(data[element_start:end])).decode('ascii')
    return _escape(bytes(data[start:end]).decode(encoding, 'replace'))


def subject(der):
    """The subject of a DER certificate as an RFC 4514 string (most specific RDN first)."""
    data = bytearray(der)
    tag, start, end = _read_tlv(data, 0)
    if tag != 0x30:
        raise DerError('not a certificate')
    tag, start, end = _read_tlv(data, start)  # tbsCertificate
    if tag != 0x30:
        raise DerError('no tbsCertificate')
    fields = list(_children(data, start, end))
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject
    if len(fields) < 5 or fields[4][0] != 0x30:
        raise DerError('no subject')
    _tag, start, end, _element = fields[4]
    rdns = []
    for set_tag, set_start, set_end, _element in _children(data, start, end):
        if set_tag != 0x31:
            raise DerError('bad RDN')
        parts = []
        for seq_tag, seq_start, seq_end, _element in _children(data, set_start, set_end):
            items = list(_children(data, seq_start, seq_end))
            if seq_tag != 0x30 or len(items) != 2 or items[0][0] != 0x06:
                raise DerError('bad attribute')
            oid = _oid(bytes(data[items[0][1]:items[0][2]]))
            parts.append('%s=%s' % (ATTRIBUTE_NAMES.get(oid, oid), _attribute_value(data, *items[1])))
        rdns.append('+'.join(parts))
    return ','.join(reversed(rdns))


def fingerprint(data):
    """SHA-256 of ``data`` as colon-separated upper-case hex pairs."""
    digest = hashlib.sha256(data).hexdigest().upper()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _der_blocks(text):
    """The DER bytes of each PEM certificate block in ``text``, or None when the text is not just that."""
    blocks = PEM_BLOCK.findall(text)
    if not blocks or PEM_BLOCK.sub('', text).strip():
        return None
    ders = []
    for body in blocks:
        try:
            ders.append(base64.b64decode(''.join(body.split()).encode('ascii'), validate=True))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return None
    return ders


def describe_certificates(text):
    """``text`` (a CA certificate setting's value) as it may be shown: each certificate by subject and
    SHA-256 fingerprint, ``; ``-separated; text that is not PEM certificates by its length and the
    SHA-256 of the text. Empty text stays empty; non-text values are returned unchanged."""
    if not isinstance(text, str) or text.strip() == '':
        return text
    ders = _der_blocks(text)
    shown = []
    for der in ders or ():
        try:
            name = subject(der)
        except (DerError, IndexError, UnicodeDecodeError):
            ders = None
            break
        shown.append('CA certificate %s, SHA-256 %s' % (name or '(empty subject)', fingerprint(der)))
    if not ders:
        return 'unreadable CA certificate text (%d characters, SHA-256 of the text %s)' % (
            len(text), fingerprint(text.encode('utf-8')))
    return '; '.join(shown)


def certificate_problem(text):
    """None when ``text`` is one or more PEM certificates and nothing else, each one OpenSSL (the standard
    library's ``ssl``) loads as a trust anchor; else the problem, which never quotes the text (it may hold a
    private key pasted by mistake: only that a key block was found is said)."""
    labels = [match.group(1) for match in _ANY_BLOCK.finditer(text)]
    keys = [label for label in labels if _KEY_LABEL.search(label)]
    if keys:
        return ('holds a private key (a "-----BEGIN %s-----" block), which must never be given here; only the CA '
                'certificate belongs in this field' % keys[0])
    blocks = PEM_BLOCK.findall(text)
    if not blocks:
        return 'no "-----BEGIN CERTIFICATE-----" block found'
    if _ANY_BLOCK.sub('', text).strip() or len(labels) != len(blocks):
        return 'text outside the certificate blocks'
    for number, body in enumerate(blocks, 1):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        try:
            context.load_verify_locations(
                cadata='-----BEGIN CERTIFICATE-----%s-----END CERTIFICATE-----\n' % body)
        except (ssl.SSLError, ValueError):
            return 'certificate %d cannot be read: it is truncated or corrupt' % number
    return None
