"""RFC 6238 / RFC 4226 test vectors for the TOTP helper."""
import base64

import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils._totp import decode_totp_secret, hotp, totp

RFC_KEY = b'12345678901234567890'
RFC_SECRET = base64.b32encode(RFC_KEY).decode()


@pytest.mark.parametrize('counter, code', [(0, '755224'), (1, '287082'), (9, '520489')])
def test_hotp_rfc4226_vectors(counter, code):
    assert hotp(RFC_KEY, counter) == code


@pytest.mark.parametrize('at, code', [(59, '94287082'), (1111111109, '07081804'), (2000000000, '69279037')])
def test_totp_rfc6238_sha1_vectors(at, code):
    assert totp(RFC_SECRET, at=at, digits=8) == code


def test_secret_as_apps_show_it_is_accepted():
    spaced = ' '.join(RFC_SECRET[i:i + 4] for i in range(0, len(RFC_SECRET), 4)).lower()
    assert decode_totp_secret(spaced) == RFC_KEY


def test_invalid_secret_is_refused_without_echoing_it():
    with pytest.raises(ValueError) as err:
        decode_totp_secret('not-base32-!!!!')
    assert 'base32' in str(err.value) and '!!!!' not in str(err.value)
