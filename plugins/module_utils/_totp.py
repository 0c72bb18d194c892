# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30 s, 6 digits) with the standard library only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import struct
import time

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6


def decode_totp_secret(secret):
    """Decode a base32 TOTP seed as authenticator apps show it (spaces, dashes, lower case allowed).

    Raises ValueError (without echoing the seed) when it is not valid base32.
    """
    cleaned = ''.join(secret.split()).replace('-', '').upper().rstrip('=')
    if not cleaned:
        raise ValueError('the TOTP secret is empty')
    cleaned += '=' * (-len(cleaned) % 8)
    try:
        return base64.b32decode(cleaned)
    except (TypeError, ValueError):
        raise ValueError('the TOTP secret is not valid base32 (the seed shown when 2FA was set up)')


def hotp(key, counter, digits=TOTP_DIGITS):
    """RFC 4226 HOTP value of `counter` for the raw `key` bytes, zero-padded to `digits`."""
    digest = hmac.new(key, struct.pack('>Q', counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % (10 ** digits)).zfill(digits)


def totp(secret, at=None, step=TOTP_STEP_SECONDS, digits=TOTP_DIGITS):
    """The TOTP code of the base32 `secret` at Unix time `at` (now when None)."""
    now = time.time() if at is None else at
    return hotp(decode_totp_secret(secret), int(now // step), digits)
