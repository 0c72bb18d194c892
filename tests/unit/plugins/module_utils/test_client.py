"""RocketChatClient: every HTTP exchange pinned with `responses`."""
import hashlib
import json

import pytest
import requests
import responses
import urllib3

from ansible_collections.chatops.rocketchat.plugins.module_utils._client import (
    RocketChatClient, api_path, parse_version, sha256_hex,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._totp import totp

from tests.unit.plugins.module_utils.rc_http import PASSWORD, TOKEN, URL, USER_ID, method_reply, sent_frame

TOTP_SECRET = 'JBSWY3DPEHPK3PXP'
TOTP_REQUIRED = {'success': False, 'error': 'TOTP Required [totp-required]', 'errorType': 'totp-required',
                 'details': {'method': 'password', 'availableMethods': []}}


def totp_required(method):
    return dict(TOTP_REQUIRED, details={'method': method, 'availableMethods': [method] if method != 'password' else []})


def test_pat_headers_and_get_with_params(http, make_client):
    http.get(URL + '/api/v1/settings', json={'settings': [], 'success': True},
             match=[responses.matchers.query_param_matcher({'count': '0'}),
                    responses.matchers.header_matcher({'X-User-Id': USER_ID, 'X-Auth-Token': TOKEN})])
    assert make_client().get('settings', {'count': 0}) == {'settings': [], 'success': True}


def test_login_then_logout_on_close(http, make_client):
    http.post(URL + '/api/v1/login', json={'status': 'success', 'data': {'userId': 'u1', 'authToken': 'login-tok'}},
              match=[responses.matchers.json_params_matcher({'user': 'admin', 'password': PASSWORD})])
    http.get(URL + '/api/v1/me', json={'_id': 'u1', 'success': True},
             match=[responses.matchers.header_matcher({'X-User-Id': 'u1', 'X-Auth-Token': 'login-tok'})])
    http.post(URL + '/api/v1/logout', json={'status': 'success', 'data': {'message': "You've been logged out!"}},
              match=[responses.matchers.header_matcher({'X-Auth-Token': 'login-tok'})])
    client = make_client(user_id=None, token=None, username='admin', password=PASSWORD)
    assert client.get('me')['_id'] == 'u1'
    client.close()
    assert [c.request.url.rsplit('/', 1)[-1] for c in http.calls] == ['login', 'me', 'logout']


def test_detach_login_hands_the_token_over_and_close_does_not_log_it_out(http, make_client):
    http.post(URL + '/api/v1/login', json={'status': 'success', 'data': {'userId': 'u1', 'authToken': 'login-tok'}})
    client = make_client(user_id=None, token=None, username='admin', password=PASSWORD)
    assert client.detach_login() == ('u1', 'login-tok')
    assert client.detach_login() == ('u1', 'login-tok')  # already logged in: no second login
    client.close()
    assert [c.request.url.rsplit('/', 1)[-1] for c in http.calls] == ['login']


def test_detach_login_with_a_token_returns_it_without_a_request(http, make_client):
    client = make_client()
    assert client.detach_login() == (USER_ID, TOKEN)
    client.close()
    assert len(http.calls) == 0


def test_failed_login_names_no_secret(http, make_client):
    http.post(URL + '/api/v1/login', status=401,
              json={'success': False, 'status': 'error', 'error': 'Unauthorized', 'message': 'Unauthorized'})
    client = make_client(user_id=None, token=None, username='admin', password=PASSWORD)
    with pytest.raises(RocketChatError) as err:
        client.get('me')
    assert err.value.status == 401 and 'Unauthorized' in str(err.value)
    assert PASSWORD not in str(err.value) and PASSWORD not in repr(err.value.to_result())
    client.close()  # never logged in: no logout request


def test_login_with_totp_seed_when_the_account_has_totp(http, make_client, recorder):
    http.post(URL + '/api/v1/login', status=401, json={'success': False, 'status': 'error', 'error': 'totp-required',
                                                       'message': 'TOTP Required', 'details': {'method': 'totp'}})
    code = totp(TOTP_SECRET, recorder.now)
    http.post(URL + '/api/v1/login', json={'status': 'success', 'data': {'userId': 'u1', 'authToken': 't'}},
              match=[responses.matchers.json_params_matcher({'user': 'admin', 'password': PASSWORD, 'code': code})])
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client(user_id=None, token=None, username='admin', password=PASSWORD, totp_secret=TOTP_SECRET).get('me')


def test_password_fallback_challenge_is_answered_with_the_sha256_of_the_password(http, make_client):
    http.post(URL + '/api/v1/login', json={'status': 'success', 'data': {'userId': 'u1', 'authToken': 't'}})
    http.post(URL + '/api/v1/settings', status=400, json=TOTP_REQUIRED,
              match=[responses.matchers.json_params_matcher({'settings': [{'_id': 'LDAP_Port', 'value': 636}]})])
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()
    http.post(URL + '/api/v1/settings', json={'success': True},
              match=[responses.matchers.header_matcher({'x-2fa-method': 'password', 'x-2fa-code': digest})])
    client = make_client(user_id=None, token=None, username='admin', password=PASSWORD)
    assert client.post('settings', {'settings': [{'_id': 'LDAP_Port', 'value': 636}]}) == {'success': True}
    assert sha256_hex(PASSWORD) == digest


def test_a_password_next_to_a_token_only_answers_the_password_factor(http, make_client):
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()
    http.post(URL + '/api/v1/settings', status=400, json=TOTP_REQUIRED,
              match=[responses.matchers.header_matcher({'X-User-Id': USER_ID, 'X-Auth-Token': TOKEN})])
    http.post(URL + '/api/v1/settings', json={'success': True},
              match=[responses.matchers.header_matcher({'X-Auth-Token': TOKEN, 'x-2fa-method': 'password',
                                                        'x-2fa-code': digest})])
    client = make_client(password=PASSWORD)
    assert client.post('settings', {'settings': []}) == {'success': True}
    client.close()  # the token was given, not a login: no logout
    assert [c.request.url.rsplit('/', 1)[-1] for c in http.calls] == ['settings', 'settings']


def test_totp_challenge_is_answered_from_the_seed(http, make_client, recorder):
    http.post(URL + '/api/v1/settings', status=400, json=totp_required('totp'))
    http.post(URL + '/api/v1/settings', json={'success': True}, match=[responses.matchers.header_matcher(
        {'x-2fa-method': 'totp', 'x-2fa-code': totp(TOTP_SECRET, recorder.now)})])
    make_client(totp_secret=TOTP_SECRET).post('settings', {'settings': []})


def test_totp_challenge_is_answered_with_a_one_time_code(http, make_client):
    http.post(URL + '/api/v1/settings', status=400, json=totp_required('totp'))
    http.post(URL + '/api/v1/settings', json={'success': True},
              match=[responses.matchers.header_matcher({'x-2fa-method': 'totp', 'x-2fa-code': '123456'})])
    make_client(totp_code='123456').post('settings', {'settings': []})


@pytest.mark.parametrize('method, advice', [
    ('email', 'e-mailed'),
    ('totp', 'api_totp_secret'),
    ('password', "a token alone cannot answer. Give the account's api_password alongside api_user_id/api_token"),
])
def test_unanswerable_challenge_explains_and_advises_a_bypass_token(http, make_client, method, advice):
    http.post(URL + '/api/v1/settings', status=400, json=totp_required(method))
    with pytest.raises(RocketChatError) as err:
        make_client().post('settings', {'settings': []})
    assert err.value.error_type == 'totp-required'
    assert advice in str(err.value) and 'bypassTwoFactor' in str(err.value)
    assert len(http.calls) == 1


def test_refused_second_factor_is_reported_without_the_code(http, make_client):
    http.post(URL + '/api/v1/settings', status=400, json=totp_required('totp'))
    http.post(URL + '/api/v1/settings', status=400, json={
        'success': False, 'error': 'TOTP Invalid [totp-invalid]', 'errorType': 'totp-invalid',
        'details': {'method': 'totp', 'availableMethods': ['totp']}})
    with pytest.raises(RocketChatError) as err:
        make_client(totp_code='654321').post('settings', {'settings': []})
    assert err.value.error_type == 'totp-invalid'
    assert '654321' not in str(err.value) and '654321' not in json.dumps(err.value.to_result())


def test_method_call_frame_result_and_two_factor_as_last_param(http, make_client):
    path = URL + '/api/v1/method.call/saveSettings'
    error = {'isClientSafe': True, 'error': 'totp-required', 'reason': 'TOTP Required',
             'details': {'method': 'password'}, 'message': 'TOTP Required [totp-required]', 'errorType': 'Meteor.Error'}
    http.post(path, status=200, json=method_reply(error=error))  # 7.x answers method errors with 200
    http.post(path, json=method_reply(result=True))
    client = make_client(password=PASSWORD)
    items = [{'_id': 'LDAP_Host', 'value': 'ldap'}]
    assert client.method_call('saveSettings', [items]) is True
    first, second = sent_frame(http.calls[0]), sent_frame(http.calls[1])
    assert first == {'msg': 'method', 'id': '1', 'method': 'saveSettings', 'params': [items]}
    assert second['params'] == [items, {'twoFactorCode': sha256_hex(PASSWORD), 'twoFactorMethod': 'password'}]


def test_method_call_error_in_a_400_reply_raises_with_its_code(http, make_client):
    error = {'isClientSafe': True, 'error': 'error-action-not-allowed', 'reason': 'Editing settings is not allowed',
             'message': 'Editing settings is not allowed [error-action-not-allowed]', 'errorType': 'Meteor.Error'}
    http.post(URL + '/api/v1/method.call/saveSettings', status=400, json=dict(method_reply(error=error)))
    with pytest.raises(RocketChatError) as err:
        make_client().method_call('saveSettings', [[]])
    assert err.value.error_type == 'error-action-not-allowed' and err.value.status == 400


def test_method_name_slash_becomes_colon_in_the_path(http, make_client):
    http.post(URL + '/api/v1/method.call/private-settings:get', json=method_reply(result=[{'_id': 'LDAP_Host'}]))
    assert make_client(check_mode=True).method_call('private-settings/get', [], read_only=True) == [
        {'_id': 'LDAP_Host'}]
    assert sent_frame(http.calls[0])['method'] == 'private-settings/get'


def test_rate_limit_waits_until_the_reset_header(http, make_client, recorder):
    reset_ms = int((recorder.now + 2.5) * 1000)
    http.get(URL + '/api/v1/me', status=429, headers={'X-RateLimit-Reset': str(reset_ms)},
             json={'success': False, 'error': 'Error, too many requests. [error-too-many-requests]'})
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client().get('me')
    assert recorder.sleeps == [pytest.approx(2.6)]
    assert len(recorder.warnings) == 1 and 'rate limited' in recorder.warnings[0]


def test_rate_limit_without_header_reads_the_seconds_from_the_text(http, make_client, recorder):
    http.get(URL + '/api/v1/me', status=429, json={'success': False, 'error': 'Error, too many requests. Please slow '
                                                   'down. You must wait 7 seconds before trying this endpoint again. '
                                                   '[error-too-many-requests]'})
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client().get('me')
    assert recorder.sleeps == [pytest.approx(7.1)]


def test_transient_statuses_and_connection_errors_are_retried_with_backoff(http, make_client, recorder):
    http.get(URL + '/api/v1/me', status=503, body='Service Unavailable')
    http.get(URL + '/api/v1/me', body=requests.ConnectionError('refused'))
    http.get(URL + '/api/v1/me', status=504, body='Gateway Timeout')
    http.get(URL + '/api/v1/me', json={'success': True})
    assert make_client().get('me') == {'success': True}
    assert recorder.sleeps == [1.0, 2.0, 4.0]
    assert len(recorder.warnings) == 3


def refused():
    """What requests raises when nothing listens: the request never left."""
    reason = urllib3.exceptions.NewConnectionError(None, 'Failed to establish a new connection: [Errno 111] refused')
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, '/api/v1/ldap.syncNow', reason))


