"""The connection options through real ansible-playbook runs against the sandbox: environment fallbacks,
a password next to a login token for the password second factor, and TLS errors."""

import pytest
import requests

from tests.integration.helpers import run_playbook, stored_settings, writes

LDAP_SETTINGS = 'chatops.rocketchat.ldap_settings'
LDAP_SETTINGS_INFO = 'chatops.rocketchat.ldap_settings_info'
WRITE = {LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}}}


def login_token(sandbox):
    """A plain login token of the admin (no 2FA bypass), as the session module hands over."""
    reply = requests.post(sandbox.url + '/api/v1/login', timeout=30,
                          json={'user': sandbox.env['admin_username'], 'password': sandbox.env['admin_password']})
    assert reply.status_code == 200, reply.text
    data = reply.json()['data']
    return data['userId'], data['authToken']


def test_environment_fallbacks_with_a_token_and_with_a_login(sandbox_clean):
    sandbox = sandbox_clean
    env = sandbox.env
    by_token = {'ROCKETCHAT_URL': sandbox.url, 'ROCKETCHAT_USER_ID': env['admin_user_id'],
                'ROCKETCHAT_AUTH_TOKEN': env['admin_token']}
    by_login = {'ROCKETCHAT_URL': sandbox.url, 'ROCKETCHAT_USERNAME': env['admin_username'],
                'ROCKETCHAT_PASSWORD': env['admin_password']}
    sandbox.clear_requests()
    token_run = run_playbook([{LDAP_SETTINGS_INFO: {}}], extra_env=by_token)
    assert token_run.results[0].get('failed') is not True, token_run
    assert token_run.results[0]['server_version'] == sandbox.config()['version']
    assert not any(r['path'] in ('/api/v1/login', '/api/v1/logout') for r in sandbox.requests())

    sandbox.clear_requests()
    login_run = run_playbook([WRITE], extra_env=by_login)
    assert login_run.results[0]['changed'], login_run
    paths = [r['path'] for r in sandbox.requests()]
    assert paths[0] == '/api/v1/login' and paths[-1] == '/api/v1/logout'
    assert stored_settings(sandbox)['LDAP_Host'] == 'ldap.example.org'
    assert env['admin_password'] not in login_run.output and env['admin_token'] not in token_run.output


def test_a_password_next_to_a_login_token_answers_the_password_second_factor(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.config(two_factor='password')
    user_id, token = login_token(sandbox)
    token_only = dict(api_url=sandbox.url, api_user_id=user_id, api_token=token)
    refused = run_playbook([WRITE], module_defaults=token_only).results[0]
    assert refused['failed'] and 'a token alone cannot answer' in refused['msg'], refused
    assert "api_password alongside" in refused['msg'] and 'bypassTwoFactor' in refused['msg']
    assert writes(sandbox) == []

    sandbox.clear_requests()
    with_password = dict(token_only, api_password=sandbox.env['admin_password'])
    run = run_playbook([WRITE, WRITE], module_defaults=with_password)
    written, unchanged = run.results
    assert written['changed'] and not unchanged['changed'], run
    assert stored_settings(sandbox)['LDAP_Host'] == 'ldap.example.org'
    # The token authenticated: no login, and the caller's token was not logged out.
    assert not any(r['path'] in ('/api/v1/login', '/api/v1/logout') for r in sandbox.requests())
    assert sandbox.env['admin_password'] not in run.output and token not in run.output

    # The same from the environment: ROCKETCHAT_PASSWORD next to a token is no longer refused.
    env_run = run_playbook([{LDAP_SETTINGS: {'connection': {'host': 'ldap2.example.org'}}}], extra_env={
        'ROCKETCHAT_URL': sandbox.url, 'ROCKETCHAT_USER_ID': user_id, 'ROCKETCHAT_AUTH_TOKEN': token,
        'ROCKETCHAT_PASSWORD': sandbox.env['admin_password']})
    assert env_run.results[0]['changed'], env_run


def test_a_tls_error_fails_at_once_and_names_ca_path(sandbox_clean):
    sandbox = sandbox_clean
    # slapd's LDAPS port answers the TLS handshake with a certificate of the test CA, which the system CAs
    # do not trust: a certificate rejection (a plain-HTTP port would be a handshake failure, which is retried).
    https_url = 'https://localhost:%d' % sandbox.env['tls_port']
    conn = dict(api_url=https_url, api_user_id=sandbox.env['admin_user_id'], api_token=sandbox.env['admin_token'])
    run = run_playbook([{LDAP_SETTINGS_INFO: {}}], module_defaults=conn, timeout=60)
    result = run.results[0]
    assert result['failed'] and result['error_type'] == 'tls-error', result
    assert 'ca_path' in result['msg'] and 'SSL' in result['msg']
    assert 'retrying' not in run.output


@pytest.mark.parametrize('options', [{'ca_path': 'CA'}, {'validate_certs': False}])
def test_ca_path_and_validate_certs_win_over_the_ca_bundle_of_the_environment(sandbox_clean, options):
    # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (common on CI and corporate machines) must not replace the
    # module's own choice. slapd's LDAPS port has a certificate of the test CA: with ca_path (or no
    # checks) the handshake passes and only then does the exchange fail (slapd speaks no HTTP).
    sandbox = sandbox_clean
    options = dict(options)
    if options.get('ca_path'):
        options['ca_path'] = sandbox.env['ca_cert_path']
    conn = dict(api_url='https://localhost:%d' % sandbox.env['tls_port'], api_user_id=sandbox.env['admin_user_id'],
                api_token=sandbox.env['admin_token'], max_retry_wait=1, **options)
    bundle = '/etc/ssl/certs/ca-certificates.crt'
    run = run_playbook([{LDAP_SETTINGS_INFO: {}}], module_defaults=conn, timeout=120,
                       extra_env={'REQUESTS_CA_BUNDLE': bundle, 'CURL_CA_BUNDLE': bundle})
    result = run.results[0]
    assert result['failed'] and result.get('error_type') != 'tls-error', result
    if not options.get('validate_certs', True):
        assert any('validate_certs=false' in w for w in result.get('warnings', [])), result


def test_a_missing_ca_path_fails_naming_it(sandbox_clean, tmp_path):
    sandbox = sandbox_clean
    missing = str(tmp_path / 'corp-ca.pem')
    conn = dict(api_url=sandbox.url, api_user_id=sandbox.env['admin_user_id'], api_token=sandbox.env['admin_token'],
                ca_path=missing)
    sandbox.clear_requests()
    result = run_playbook([{LDAP_SETTINGS_INFO: {}}], module_defaults=conn).results[0]
    assert result['failed'] and 'ca_path %s does not exist' % missing in result['msg'], result
    assert sandbox.requests() == []
