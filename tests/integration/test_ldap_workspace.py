"""ldap_workspace run by real ansible-playbook against the Rocket.Chat sandbox and a real slapd: the same
results as the separate modules, one read and one write, nothing written when any section is wrong."""

import copy

import requests

from tests.integration.helpers import connection_vars, run_playbook, stored_settings, writes

CHANNELS = {'enabled': True, 'filter': '(&(cn=#{groupName})(memberUid=#{username}))',
            'mappings': [{'group': 'developers', 'channels': ['dev']}]}


def desired(slapd):
    info = slapd.info
    settings = {
        'enabled': True, 'server_type': 'other',
        'connection': {'host': 'localhost', 'port': info['port'], 'encryption': 'plain'},
        'authentication': {'enabled': True, 'bind_dn': info['ldap_bind_dn'],
                           'bind_password': info['ldap_bind_password']},
        'user_search': {'base_dn': info['ldap_base_dn'], 'filter': '(objectClass=inetOrgPerson)',
                        'search_field': 'uid'},
        'data_sync': {'unique_identifier_field': 'uid', 'username_field': 'uid', 'email_field': 'mail',
                      'name_field': 'cn'},
    }
    roles = {'enabled': True, 'base_dn': info['groups_dn'], 'exclusive': True,
             'filter': '(&(cn=#{groupName})(memberUid=#{username}))',
             'mappings': [{'group': 'rocket-admin', 'roles': ['admin']},
                          {'group': 'tech-support', 'roles': ['livechat-agent']}]}
    channels = dict(CHANNELS, base_dn=info['groups_dn'])
    return dict(ldap_settings=settings, role_mapping=roles, channel_mapping=channels,
                canary_users=[{'username': 'alice'}, {'username': 'nobody-here', 'expect': 'not_found'}])


def run(sandbox, args, check=False, diff=False):
    sandbox.clear_requests()
    result = run_playbook([{'chatops.rocketchat.ldap_workspace': args}], module_defaults=connection_vars(sandbox),
                          check=check, diff=diff)
    return result.results[0], result


def test_one_task_configures_and_verifies_with_one_read_and_one_write(sandbox_clean, slapd):
    sandbox = sandbox_clean
    args = desired(slapd)

    # what the separate modules would do, in check mode, for comparison
    separate = run_playbook([
        {'chatops.rocketchat.ldap_settings': args['ldap_settings']},
        {'chatops.rocketchat.ldap_role_mapping': dict(args['role_mapping'], ldap_settings=args['ldap_settings'])},
    ], module_defaults=connection_vars(sandbox), check=True).results

    result, playbook = run(sandbox, args, diff=True)
    assert result.get('failed') is not True, playbook
    assert result['changed'] is True
    assert result['settings']['changed_ids'] == separate[0]['changed_ids']
    assert result['mappings']['roles']['mappings'] == separate[1]['mappings']
    assert result['mappings']['roles']['changes'] == separate[1]['changes']
    assert result['mappings']['channels']['changed'] is True
    assert result['mappings']['teams'] == {'skipped': True, 'changed': False}
    assert result['test_connection']['message'] and result['test_connection']['changed'] is False
    assert [(r['username'], r['result'], r['ok']) for r in result['test_search']['results']] == [
        ('alice', 'found', True), ('nobody-here', 'not_found', True)]
    # the settings and both maps in one write; the connection tested once
    assert [r['path'] for r in writes(sandbox)] == ['/api/v1/settings']
    paths = [r['path'] for r in sandbox.requests()]
    assert paths.count('/api/v1/ldap.testConnection') == 1 and paths.count('/api/v1/ldap.testSearch') == 2
    assert paths.count('/api/info') <= 1 and paths.count('/api/v1/licenses.info') <= 1
    stored = stored_settings(sandbox)
    assert stored['LDAP_Enable'] is True and '"rocket-admin"' in stored['LDAP_Sync_User_Data_RolesMap']
    assert 'developers' in stored['LDAP_Sync_User_Data_ChannelsMap']
    # one diff per section that changed
    assert len(result['diff']) == 3
    assert slapd.info['ldap_bind_password'] not in playbook.output

    # again: nothing to do, and the read-only requests of a drift check
    again, playbook = run(sandbox, args)
    assert again['changed'] is False and writes(sandbox) == [], playbook
    assert again['settings']['changed_ids'] == [] and again['mappings']['roles']['changes'] == []
    # each thing read once; beside them one lookup per mapped channel and of the channel admin, one search per canary
    paths = [r['path'] for r in sandbox.requests()]
    once = ['/api/info', '/api/v1/licenses.info', '/api/v1/settings', '/api/v1/method.call/private-settings:get',
            '/api/v1/roles.list', '/api/v1/users.info', '/api/v1/ldap.testConnection']
    assert dict((path, paths.count(path)) for path in once) == dict.fromkeys(once, 1), paths
    channels = [name for entry in again['mappings']['channels']['mappings'] for name in entry['channels']]
    assert paths.count('/api/v1/channels.info') == len(set(channels))
    assert len(paths) == len(once) + len(set(channels)) + 2, paths