@pytest.mark.parametrize('failure', [requests.ReadTimeout('read timed out'),
                                     requests.ConnectionError(urllib3.exceptions.ProtocolError('Connection aborted.'))],
                         ids=['read-timeout', 'connection-broke'])
def test_a_write_that_went_out_unanswered_is_not_sent_again(http, make_client, recorder, failure):
    http.post(URL + '/api/v1/ldap.syncNow', body=failure)
    with pytest.raises(RocketChatError) as err:
        make_client().post('ldap.syncNow')
    assert err.value.error_type == 'no-reply' and 'may still be processing it' in str(err.value)
    assert len(http.calls) == 1 and recorder.sleeps == []


def test_a_gateway_timeout_on_a_write_is_not_sent_again(http, make_client, recorder):
    http.post(URL + '/api/v1/settings', status=504, body='Gateway Timeout')
    with pytest.raises(RocketChatError) as err:
        make_client().post('settings', {'settings': []})
    assert err.value.status == 504 and 'may still be processing it' in str(err.value)
    assert len(http.calls) == 1


@pytest.mark.parametrize('failure', [requests.ConnectTimeout('connect timed out'), refused()],
                         ids=['connect-timeout', 'refused'])
def test_a_write_that_never_left_is_retried(http, make_client, recorder, failure):
    http.post(URL + '/api/v1/ldap.syncNow', body=failure)
    http.post(URL + '/api/v1/ldap.syncNow', json={'message': 'Sync_in_progress', 'success': True})
    assert make_client().post('ldap.syncNow')['success'] is True
    assert recorder.sleeps == [1.0]


