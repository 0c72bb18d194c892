"""What the session module documents: it changes the server's state (a login creates a login token, a logout
deletes it), in check mode as well, so that the tasks between them can read with the token; changed stays false."""

import requests

from tests.integration.helpers import connection_vars, run_playbook

SESSION = 'chatops.rocketchat.session'
INFO = 'chatops.rocketchat.ldap_settings_info'


def _me(sandbox, user_id, token):
    return requests.get(sandbox.url + '/api/v1/me', headers={'X-User-Id': user_id, 'X-Auth-Token': token}, timeout=10)


def test_in_check_mode_the_login_creates_a_token_the_next_task_reads_with_and_the_logout_deletes_it(sandbox_clean):
    sandbox = sandbox_clean
    login = connection_vars(sandbox, login=True)
    token = {'api_url': login['api_url'], 'api_user_id': '{{ step_0.user_id }}', 'api_token': '{{ step_0.token }}'}
    run = run_playbook([
        {SESSION: login, 'no_log': True},
        {INFO: token},
        {SESSION: dict(token, state='absent'), 'no_log': True},
    ], check=True)
    opened, read, closed = run.results
    assert opened['logged_in'] and closed['logged_in'], run
    assert opened['changed'] is False and closed['changed'] is False
    assert not read.get('failed') and read['server_version'], read
    calls = [(r['method'], r['path']) for r in sandbox.requests()]
    assert calls.count(('POST', '/api/v1/login')) == 1 and calls.count(('POST', '/api/v1/logout')) == 1
    # the token the check-mode login created is gone from the server after the check-mode logout
    assert _me(sandbox, opened['user_id'], opened['token']).status_code == 401
    assert opened['token'] not in run.output


def test_without_the_logout_the_token_a_check_mode_login_created_stays_valid(sandbox_clean):
    sandbox = sandbox_clean
    run = run_playbook([{SESSION: connection_vars(sandbox, login=True), 'no_log': True}], check=True)
    opened = run.results[0]
    assert opened['logged_in'] and opened['changed'] is False, run
    me = _me(sandbox, opened['user_id'], opened['token'])
    assert me.status_code == 200 and me.json()['_id'] == opened['user_id']
