"""RocketChatClient transport faults: which failures are sent again, which fail at once, and what they say."""
import ssl

import pytest
import requests
import responses
import urllib3

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import RocketChatError

from tests.unit.plugins.module_utils.rc_http import PASSWORD, TOKEN, URL, method_reply


def tls_failure(cause):
    """A requests SSLError as raised for a handshake failure: urllib3's SSLError inside MaxRetryError."""
    return requests.exceptions.SSLError(
        urllib3.exceptions.MaxRetryError(None, '/api/v1/settings', urllib3.exceptions.SSLError(cause)))


def cert_verify_failed():
    error = ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: '
                                            'self-signed certificate in certificate chain (_ssl.c:1000)')
    error.verify_message = 'self-signed certificate in certificate chain'
    return tls_failure(error)


def host_name_mismatch():
    return tls_failure(ssl.SSLCertVerificationError(1, "Hostname mismatch, certificate is not valid for "
                                                       "'chat.example.org'. (_ssl.c:1000)"))


def urllib3_host_name_mismatch():
    return tls_failure(urllib3.util.ssl_match_hostname.CertificateError(
        "hostname 'chat.example.org' doesn't match 'other.example.org'"))


@pytest.mark.parametrize('failure', [cert_verify_failed(), host_name_mismatch(), urllib3_host_name_mismatch()],
                         ids=['untrusted', 'host-name', 'urllib3-host-name'])
def test_a_rejected_certificate_fails_at_once_with_the_ca_path_hint(http, make_client, recorder, failure):
    http.post(URL + '/api/v1/settings', body=failure)
    with pytest.raises(RocketChatError) as err:
        make_client().post('settings', {'settings': []})
    assert err.value.error_type == 'tls-error' and 'ca_path' in str(err.value)
    assert len(http.calls) == 1 and recorder.sleeps == []


@pytest.mark.parametrize('failure', [
    tls_failure(ssl.SSLEOFError(8, '[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol')),
    tls_failure(ConnectionResetError(104, 'Connection reset by peer')),
], ids=['eof-in-handshake', 'reset-in-handshake'])
def test_a_failed_handshake_is_retried_even_for_a_write(http, make_client, recorder, failure):
    http.post(URL + '/api/v1/ldap.syncNow', body=failure)
    http.post(URL + '/api/v1/ldap.syncNow', json={'message': 'Sync_in_progress', 'success': True})
    assert make_client().post('ldap.syncNow')['success'] is True
    assert recorder.sleeps == [1.0] and 'TLS handshake failed' in recorder.warnings[0]


def test_a_handshake_that_keeps_failing_ends_at_the_bound_without_a_secret(http, make_client, recorder):
    for _ in range(2):
        http.get(URL + '/api/v1/me', body=tls_failure(ssl.SSLEOFError(8, 'EOF in violation of protocol ' + TOKEN)))
    with pytest.raises(RocketChatError) as err:
        make_client(max_retry_wait=1).get('me')
    assert err.value.error_type == 'unavailable' and 'TLS handshake failed' in str(err.value)
    assert TOKEN not in str(err.value) and not any(TOKEN in warning for warning in recorder.warnings)


CUT_OFF_REPLIES = [requests.exceptions.ChunkedEncodingError('Connection broken: InvalidChunkLength'),
                   requests.exceptions.ContentDecodingError('Received response with content-encoding: gzip')]


@pytest.mark.parametrize('failure', CUT_OFF_REPLIES, ids=['chunked', 'decoding'])
def test_a_cut_off_reply_to_a_read_is_retried(http, make_client, recorder, failure):
    http.get(URL + '/api/v1/me', body=failure)
    http.get(URL + '/api/v1/me', json={'success': True})
    assert make_client().get('me') == {'success': True} and recorder.sleeps == [1.0]


@pytest.mark.parametrize('failure', CUT_OFF_REPLIES, ids=['chunked', 'decoding'])
def test_a_cut_off_reply_to_a_write_is_not_sent_again(http, make_client, recorder, failure):
    http.post(URL + '/api/v1/ldap.syncNow', body=failure)
    with pytest.raises(RocketChatError) as err:
        make_client().post('ldap.syncNow')
    assert err.value.error_type == 'no-reply' and 'may still be processing it' in str(err.value)
    assert type(failure).__name__ in str(err.value) and len(http.calls) == 1 and recorder.sleeps == []


@pytest.mark.parametrize('failure', [requests.TooManyRedirects('Exceeded 30 redirects (%s)' % TOKEN),
                                     requests.exceptions.RetryError('too many 500 error responses (%s)' % TOKEN)],
                         ids=['redirects', 'retry'])