def test_a_read_is_retried_after_a_read_timeout(http, make_client, recorder):
    http.get(URL + '/api/v1/me', body=requests.ReadTimeout('read timed out'))
    http.get(URL + '/api/v1/me', json={'success': True})
    assert make_client().get('me') == {'success': True} and recorder.sleeps == [1.0]


def test_a_per_call_timeout_replaces_the_client_timeout(http, make_client):
    http.post(URL + '/api/v1/ldap.syncNow', json={'success': True})
    http.get(URL + '/api/v1/me', json={'success': True})
    client = make_client(timeout=30)
    client.post('ldap.syncNow', timeout=600)
    client.get('me')
    assert [c.request.req_kwargs['timeout'] for c in http.calls] == [600, 30]


def test_a_tls_error_fails_at_once_with_its_cause_and_a_hint(http, make_client, recorder):
    http.get(URL + '/api/v1/me', body=requests.exceptions.SSLError(
        'certificate verify failed: self-signed certificate in chain (token %s)' % TOKEN))
    with pytest.raises(RocketChatError) as err:
        make_client().get('me')
    text = str(err.value)
    assert err.value.error_type == 'tls-error' and 'self-signed certificate' in text
    assert 'ca_path' in text and 'validate_certs' in text and TOKEN not in text
    assert len(http.calls) == 1 and recorder.sleeps == []


