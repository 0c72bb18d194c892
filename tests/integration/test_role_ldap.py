"""The chatops.rocketchat.ldap role through real ansible-playbook runs against the sandbox and slapd:
one login for the whole role, configure + sync + report, idempotence, check mode, and module_defaults
with a token instead of role variables."""

import pathlib

import pytest
import requests

from tests.integration.helpers import run_collection_playbook, run_playbook, stored_settings, writes

ROLE = 'chatops.rocketchat.ldap'


def role_vars(sandbox, slapd, report_path, **overrides):
    """The role's variables for the sandbox's admin (password login) and the session's slapd."""
    info = slapd.info
    variables = {
        'ldap_api_url': sandbox.url,
        'ldap_api_username': sandbox.env['admin_username'],
        'ldap_api_password': sandbox.env['admin_password'],
        'ldap_report_path': str(report_path),
        'ldap_settings': {
            'enabled': True,
            'server_type': 'other',
            'connection': {'host': 'localhost', 'port': info['port'], 'encryption': 'plain'},
            'authentication': {'enabled': True, 'bind_dn': info['ldap_bind_dn'],
                               'bind_password': info['ldap_bind_password']},
            'user_search': {'base_dn': info['ldap_base_dn'], 'filter': '(objectClass=inetOrgPerson)',
                            'search_field': 'uid'},
            'data_sync': {'unique_identifier_field': 'uid', 'username_field': 'uid', 'email_field': 'mail',
                          'name_field': 'cn'},
            'background_sync': {'enabled': True, 'import_new_users': True, 'keep_existing_users_updated': True},
        },
        'ldap_role_mapping': {
            'enabled': True, 'base_dn': info['groups_dn'], 'exclusive': True,
            'filter': '(&(cn=#{groupName})(memberUid=#{username}))',
            'mappings': [{'group': 'rocket-admin', 'roles': ['admin']},
                         {'group': 'tech-support', 'roles': ['livechat-agent']}],
        },
        'ldap_canary_users': [{'username': 'alice'}, {'username': 'nobody', 'expect': 'not_found'}],
    }
    variables.update(overrides)
    return variables


def run_role(variables, **kwargs):
    return run_playbook([{'ansible.builtin.include_role': {'name': ROLE}, 'vars': variables}], **kwargs)


def requests_to(sandbox, path):
    return [r for r in sandbox.requests() if r['path'] == path]


def ldap_users(sandbox):
    return dict((u['username'], sorted(u['roles'])) for u in sandbox.state()['users'] if u.get('ldap'))


def test_configure_sync_report_with_one_login_then_nothing_to_do(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report)

    first = run_role(variables)
    assert first.returncode == 0, first
    stored = stored_settings(sandbox)
    assert stored['LDAP_Enable'] is True and stored['LDAP_Port'] == slapd.info['port']
    assert stored['LDAP_Server_Type'] == '' and stored['LDAP_Sync_User_Data_Roles'] is True
    users = ldap_users(sandbox)
    assert len(users) == 31
    assert users['alice'] == ['admin', 'user'] and users['carol'] == ['livechat-agent', 'user']
    # one login for every task of the role, and its logout at the end
    assert [r['status'] for r in requests_to(sandbox, '/api/v1/login')] == [200]
    assert [r['status'] for r in requests_to(sandbox, '/api/v1/logout')] == [200]

    text = report.read_text(encoding='utf-8')
    assert '| localhost | changed |' in text and '31 created' in text
    assert '`LDAP_Authentication_Password` | `` | `******** (changed)`' in text
    assert slapd.info['ldap_bind_password'] not in text
    assert '| alice | admin, user | yes |' in text
    assert 'Search `nobody`: not_found (as expected)' in text

    sandbox.clear_requests()
    second = run_role(variables)
    assert second.returncode == 0, second
    assert writes(sandbox) == [] and requests_to(sandbox, '/api/v1/ldap.syncNow') == []
    assert '| localhost | in sync | 0 | passed | not needed |' in report.read_text(encoding='utf-8')