def test_other_request_failures_name_their_type_not_the_url(http, make_client, recorder, failure):
    http.get(URL + '/api/v1/me', body=failure)
    with pytest.raises(RocketChatError) as err:
        make_client().get('me')
    text = str(err.value)
    assert err.value.error_type == 'request-failed' and type(failure).__name__ in text
    assert 'api_url' not in text and TOKEN not in text and recorder.sleeps == []


def test_an_unusable_header_is_invalid_url_and_hides_the_escaped_token(http, make_client):
    bad_token = 'pat-token\nwith-a-line-break'
    with pytest.raises(RocketChatError) as err:
        make_client(token=bad_token).get('me')
    text = str(err.value)
    assert err.value.error_type == 'invalid-url' and 'InvalidHeader' in text
    assert 'with-a-line-break' not in text and len(http.calls) == 0


def test_a_gateway_timeout_on_a_write_blames_the_proxy_read_timeout(http, make_client):
    http.post(URL + '/api/v1/settings', status=504, body='Gateway Timeout')
    with pytest.raises(RocketChatError) as err:
        make_client().post('settings', {'settings': []})
    text = str(err.value)
    assert err.value.status == 504 and 'may still be processing it' in text
    assert 'read timeout of the proxy in front of Rocket.Chat' in text and 'a longer timeout may help' not in text


def test_a_read_timeout_on_a_write_advises_a_longer_timeout(http, make_client):
    http.post(URL + '/api/v1/ldap.syncNow', body=requests.ReadTimeout('read timed out'))
    with pytest.raises(RocketChatError) as err:
        make_client(timeout=7).post('ldap.syncNow')
    assert 'no reply within 7 s' in str(err.value) and 'a longer timeout may help' in str(err.value)


def test_a_read_only_post_is_retried_after_a_read_timeout(http, make_client, recorder):
    http.post(URL + '/api/v1/ldap.testConnection', body=requests.ReadTimeout('read timed out'))
    http.post(URL + '/api/v1/ldap.testConnection', status=504, body='Gateway Timeout')
    http.post(URL + '/api/v1/ldap.testConnection', json={'message': 'LDAP_Connection_successful', 'success': True})
    assert make_client().post('ldap.testConnection', read_only=True)['success'] is True
    assert recorder.sleeps == [1.0, 2.0]


def test_a_read_only_method_call_is_retried_after_a_read_timeout(http, make_client, recorder):
    http.post(URL + '/api/v1/method.call/private-settings:get', body=requests.ReadTimeout('read timed out'))
    http.post(URL + '/api/v1/method.call/private-settings:get', json=method_reply(result=[]))
    assert make_client().method_call('private-settings/get', [], read_only=True) == []
    assert recorder.sleeps == [1.0]


def test_a_login_is_retried_after_a_read_timeout(http, make_client, recorder):
    http.post(URL + '/api/v1/login', body=requests.ReadTimeout('read timed out'))
    http.post(URL + '/api/v1/login', json={'status': 'success', 'data': {'userId': 'u1', 'authToken': 'login-tok'}})
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client(user_id=None, token=None, username='admin', password=PASSWORD).get('me')
    assert recorder.sleeps == [1.0]


def test_a_logout_is_sent_once_after_a_read_timeout_and_close_only_warns(http, make_client, recorder):
    http.post(URL + '/api/v1/login', json={'status': 'success', 'data': {'userId': 'u1', 'authToken': 'login-tok'}})
    http.get(URL + '/api/v1/me', json={'success': True})
    http.post(URL + '/api/v1/logout', body=requests.ReadTimeout('read timed out'))
    client = make_client(user_id=None, token=None, username='admin', password=PASSWORD)
    client.get('me')
    client.close()
    assert [c.request.url.rsplit('/', 1)[-1] for c in http.calls] == ['login', 'me', 'logout']
    assert recorder.sleeps == [] and recorder.warnings[-1].startswith('Logout failed')
    assert 'login-tok' not in recorder.warnings[-1]


def test_an_explicit_logout_after_a_read_timeout_is_not_sent_again(http, make_client, recorder):
    http.post(URL + '/api/v1/logout', body=requests.ReadTimeout('read timed out'))
    with pytest.raises(RocketChatError) as err:
        make_client().post('logout', read_only=True)
    assert err.value.error_type == 'no-reply' and len(http.calls) == 1 and recorder.sleeps == []


def test_a_write_is_still_not_sent_again_after_a_read_timeout(http, make_client, recorder):
    http.post(URL + '/api/v1/settings', body=requests.ReadTimeout('read timed out'),
              match=[responses.matchers.json_params_matcher({'settings': []})])
    with pytest.raises(RocketChatError) as err:
        make_client().post('settings', {'settings': []})
    assert err.value.error_type == 'no-reply' and len(http.calls) == 1
