"""The session module: log in once, hand the token over, log out (and survive a failed logout)."""

from tests.integration.helpers import connection_vars, run_playbook

SESSION = 'chatops.rocketchat.session'


def _login_then_logout(sandbox):
    login = connection_vars(sandbox, login=True)
    logout = {'api_url': login['api_url'], 'api_user_id': '{{ step_0.user_id }}',
              'api_token': '{{ step_0.token }}', 'state': 'absent'}
    return run_playbook([
        {SESSION: login, 'no_log': True},
        {SESSION: logout, 'no_log': True},
    ])


def test_login_hands_over_a_token_and_logout_removes_it(sandbox_clean):
    run = _login_then_logout(sandbox_clean)
    login, logout = run.results
    assert login['logged_in'] and login['user_id'] == sandbox_clean.env['admin_user_id']
    assert logout['logged_in'] and not logout.get('failed')
    calls = [(r['method'], r['path']) for r in sandbox_clean.requests()]
    assert calls.count(('POST', '/api/v1/login')) == 1 and calls.count(('POST', '/api/v1/logout')) == 1


def test_a_failed_logout_is_a_warning_not_a_failure(sandbox_clean):
    sandbox_clean.fault('/api/v1/logout', 'status', method='POST', status=500, times=1)
    run = _login_then_logout(sandbox_clean)
    logout = run.results[1]
    assert not logout.get('failed'), logout
    assert logout['logged_in'] is False
    assert any('Logout failed' in warning for warning in logout.get('warnings', [])), logout
    assert run.results[0]['token'] not in run.output  # the tasks are no_log