@pytest.mark.parametrize('url, kind', [('chat.example.org', 'MissingSchema'), ('https://', 'InvalidURL'),
                                       ('ftp://chat.example.org', 'InvalidSchema')])
def test_an_unusable_api_url_is_named(recorder, url, kind):
    client = RocketChatClient(url, user_id=USER_ID, token=TOKEN, warn=recorder.warn, sleep=recorder.sleep)
    with pytest.raises(RocketChatError) as err:
        client.get('me')
    assert err.value.error_type == 'invalid-url' and 'api_url' in str(err.value) and kind in str(err.value)
    assert recorder.sleeps == []


@pytest.mark.parametrize('options, verify', [
    ({}, '/etc/ssl/environment-bundle.pem'),  # True: the environment's CA bundle is the system's choice
    ({'ca_path': 'CA'}, 'CA'),
    ({'validate_certs': False}, False),
    ({'validate_certs': False, 'ca_path': '/nonexistent/ca.pem'}, False),
])
def test_validate_certs_and_ca_path_win_over_the_environment(http, make_client, monkeypatch, tmp_path, options,
                                                              verify):
    # requests lets REQUESTS_CA_BUNDLE replace a session's verify: the client passes it with each request
    ca_file = tmp_path / 'ca.pem'
    ca_file.write_text('not read here', encoding='utf-8')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/environment-bundle.pem')
    monkeypatch.setenv('CURL_CA_BUNDLE', '/etc/ssl/environment-bundle.pem')
    if options.get('ca_path') == 'CA':
        options = dict(options, ca_path=str(ca_file))
        verify = str(ca_file)
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client(**options).get('me')
    assert http.calls[0].request.req_kwargs['verify'] == verify


def test_a_missing_ca_path_is_an_error_naming_it(make_client, tmp_path):
    missing = str(tmp_path / 'no-such-ca.pem')
    with pytest.raises(RocketChatError) as err:
        make_client(ca_path=missing)
    assert 'ca_path %s does not exist' % missing in str(err.value)


def test_rate_limit_reset_exactly_at_the_bound_is_still_waited_for(http, make_client, recorder):
    reset_ms = int((recorder.now + 60) * 1000)
    http.get(URL + '/api/v1/me', status=429, headers={'X-RateLimit-Reset': str(reset_ms)}, json={'success': False})
    http.get(URL + '/api/v1/me', json={'success': True})
    make_client(max_retry_wait=60).get('me')
    assert recorder.sleeps == [pytest.approx(60.1)]


def test_a_rate_limit_that_never_resets_ends_at_the_bound(http, make_client, recorder):
    http.get(URL + '/api/v1/me', status=429, headers={'X-RateLimit-Reset': '0'}, json={'success': False})
    with pytest.raises(RocketChatError) as err:
        make_client(max_retry_wait=1).get('me')
    assert err.value.error_type == 'too-many-requests' and sum(recorder.sleeps) <= 1.1


def test_retries_stop_at_the_total_wait_bound(http, make_client, recorder):
    for _ in range(3):
        http.get(URL + '/api/v1/me', status=502, body='Bad Gateway')
    with pytest.raises(RocketChatError) as err:
        make_client(max_retry_wait=3).get('me')
    assert err.value.status == 502 and 'max_retry_wait=3' in str(err.value)
    assert recorder.sleeps == [1.0, 2.0]


