"""Check mode of every module and every playbook (issue 13): 0 writes in the sandbox's request log.

The workspace is first pointed at the session's slapd (the settings written through the REST API, as an
administrator would), so that every module and phase runs its whole path; then each module is asked for
a change in check mode, and each playbook runs with --check against an inventory that differs from the
workspace. Promise: whatever a check-mode run would change, it reports and does not send; the log shows
no request that changed stored state (settings, users, roles, rooms, tokens, Sync Now).
"""

import requests

from tests.integration.helpers import connection_vars, run_collection_playbook, run_playbook, writes
from tests.integration.test_playbooks import write_inventory
from tests.integration.test_role_ldap import role_vars

PLAYBOOKS = ('configure', 'verify', 'sync', 'drift', 'export')


def point_workspace_at_the_directory(sandbox, background_sync):
    for setting_id, value in sorted(sandbox.ldap_connection_settings().items()):
        reply = requests.post('%s/api/v1/settings/%s' % (sandbox.url, setting_id), json={'value': value},
                              headers=sandbox.admin_headers, timeout=30)
        assert reply.status_code == 200, reply.text
    for setting_id, value in (('LDAP_Background_Sync', background_sync), ('LDAP_Background_Sync_Import_New_Users', True)):
        requests.post('%s/api/v1/settings/%s' % (sandbox.url, setting_id), json={'value': value},
                      headers=sandbox.admin_headers, timeout=30).raise_for_status()


def module_tasks(sandbox, slapd):
    info = slapd.info
    wanted = role_vars(sandbox, slapd, 'unused')
    return [
        # (task, whether it would change something)
        ({'chatops.rocketchat.ldap_settings': dict(
            wanted['ldap_settings'], authentication={'enabled': True, 'bind_dn': info['ldap_bind_dn'],
                                                     'bind_password': 'a-new-bind-password'})}, True),
        ({'chatops.rocketchat.ldap_settings': {'user_search': {'filter': '(objectClass=person)'},
                                               'reset_unspecified': True}}, True),
        ({'chatops.rocketchat.ldap_role_mapping': wanted['ldap_role_mapping']}, True),
        ({'chatops.rocketchat.ldap_channel_mapping': {
            'enabled': True, 'base_dn': info['groups_dn'], 'filter': '(&(cn=#{groupName})(memberUid=#{username}))',
            'mappings': [{'group': 'developers', 'channels': ['general']}]}}, True),
        ({'chatops.rocketchat.ldap_team_mapping': {
            'enabled': True, 'base_dn': info['teams_dn'], 'name_attributes': ['cn'],
            'mappings': [{'group': 'developers', 'teams': ['engineering']}]}}, True),
        ({'chatops.rocketchat.ldap_sync': {'ensure_background_sync': True}}, True),
        ({'chatops.rocketchat.ldap_check': {'source': 'workspace', 'users': [
            {'username': info['sample_user'], 'password': info['sample_password']}]}}, False),
        ({'chatops.rocketchat.ldap_test_connection': {}}, False),
        ({'chatops.rocketchat.ldap_test_search': {'usernames': [info['sample_user']]}}, False),
        ({'chatops.rocketchat.ldap_settings_info': {}}, False),
        # log in and out (the group's token left out of this task): a login token is not stored state
        ({'chatops.rocketchat.session': dict(connection_vars(sandbox, login=True), api_user_id='{{ omit }}',
                                             api_token='{{ omit }}'), 'no_log': True}, None),
        ({'chatops.rocketchat.session': {'state': 'absent', 'api_user_id': '{{ step_10.user_id }}',
                                         'api_token': '{{ step_10.token }}'}, 'no_log': True}, None),
        # the settings and a map in one task, with the server tests (left out: changes are pending)
        ({'chatops.rocketchat.ldap_workspace': {
            'ldap_settings': dict(wanted['ldap_settings'], reset_unspecified=True),
            'role_mapping': wanted['ldap_role_mapping'], 'canary_users': [{'username': info['sample_user']}]}}, True),
    ]


def test_every_module_in_check_mode_writes_nothing(sandbox_clean, slapd, promise):
    sandbox = sandbox_clean
    point_workspace_at_the_directory(sandbox, background_sync=False)  # so that ldap_sync would turn it on
    cases = module_tasks(sandbox, slapd)
    sandbox.clear_requests()
    run = run_playbook([task for task, _changes in cases], module_defaults=connection_vars(sandbox), check=True,
                       diff=True)
    written = writes(sandbox)
    promise.check_mode(writes=len(written))
    assert written == [], written
    for (task, changes), result in zip(cases, run.results):
        assert not result.get('failed'), (task, result)
        if changes is not None:
            assert result['changed'] is changes, (task, result)
    # the sandbox speaks plain HTTP: every module warns that the token and password travel unencrypted
    assert all(any('api_url uses plain HTTP' in warning for warning in result.get('warnings', []))
               for result in run.results), run.results
    paths = [entry['path'] for entry in sandbox.requests()]
    assert '/api/v1/ldap.testConnection' in paths  # the read-only tests were sent, as documented
    assert '/api/v1/ldap.syncNow' not in paths
    assert paths.count('/api/v1/login') == 1 and paths.count('/api/v1/logout') == 1


def test_every_playbook_in_check_mode_writes_nothing(sandbox_clean, slapd, tmp_path, promise):
    sandbox = sandbox_clean
    point_workspace_at_the_directory(sandbox, background_sync=True)
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report, ldap_preflight=True, ldap_sync_mode='always')
    variables['ldap_settings']['user_search']['filter'] = '(&(objectClass=inetOrgPerson)(uid=*))'
    inventory = write_inventory(tmp_path, variables)
    for name in PLAYBOOKS:
        sandbox.clear_requests()
        extra = {'export_dir': str(tmp_path / 'exported')} if name == 'export' else None
        run = run_collection_playbook(name, inventory, extra_vars=extra, check=True, diff=True)
        written = writes(sandbox)
        promise.check_mode(writes=len(written))
        assert written == [], (name, written, run)
        # drift fails because the workspace differs from the inventory: that is its answer, not a crash
        assert run.returncode == (2 if name == 'drift' else 0), (name, run)
        assert 'Traceback' not in run.output, (name, run)
    assert 'Check mode: nothing was changed' in report.read_text(encoding='utf-8')