def test_check_mode_writes_nothing_and_reports_what_would_change(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    run = run_role(role_vars(sandbox, slapd, report), check=True, diff=True)
    assert run.returncode == 0, run
    assert writes(sandbox) == [] and stored_settings(sandbox)['LDAP_Enable'] is False
    text = report.read_text(encoding='utf-8')
    assert 'Check mode: nothing was changed' in text
    assert '| localhost | would change |' in text and '| would run |' in text
    assert '| `LDAP_Enable` | `false` | `true` |' in text
    assert 'Not run: they would test the settings saved on the server' in text


def test_module_defaults_and_a_token_work_without_role_connection_variables(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    variables = role_vars(sandbox, slapd, tmp_path / 'report.md', ldap_role_mapping={}, ldap_sync_mode='never')
    for name in ('ldap_api_url', 'ldap_api_username', 'ldap_api_password'):
        del variables[name]
    defaults = {'api_url': sandbox.url, 'api_user_id': sandbox.env['admin_user_id'],
                'api_token': sandbox.env['admin_token']}
    run = run_role(variables, module_defaults=defaults)
    assert run.returncode == 0, run
    assert stored_settings(sandbox)['LDAP_Enable'] is True
    assert requests_to(sandbox, '/api/v1/login') == [] and requests_to(sandbox, '/api/v1/logout') == []
    assert pathlib.Path(tmp_path / 'report.md').exists()


@pytest.mark.parametrize('version', ['8.5.0', '8.8.1'])
def test_one_login_answers_the_password_second_factor(sandbox_clean, slapd, tmp_path, version):
    # The 2FA password fallback (Rocket.Chat's default) challenges every settings write and Sync Now;
    # without the remember window each write of the role's login token is challenged.
    sandbox = sandbox_clean
    reply = requests.post('%s/api/v1/settings/Accounts_TwoFactorAuthentication_RememberFor' % sandbox.url,
                          json={'value': 0}, headers=sandbox.admin_headers, timeout=30)
    assert reply.status_code == 200, reply.text
    sandbox.config(version=version, two_factor='password')
    sandbox.clear_requests()

    run = run_role(role_vars(sandbox, slapd, tmp_path / 'report.md'))
    assert run.returncode == 0, run
    stored = stored_settings(sandbox)
    assert stored['LDAP_Enable'] is True and stored['LDAP_Sync_User_Data_Roles'] is True
    assert ldap_users(sandbox)['alice'] == ['admin', 'user']
    assert len(requests_to(sandbox, '/api/v1/login')) == 1
    assert sandbox.env['admin_password'] not in run.output


@pytest.mark.parametrize('login', [False, True], ids=['token', 'password'])
def test_connection_from_rocketchat_environment_variables_only(sandbox_clean, slapd, tmp_path, login):
    sandbox = sandbox_clean
    variables = role_vars(sandbox, slapd, tmp_path / 'report.md', ldap_role_mapping={}, ldap_sync_mode='never')
    for name in ('ldap_api_url', 'ldap_api_username', 'ldap_api_password'):
        del variables[name]
    env = {'ROCKETCHAT_URL': sandbox.url}
    if login:  # each module logs in by itself (the role's one login would clash with these)
        env.update(ROCKETCHAT_USERNAME=sandbox.env['admin_username'], ROCKETCHAT_PASSWORD=sandbox.env['admin_password'])
    else:
        env.update(ROCKETCHAT_USER_ID=sandbox.env['admin_user_id'], ROCKETCHAT_AUTH_TOKEN=sandbox.env['admin_token'])
    run = run_role(variables, extra_env=env)
    assert run.results[0].get('failed') is not True, run
    assert stored_settings(sandbox)['LDAP_Enable'] is True
    logins = requests_to(sandbox, '/api/v1/login')
    assert len(logins) == len(requests_to(sandbox, '/api/v1/logout'))
    # one task talks to the workspace here (configure and verify, no sync): it logs in and out by itself
    assert (len(logins) == 1) if login else (logins == [])



def run_role_tags(variables, tags):
    """The role through the collection's configure playbook (tags select the role's phases) on localhost."""
    extra_vars = dict(variables, rocketchat_workspaces='localhost', ansible_connection='local')
    return run_collection_playbook('configure', 'localhost,', extra_vars=extra_vars, extra_env={'ANSIBLE_RUN_TAGS': tags})


def test_masked_secrets_written_every_run_neither_sync_nor_look_drifted(sandbox_clean, slapd, tmp_path):
    # A server that masks secrets hides the bind DN and password: the role writes them on every run
    # (they cannot be compared), but that alone is no change worth a Sync Now or a "would change".
    sandbox = sandbox_clean
    sandbox.config(mask_secrets=True, version='8.8.1')  # 8.6+: one bulk POST /api/v1/settings per write
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report)
    first = run_role(variables)
    assert first.returncode == 0, first
    # one Sync Now; on the production default (2FA with the password fallback) the role's login token
    # is challenged first (400 totp-required) and the role answers with the password (200)
    assert [r['status'] for r in requests_to(sandbox, '/api/v1/ldap.syncNow')] == [400, 200], sandbox.requests()

    sandbox.clear_requests()
    second = run_role(variables)
    assert second.returncode == 0, second
    # sent again (the server stores the same values, so nothing is recorded as written), but no sync;
    # the one bulk write is challenged (2FA password fallback) and answered with the password
    posts = [r['status'] for r in requests_to(sandbox, '/api/v1/settings') if r['method'] == 'POST']
    assert posts == [400, 200], sandbox.requests()
    assert requests_to(sandbox, '/api/v1/ldap.syncNow') == []
    text = report.read_text(encoding='utf-8')
    assert '| localhost | in sync | 0 | passed | not needed |' in text, text
    assert ('Written as on every run, because this server does not disclose the stored value (not compared): '
            '`LDAP_Authentication_UserDN`, `LDAP_Authentication_Password`.') in text

    sandbox.clear_requests()
    check = run_role(variables, check=True, diff=True)
    assert check.returncode == 0, check
    assert writes(sandbox) == []
    text = report.read_text(encoding='utf-8')
    # nothing that can be compared would change, so the server tests run on the saved settings
    assert '| localhost | in sync | 0 | passed | not needed |' in text, text
    assert 'Would be written as on every run' in text and requests_to(sandbox, '/api/v1/ldap.testConnection')
    assert slapd.info['ldap_bind_password'] not in text + second.output + check.output


def test_a_later_phase_failing_leaves_unselected_earlier_phases_not_selected(sandbox_clean, slapd, tmp_path):
    # --tags verify on a workspace without LDAP: the server tests fail; configure was not selected
    # (not cut off by the failure), the sync after the verify phase was.
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    verify = run_role_tags(role_vars(sandbox, slapd, report), 'verify')
    assert verify.returncode != 0, verify
    text = report.read_text(encoding='utf-8')
    assert '**Failed** in the verify phase: ' in text, text
    assert text.count('Not run: the configure phase was not selected (tags).') == 2, text  # settings, mappings
    assert text.count('Not run: the verify phase failed first.') == 1, text  # sync
    assert 'configure phase failed' not in text

    # --tags sync with a failing Sync Now (LDAP disabled): every earlier phase is "not selected"
    sync = run_role_tags(role_vars(sandbox, slapd, report, ldap_sync_mode='always'), 'sync')
    assert sync.returncode != 0, sync
    text = report.read_text(encoding='utf-8')
    assert '**Failed** in the sync phase: ' in text, text
    assert text.count('Not run: the configure phase was not selected (tags).') == 2, text
    assert '- Not run: the verify phase was not selected (tags).' in text, text
    assert 'phase failed first' not in text, text


def test_an_unverified_not_found_answer_is_marked_in_the_report(sandbox_clean, slapd, tmp_path):
    # Before 9.0 a broken service bind also answers "not found"; with no found user to prove the bind,
    # the report must not present that answer as a pass without saying so.
    sandbox = sandbox_clean
    sandbox.config(version='8.8.1')
    report = tmp_path / 'report.md'
    run = run_role(role_vars(sandbox, slapd, report, ldap_sync_mode='never',
                             ldap_canary_users=[{'username': 'nobody', 'expect': 'not_found'}]))
    assert run.returncode == 0, run
    text = report.read_text(encoding='utf-8')
    assert ('Search `nobody`: not_found (unverified: a broken service bind gives the same answer) (as expected)'
            in text), text

    run = run_role(role_vars(sandbox, slapd, report, ldap_sync_mode='never'))  # alice found: the bind is proven
    assert run.returncode == 0, run
    text = report.read_text(encoding='utf-8')
    assert 'Search `nobody`: not_found (as expected)' in text and 'unverified' not in text, text


def test_configure_and_verify_share_a_task_but_each_tag_still_selects_its_phase(sandbox_clean, slapd, tmp_path):
    # One ldap_workspace task does both phases; --skip-tags verify keeps the configure half only, and
    # --tags verify the verify half only (nothing written).
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    extra_vars = dict(role_vars(sandbox, slapd, report, ldap_sync_mode='never'),
                      rocketchat_workspaces='localhost', ansible_connection='local')
    run = run_collection_playbook('configure', 'localhost,', extra_vars=extra_vars,
                                  extra_env={'ANSIBLE_SKIP_TAGS': 'verify'})
    assert run.returncode == 0, run
    assert stored_settings(sandbox)['LDAP_Enable'] is True
    assert requests_to(sandbox, '/api/v1/ldap.testConnection') == []
    assert '- Not run: the verify phase was not selected (tags).' in report.read_text(encoding='utf-8')

    sandbox.clear_requests()
    run = run_collection_playbook('configure', 'localhost,', extra_vars=extra_vars,
                                  extra_env={'ANSIBLE_RUN_TAGS': 'verify'})
    assert run.returncode == 0, run
    assert [r for r in sandbox.requests() if r['wrote']] == []
    assert requests_to(sandbox, '/api/v1/settings') == []  # the settings are not even read
    assert len(requests_to(sandbox, '/api/v1/ldap.testConnection')) == 1
    assert 'Not run: the configure phase was not selected (tags).' in report.read_text(encoding='utf-8')
