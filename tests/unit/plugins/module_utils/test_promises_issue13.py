"""Issue 13's holes in the client, the certificate check and the run loop, pinned without a network:
Retry-After from a proxy, failures that name the option at fault, CA text OpenSSL cannot load, and
secrets pasted where no option is no_log."""
import email.utils

import pytest
import requests

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import pasted_secrets
from ansible_collections.chatops.rocketchat.plugins.module_utils._certificates import certificate_problem
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import RocketChatError

from tests.unit.plugins.module_utils.certs_for_tests import make_ca, pem
from tests.unit.plugins.module_utils.rc_http import PASSWORD, TOKEN, URL

KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n'


# ----------------------------------------------------------------- Retry-After (a proxy's 429 and 503)

def test_a_proxys_429_is_retried_after_its_retry_after_seconds(http, make_client, recorder):
    http.get(URL + '/api/v1/me', status=429, headers={'Retry-After': '4'}, body='<html>Too Many Requests</html>')
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client().get('me')
    assert recorder.sleeps == [pytest.approx(4.1)]


def test_a_retry_after_date_is_waited_for_until_that_time(http, make_client, recorder):
    when = email.utils.formatdate(recorder.now + 9, usegmt=True)
    http.get(URL + '/api/v1/me', status=503, headers={'Retry-After': when}, body='maintenance')
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client().get('me')
    assert recorder.sleeps == [pytest.approx(9, abs=1)]


def test_a_retry_after_beyond_the_bound_fails_at_once_naming_max_retry_wait(http, make_client, recorder):
    http.get(URL + '/api/v1/me', status=429, headers={'Retry-After': '120'}, body='slow down')
    with pytest.raises(RocketChatError) as caught:
        make_client(max_retry_wait=60).get('me')
    assert recorder.sleeps == [] and 'max_retry_wait=60' in str(caught.value)
    assert caught.value.error_type == 'too-many-requests'


def test_rocket_chats_own_reset_header_wins_over_retry_after(http, make_client, recorder):
    reset_ms = int((recorder.now + 2) * 1000)
    http.get(URL + '/api/v1/me', status=429, headers={'X-RateLimit-Reset': str(reset_ms), 'Retry-After': '30'},
             json={'success': False})
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client().get('me')
    assert recorder.sleeps == [pytest.approx(2.1)]


# ----------------------------------------------------------------- failures name the option at fault

def test_a_refused_token_names_api_user_id_and_api_token(http, make_client):
    http.get(URL + '/api/v1/me', status=401, json={'status': 'error', 'message': 'You must be logged in to do this.'})
    with pytest.raises(RocketChatError) as caught:
        make_client().get('me')
    text = str(caught.value)
    assert 'api_user_id/api_token' in text and 'expired' in text and TOKEN not in text


def test_a_refused_login_names_api_username_and_api_password(http, make_client):
    http.post(URL + '/api/v1/login', status=401, json={'status': 'error', 'error': 'Unauthorized',
                                                        'message': 'Unauthorized'})
    with pytest.raises(RocketChatError) as caught:
        make_client(user_id=None, token=None, username='admin', password=PASSWORD).get('me')
    text = str(caught.value)
    assert 'api_username/api_password' in text and "'admin'" in text and PASSWORD not in text


def test_an_unreachable_workspace_names_api_url(http, make_client):
    http.get(URL + '/api/v1/me', body=requests.ConnectionError('refused'))
    with pytest.raises(RocketChatError) as caught:
        make_client(max_retry_wait=0).get('me')
    assert 'cannot connect to api_url %s' % URL in str(caught.value)


def test_no_reply_in_time_names_api_url_and_timeout(http, make_client):
    http.get(URL + '/api/v1/me', body=requests.ReadTimeout('read timed out'))
    with pytest.raises(RocketChatError) as caught:
        make_client(max_retry_wait=0, timeout=7).get('me')
    assert 'no reply from api_url %s within timeout=7 s' % URL in str(caught.value)


# ----------------------------------------------------------------- CA text, read by the standard library's ssl

CA = pem(make_ca())


@pytest.mark.parametrize('text', [CA, CA + CA, CA + '\n\n'], ids=['one', 'two', 'trailing-lines'])
def test_certificates_openssl_loads_pass(text):
    assert certificate_problem(text) is None


def test_a_truncated_certificate_is_refused():
    lines = CA.strip().splitlines()
    truncated = '\n'.join(lines[:-3] + lines[-1:])  # well-formed base64 and a DER header, but cut short
    assert certificate_problem(truncated) == 'certificate 1 cannot be read: it is truncated or corrupt'
    assert certificate_problem(CA + truncated) == 'certificate 2 cannot be read: it is truncated or corrupt'


@pytest.mark.parametrize('key', [KEY, KEY.replace('PRIVATE', 'RSA PRIVATE'), KEY.replace('PRIVATE', 'EC PRIVATE'),
                                 '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB'], ids=['pkcs8', 'rsa', 'ec', 'cut'])
def test_a_private_key_is_named_never_quoted(key):
    problem = certificate_problem(CA + key)
    assert 'private key' in problem and 'MIIB' not in problem


@pytest.mark.parametrize('text, problem', [
    ('', 'no "-----BEGIN CERTIFICATE-----" block found'),
    ('junk\n' + CA, 'text outside the certificate blocks'),
    (CA + '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----', 'text outside the '
                                                                                             'certificate blocks'),
])
def test_other_text_is_refused(text, problem):
    assert certificate_problem(text) == problem


# ----------------------------------------------------------------- secrets pasted where no option is no_log

def test_pasted_secrets_finds_keys_anywhere_and_passwords_in_a_raw_settings_map():
    arguments = {
        'connection': {'ca_cert': CA + KEY},
        'settings': {'LDAP_Authentication_Password': 'raw-map-secret', 'LDAP_Host': 'ldap.example.org',
                     'LDAP_CA_Cert': '-----BEGIN RSA PRIVATE KEY-----\nMIIBcut'},
        'users': [{'username': 'alice', 'note': KEY}],
    }
    assert pasted_secrets(arguments) == {KEY.strip(), 'raw-map-secret', '-----BEGIN RSA PRIVATE KEY-----\nMIIBcut'}


def test_pasted_secrets_leaves_ordinary_arguments_alone():
    assert pasted_secrets({'settings': {'LDAP_Host': 'h', 'LDAP_Authentication_Password': ''},
                           'connection': {'ca_cert': CA}, 'api_url': URL}) == set()