def test_a_wrong_section_writes_nothing_and_names_its_option(sandbox_clean, slapd):
    sandbox = sandbox_clean
    args = desired(slapd)
    args['role_mapping']['mappings'][1]['roles'] = ['no-such-role']
    result, playbook = run(sandbox, args)
    assert result['failed'] is True and writes(sandbox) == [], playbook
    assert result['msg'].startswith('role_mapping: mappings[1].roles: unknown roles'), result['msg']
    assert result['msg'].endswith('(nothing was written)')
    assert result['failed_phase'] == 'configure'
    # the settings were planned first, but not written: not reached; the channel map after it too
    assert result['settings']['not_reached'] is True and result['mappings']['channels']['not_reached'] is True
    assert result['mappings']['roles']['failed'] is True
    assert result['test_connection']['not_reached'] is True
    assert stored_settings(sandbox)['LDAP_Enable'] is False

    # an option the section's module does not have, and a bad value: named, nothing written
    for section, bad, words in (('channel_mapping', {'query': '(cn=x)'}, ['channel_mapping:', 'query']),
                                ('ldap_settings', {'server_type': 'novell'}, ['ldap_settings:', 'server_type',
                                                                              'ad, other', 'novell'])):
        args = desired(slapd)
        args[section] = dict(args[section], **bad)
        result, playbook = run(sandbox, args)
        assert result['failed'] is True and writes(sandbox) == [], playbook
        assert all(word in result['msg'] for word in words), result['msg']
        assert result['invalid'] == [section]
        assert slapd.info['ldap_bind_password'] not in playbook.output


def test_check_mode_writes_nothing_and_leaves_the_tests_out_while_changes_are_pending(sandbox_clean, slapd):
    sandbox = sandbox_clean
    args = desired(slapd)
    result, playbook = run(sandbox, args, check=True, diff=True)
    assert result['changed'] is True and writes(sandbox) == [], playbook
    assert result['test_connection'] == {'skipped': True, 'changed': False}
    assert result['settings']['drift_ids']
    assert requests_to_count(sandbox, '/api/v1/ldap.testConnection') == 0

    run(sandbox, args)  # applied
    # in check mode with nothing pending, the tests run
    result, playbook = run(sandbox, args, check=True)
    assert result['changed'] is False and writes(sandbox) == [], playbook
    assert result['test_connection']['message'] and result['test_search']['results'][0]['ok'] is True


def test_the_licence_is_checked_before_anything_is_read(sandbox_clean, slapd):
    sandbox = sandbox_clean
    sandbox.config(license='none')
    args = dict(copy.deepcopy(desired(slapd)), require_license=['ldap_role_mapping', 'ldap_channel_mapping'])
    result, playbook = run(sandbox, args)
    assert result['failed'] is True and result['licensed'] is False, playbook
    assert "no active 'ldap-enterprise' licence module" in result['msg']
    assert 'ldap_role_mapping, ldap_channel_mapping' in result['msg']
    assert requests_to_count(sandbox, '/api/v1/settings') == 0 and writes(sandbox) == []


def test_only_the_server_tests(sandbox_clean, slapd):
    sandbox = sandbox_clean
    run(sandbox, desired(slapd))
    result, playbook = run(sandbox, {'canary_users': [{'username': 'alice'}]})
    assert result['changed'] is False and result['settings'] == {'skipped': True, 'changed': False}, playbook
    assert result['test_search']['results'][0]['result'] == 'found'
    assert requests_to_count(sandbox, '/api/v1/settings') == 0

    # a failing canary fails the task in the verify phase
    result, playbook = run(sandbox, {'canary_users': [{'username': 'nobody-here'}]})
    assert result['failed'] is True and result['failed_phase'] == 'verify', playbook
    assert 'nobody-here is not_found, expected found' in result['msg']
    assert result['test_search']['failed'] is True and result['test_connection']['message']


def requests_to_count(sandbox, path):
    return sum(1 for r in sandbox.requests() if r['path'] == path)


def test_a_server_that_refuses_count_0_is_read_in_as_few_pages_as_it_allows(sandbox_clean, slapd):
    sandbox = sandbox_clean
    upper = 1000
    body = {'settings': [{'_id': 'API_Allow_Infinite_Count', 'value': False},
                         {'_id': 'API_Upper_Count_Limit', 'value': upper}]}
    requests.post(sandbox.url + '/api/v1/settings', json=body, headers=sandbox.admin_headers,
                  timeout=30).raise_for_status()
    total = requests.get(sandbox.url + '/api/v1/settings', params={'count': 1}, headers=sandbox.admin_headers,
                         timeout=30).json()['total']
    assert total > 100  # else nothing is paged
    result, playbook = run(sandbox, {'ldap_settings': desired(slapd)['ldap_settings'], 'verify': False}, check=True)
    assert result['changed'] is True and 'LDAP_Enable' in result['settings']['changed_ids'], playbook
    reads = [r for r in sandbox.requests() if r['path'] == '/api/v1/settings']
    # the default page, then the rest in pages of API_Upper_Count_Limit
    default_count = 50
    assert len(reads) == 1 + -(-(total - default_count) // upper), [r.get('query') for r in reads]