def test_zero_max_retry_wait_means_no_retry(http, make_client, recorder):
    http.get(URL + '/api/v1/me', status=429, headers={'X-RateLimit-Reset': '0'}, json={'success': False})
    with pytest.raises(RocketChatError) as err:
        make_client(max_retry_wait=0).get('me')
    assert err.value.error_type == 'too-many-requests' and recorder.sleeps == []


def test_check_mode_refuses_writes_before_sending(http, make_client):
    client = make_client(check_mode=True)
    with pytest.raises(RocketChatError) as err:
        client.post('settings', {'settings': []})
    assert err.value.error_type == 'check-mode-write-refused'
    with pytest.raises(RocketChatError):
        client.method_call('saveSettings', [[]])
    assert len(http.calls) == 0


def test_check_mode_allows_declared_read_only_posts(http, make_client):
    http.post(URL + '/api/v1/ldap.testConnection', json={'message': 'LDAP_Connection_successful', 'success': True})
    assert make_client(check_mode=True).post('ldap.testConnection', read_only=True)['success'] is True


def test_check_mode_still_logs_in_and_out(http, make_client):
    http.post(URL + '/api/v1/login', json={'status': 'success', 'data': {'userId': 'u1', 'authToken': 't'}})
    http.get(URL + '/api/v1/me', json={'success': True})
    http.post(URL + '/api/v1/logout', json={'status': 'success'})
    client = make_client(user_id=None, token=None, username='admin', password=PASSWORD, check_mode=True)
    client.get('me')
    client.close()


@pytest.mark.parametrize('status, body', [(404, 'Not Found'), (200, '<html>login page</html>')])
def test_missing_route_or_non_json_reply_is_endpoint_not_available(http, make_client, status, body):
    http.get(URL + '/api/v1/stdout.queue', status=status, body=body)
    with pytest.raises(RocketChatError) as err:
        make_client().get('stdout.queue')
    assert err.value.error_type == 'endpoint-not-available'


def test_error_reply_fields_are_carried(http, make_client):
    http.post(URL + '/api/v1/settings', status=400, json={
        'success': False, 'error': 'Editing settings is not allowed [error-action-not-allowed]',
        'errorType': 'error-action-not-allowed', 'details': {'method': 'saveSettings', 'settingIds': ['LDAP_Host']}})
    with pytest.raises(RocketChatError) as err:
        make_client().post('settings', {'settings': [{'_id': 'LDAP_Host', 'value': 'x'}]})
    exc = err.value
    assert (exc.method, exc.path, exc.status, exc.error_type) == ('POST', '/api/v1/settings', 400,
                                                                  'error-action-not-allowed')
    assert exc.details['settingIds'] == ['LDAP_Host']
    assert str(exc) == 'POST /api/v1/settings (HTTP 400): Editing settings is not allowed [error-action-not-allowed]'


def test_a_registered_secret_echoed_by_the_server_is_redacted(http, make_client):
    http.post(URL + '/api/v1/settings', status=400, json={'success': False, 'error': 'Invalid value s3cr3t-bind'})
    client = make_client()
    client.add_secret('s3cr3t-bind')
    with pytest.raises(RocketChatError) as err:
        client.post('settings', {'settings': [{'_id': 'LDAP_Authentication_Password', 'value': 's3cr3t-bind'}]})
    assert 's3cr3t-bind' not in str(err.value) and '********' in str(err.value)


@pytest.mark.parametrize('reply, version', [
    ({'version': '8.8.1', 'info': {'version': '8.8.1'}, 'success': True}, (8, 8, 1)),
    ({'version': '8.8', 'success': True}, (8, 8, 0)),
    ({'version': '7.10.3', 'success': True}, (7, 10, 3)),
])
def test_server_version_from_api_info_is_fetched_once(http, make_client, reply, version):
    http.get(URL + '/api/info', json=reply)
    client = make_client()
    assert client.server_version == version
    assert client.server_version == version
    assert len(http.calls) == 1


def test_licensed_modules(http, make_client):
    http.get(URL + '/api/v1/licenses.info', json={'license': {'activeModules': ['ldap-enterprise', 'auditing'],
                                                              'hasValidLicense': True}, 'success': True})
    client = make_client()
    assert client.licensed_modules() == {'ldap-enterprise', 'auditing'}
    assert client.licensed_modules() == {'ldap-enterprise', 'auditing'}  # cached
    assert len(http.calls) == 1


def test_helpers():
    assert api_path('settings') == '/api/v1/settings' and api_path('/api/info') == '/api/info'
    assert parse_version('garbage') is None
