"""ldap_role_mapping (and ldap_sync to apply it) through real ansible-playbook runs against the sandbox
and the session's slapd (openldap sample directory, see tests/sandbox/ldap/data/openldap.ldif)."""

import json

import ldap3
import requests

from tests.integration.helpers import connection_vars, run_playbook

ROLE_MAPPING = 'chatops.rocketchat.ldap_role_mapping'
SYNC = 'chatops.rocketchat.ldap_sync'
ROLES_MAP = 'LDAP_Sync_User_Data_RolesMap'
GROUP_OF_NAMES_FILTER = '(&(objectClass=groupOfNames)(cn=#{groupName})(member=#{userdn}))'


# --- helpers shared by the mapping and sync tests (imported from here) -------------------------------

def rest(sandbox, method, route, **kwargs):
    """A direct REST call as the sandbox admin (test set-up and verification only)."""
    response = requests.request(method, sandbox.url + '/api/v1/' + route, headers=sandbox.admin_headers,
                                timeout=30, **kwargs)
    body = response.json()
    assert response.status_code == 200 and body.get('success'), (route, response.status_code, body)
    return body


def configure(sandbox, **settings):
    """Point the workspace at slapd (LDAP on, Background Sync on) plus ``settings``, in one bulk write."""
    values = sandbox.ldap_connection_settings()
    values.update(LDAP_Background_Sync=True)
    values.update(settings)
    rest(sandbox, 'POST', 'settings', json={'settings': [{'_id': k, 'value': v} for k, v in values.items()]})
    sandbox.clear_requests()


def stored(sandbox, setting_id):
    return next(s['value'] for s in sandbox.state()['settings'] if s['_id'] == setting_id)


def roles_of(sandbox, username):
    return sorted(rest(sandbox, 'GET', 'users.info', params={'username': username})['user']['roles'])


def writes(sandbox):
    return [(r['method'], r['path']) for r in sandbox.requests() if r['wrote']]


def sent(sandbox, path):
    return [r for r in sandbox.requests() if r['path'] == path]


def modify_directory(slapd, dn, changes):
    """Change an entry of the session's slapd as its rootdn (``changes`` as ldap3 ``modify`` takes them)."""
    info = slapd.info
    server = ldap3.Server(info['host'], port=info['port'], get_info=ldap3.NONE)
    with ldap3.Connection(server, info['ldap_admin_dn'], info['ldap_admin_password'], auto_bind=True) as conn:
        assert conn.modify(dn, changes), conn.result


# --- tests ---------------------------------------------------------------------------------------

def test_posix_groups_with_the_default_filter_give_roles_after_a_sync(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    env = sandbox.env
    task = {ROLE_MAPPING: {'enabled': True, 'base_dn': env['groups_dn'], 'exclusive': True,
                           'mappings': [{'group': 'rocket-admin', 'roles': 'admin'},
                                        {'group': 'tech-support', 'roles': ['livechat-agent', 'livechat-manager']}]}}
    run = run_playbook([task, task, {SYNC: {}}], module_defaults=connection_vars(sandbox), diff=True)
    first, second, sync = run.results
    assert first['changed'] and not first.get('failed'), run
    # The server's default map is {"rocket-admin": "admin", "tech-support": "support"}.
    assert first['mapping_changes'] == {'added': [], 'removed': [], 'changed': [{
        'group': 'tech-support', 'before': ['support'], 'after': ['livechat-agent', 'livechat-manager'],
        'added': ['livechat-agent', 'livechat-manager'], 'removed': ['support']}]}
    assert 'change group tech-support: roles +livechat-agent +livechat-manager -support ' \
           '(now livechat-agent, livechat-manager)' in first['changes']
    # the diff shows the map, one line per group
    assert '-  tech-support: support' in run.output
    assert '+  tech-support: livechat-agent, livechat-manager' in run.output
    assert json.loads(stored(sandbox, ROLES_MAP)) == {'rocket-admin': 'admin',
                                                      'tech-support': ['livechat-agent', 'livechat-manager']}
    assert stored(sandbox, 'LDAP_Sync_User_Data_Roles') is True
    assert stored(sandbox, 'LDAP_Sync_User_Data_Roles_BaseDN') == env['groups_dn']
    assert not second['changed'] and second['changes'] == []
    assert writes(sandbox).count(('POST', '/api/v1/settings')) == 1  # the second run wrote nothing

    assert sync['changed'] and sync['synced']
    assert roles_of(sandbox, 'alice') == ['admin', 'user']
    assert roles_of(sandbox, 'carol') == ['livechat-agent', 'livechat-manager', 'user']
    assert roles_of(sandbox, 'heidi') == ['user']
    created = dict((u['username'], u['roles']) for u in sync['report']['created'])
    assert created['bob'] == ['admin', 'user'] and created['frank'] == ['user']


def test_group_of_names_with_a_userdn_filter_and_semantic_comparison(sandbox_clean):
    sandbox = sandbox_clean
    env = sandbox.env
    # The same map as the module writes, in another form: other key order, a one-item list, tabs.
    same_map = '{\n\t"support": "livechat-agent",\n\t"admins": ["admin"]\n}'
    configure(sandbox, **{ROLES_MAP: same_map})
    task = {ROLE_MAPPING: {'enabled': True, 'auto_remove': True, 'base_dn': env['groups_dn'],
                           'filter': GROUP_OF_NAMES_FILTER, 'validate_groups': True,
                           'mappings': [{'group': 'admins', 'roles': 'admin'},
                                        {'group': ' support ', 'roles': ['livechat-agent', 'livechat-agent']}]}}
    run = run_playbook([task, {SYNC: {}}], module_defaults=connection_vars(sandbox))
    mapped, sync = run.results
    assert mapped['changed'] and mapped['missing_groups'] == [], run
    assert mapped['mapping_changes'] == {'added': [], 'removed': [], 'changed': []}  # the map itself was equal
    assert all(line.startswith('set ') for line in mapped['changes']) and stored(sandbox, ROLES_MAP) == same_map
    assert stored(sandbox, 'LDAP_Sync_User_Data_Roles_Filter') == GROUP_OF_NAMES_FILTER
    assert sync['report']['totals']['created'] == 31
    assert roles_of(sandbox, 'bob') == ['admin', 'user']
    assert roles_of(sandbox, 'erin') == ['livechat-agent', 'user']
    assert roles_of(sandbox, 'frank') == ['user']


def test_auto_remove_after_a_user_leaves_the_group(sandbox_clean, slapd):
    sandbox = sandbox_clean
    configure(sandbox)
    conn = connection_vars(sandbox)
    mapping = {ROLE_MAPPING: {'enabled': True, 'auto_remove': True, 'base_dn': sandbox.env['groups_dn'],
                              'mappings': [{'group': 'rocket-admin', 'roles': ['admin']}]}}
    first = run_playbook([mapping, {SYNC: {}}], module_defaults=conn).results[1]
    assert roles_of(sandbox, 'bob') == ['admin', 'user'] and first['synced']

    group_dn = 'cn=rocket-admin,%s' % sandbox.env['groups_dn']
    modify_directory(slapd, group_dn, {'memberUid': [(ldap3.MODIFY_DELETE, ['bob'])]})
    try:
        again = run_playbook([{SYNC: {}}, {SYNC: {}}], module_defaults=conn)
    finally:
        modify_directory(slapd, group_dn, {'memberUid': [(ldap3.MODIFY_ADD, ['bob'])]})
    removed, unchanged = again.results
    assert removed['changed'] and removed['report']['roles_removed'] == {'bob': ['admin']}, again
    assert removed['report']['updated'] == [{'username': 'bob', 'changes': {
        'roles': {'before': ['admin', 'user'], 'after': ['user']}}}]
    assert roles_of(sandbox, 'bob') == ['user'] and roles_of(sandbox, 'alice') == ['admin', 'user']
    assert not unchanged['changed'] and unchanged['synced'] and unchanged['report']['totals']['updated'] == 0


def test_exclusive_purges_unlisted_groups_and_refuses_to_empty_the_map(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox, **{ROLES_MAP: json.dumps({'rocket-admin': 'admin', 'old-group': ['bot'],
                                                'manager': 'livechat-manager'})})
    conn = connection_vars(sandbox)
    run = run_playbook([
        {ROLE_MAPPING: {'mappings': [{'group': 'manager', 'roles': 'livechat-manager'}]}},
        {ROLE_MAPPING: {'exclusive': True, 'mappings': [{'group': 'manager', 'roles': ['livechat-manager']}]}},
        {ROLE_MAPPING: {'exclusive': True, 'mappings': []}},
        {ROLE_MAPPING: {'state': 'absent', 'mappings': [{'group': 'manager'}]}},
    ], module_defaults=conn)
    additive, purge, refused, removed = run.results
    assert not additive['changed']
    assert purge['changed'] and [g['group'] for g in purge['mapping_changes']['removed']] == ['rocket-admin',
                                                                                            'old-group']
    assert 'group old-group (roles bot) is on the server but not in the inventory: removed (exclusive)' \
        in purge['changes']
    assert refused['failed'] and 'allow_empty' in refused['msg']
    assert removed['changed'] and removed['mappings'] == []
    assert json.loads(stored(sandbox, ROLES_MAP)) == {}

    emptied = run_playbook([
        {ROLE_MAPPING: {'mappings': [{'group': 'manager', 'roles': 'livechat-manager'}]}},
        {ROLE_MAPPING: {'exclusive': True, 'allow_empty': True, 'mappings': []}},
    ], module_defaults=conn).results[1]
    assert emptied['changed'] and json.loads(stored(sandbox, ROLES_MAP)) == {}


def test_unknown_roles_are_refused_before_any_write(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    before = stored(sandbox, ROLES_MAP)
    result = run_playbook([{ROLE_MAPPING: {
        'enabled': True, 'base_dn': sandbox.env['groups_dn'],
        'mappings': [{'group': 'rocket-admin', 'roles': ['admin', 'superadmin']},
                     {'group': 'manager', 'roles': ['livechat-manager.v2']}]}}],
        module_defaults=connection_vars(sandbox)).results[0]
    assert result['failed']
    assert result['unknown_roles'] == [{'group': 'rocket-admin', 'role': 'superadmin'}]
    assert result['invalid'] == ['mappings[0].roles'] and result['msg'].startswith('mappings[0].roles: unknown roles')
    assert 'superadmin in group rocket-admin' in result['msg'] and 'livechat-agent' in result['msg']
    assert writes(sandbox) == [] and stored(sandbox, ROLES_MAP) == before
    assert len(sent(sandbox, '/api/v1/roles.list')) == 1


def test_a_stored_wildcard_group_is_named_and_can_be_removed(sandbox_clean):
    # Anyone who can edit the setting can store "*": every user in any group would get its roles.
    sandbox = sandbox_clean
    configure(sandbox, **{ROLES_MAP: json.dumps({'*': 'admin', 'rocket-admin': 'admin'})})
    run = run_playbook([
        {ROLE_MAPPING: {'enabled': True, 'base_dn': sandbox.env['groups_dn'],
                        'mappings': [{'group': 'manager', 'roles': ['leader']}]}},
        {ROLE_MAPPING: {'state': 'absent', 'mappings': [{'group': '*'}]}},
    ], module_defaults=connection_vars(sandbox))
    kept, removed = run.results
    assert any("group '*' (not managed by this task)" in w and 'matches every group' in w
               for w in kept['warnings']), kept
    assert removed['changed'] and '*' not in json.loads(stored(sandbox, ROLES_MAP)), removed


def test_invalid_input_is_refused_with_the_option_named(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    groups_dn = sandbox.env['groups_dn']
    two_groups = [{'group': 'rocket-admin', 'roles': 'admin'}, {'group': 'manager', 'roles': 'livechat-manager'}]
    cases = [
        # role sync on without a group base DN: the server has no fallback
        ({'enabled': True, 'mappings': two_groups}, 'no fallback', ['base_dn']),
        # a filter without #{groupName} while two groups are mapped grants every role to everyone
        ({'enabled': True, 'base_dn': groups_dn, 'filter': '(&(objectClass=posixGroup)(memberUid=#{username}))',
          'mappings': two_groups}, 'every mapped group', ['filter']),
        ({'enabled': True, 'base_dn': groups_dn, 'filter': '(&(cn=#{groupName})(memberUid=#{username})',
          'mappings': two_groups}, 'filter: missing ")"', ['filter']),
        ({'enabled': True, 'base_dn': groups_dn, 'validation_strategy': 'once', 'mappings': two_groups},
         "'once' validation strategy", ['filter']),
        ({'mappings': [{'group': 'a', 'roles': 'admin'}, {'group': 'a', 'roles': 'bot'}]}, 'listed twice',
         ['mappings']),
        # refused by Ansible's own choices check, which names no option in a result key
        ({'validation_strategy': 'per_group'}, 'each_group, once', None),
    ]
    # (the other refusals of mapping.py are covered by its unit tests)
    run = run_playbook([{ROLE_MAPPING: args} for args, _, _ in cases], module_defaults=connection_vars(sandbox))
    for (args, fragment, invalid), result in zip(cases, run.results):
        assert result.get('failed') and fragment in result['msg'], (args, result)
        assert result.get('invalid') == invalid, (args, result)
    assert writes(sandbox) == []


def test_validate_groups_names_groups_missing_from_the_directory(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    result = run_playbook([{ROLE_MAPPING: {
        'enabled': True, 'base_dn': sandbox.env['groups_dn'], 'validate_groups': True,
        'mappings': [{'group': 'rocket-admin', 'roles': 'admin'}, {'group': 'rocket-admins', 'roles': 'admin'}]}}],
        module_defaults=connection_vars(sandbox))
    outcome = result.results[0]
    assert outcome['failed'] and outcome['missing_groups'] == ['rocket-admins'], result
    assert writes(sandbox) == []
    assert sandbox.env['ldap_bind_password'] not in result.output


def test_once_strategy_reads_group_names_from_the_entries(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    task = {ROLE_MAPPING: {'enabled': True, 'base_dn': sandbox.env['groups_dn'], 'validation_strategy': 'once',
                           'filter': '(&(objectClass=groupOfNames)(member=#{userdn}))', 'validate_groups': True,
                           'mappings': [{'group': 'admins', 'roles': 'admin'},
                                        {'group': 'engineering', 'roles': 'livechat-agent'}]}}
    run = run_playbook([task, {SYNC: {}}], module_defaults=connection_vars(sandbox))
    mapped, sync = run.results
    assert mapped['changed'] and mapped['missing_groups'] == [], run
    assert stored(sandbox, 'LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy') == 'once'
    assert sync['synced']
    assert roles_of(sandbox, 'alice') == ['admin', 'user']
    assert roles_of(sandbox, 'kevin') == ['livechat-agent', 'user']
    assert roles_of(sandbox, 'carol') == ['user']


def test_check_mode_reports_the_change_and_sends_no_write(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    before = stored(sandbox, ROLES_MAP)
    run = run_playbook([{ROLE_MAPPING: {'enabled': True, 'base_dn': sandbox.env['groups_dn'], 'exclusive': True,
                                        'mappings': [{'group': 'manager', 'roles': ['livechat-manager']}]}},
                        {SYNC: {}}],
                       module_defaults=connection_vars(sandbox), check=True, diff=True)
    planned, sync = run.results
    assert planned['changed'] and 'add group manager -> roles livechat-manager' in planned['changes']
    assert 'set enabled (LDAP_Sync_User_Data_Roles): false -> true' in planned['changes']
    assert '-  rocket-admin: admin' in run.output and '+  manager: livechat-manager' in run.output
    assert not sync['changed'] and not sync['synced'] and sync['preconditions']['licensed']
    assert writes(sandbox) == [] and stored(sandbox, ROLES_MAP) == before
    posts = [r['path'] for r in sandbox.requests() if r['method'] != 'GET']
    assert all('private-settings' in path for path in posts), posts


def test_no_licence_is_explained(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    sandbox.config(license='none')  # sandbox_clean restores the licence for the next test
    result = run_playbook([{ROLE_MAPPING: {'mappings': [{'group': 'manager', 'roles': 'livechat-manager'}]}}],
                          module_defaults=connection_vars(sandbox)).results[0]
    assert result['failed'] and 'ldap-enterprise' in result['msg'] and result['licensed'] is False
    assert writes(sandbox) == []


def test_ldap_settings_info_reads_the_maps_in_the_modules_own_format_and_giving_them_back_changes_nothing(
        sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox, **{ROLES_MAP: json.dumps({'rocket-admin': 'admin', 'manager': ['leader', 'moderator']}),
                          'LDAP_Sync_User_Data_Roles': True,
                          'LDAP_Sync_User_Data_Roles_BaseDN': sandbox.env['groups_dn'],
                          'LDAP_Groups_To_Rocket_Chat_Teams': json.dumps({'devs': ['engineering']}),
                          'LDAP_Teams_Name_Field': 'ou, cn'})
    info = run_playbook([{'chatops.rocketchat.ldap_settings_info': {}}],
                        module_defaults=connection_vars(sandbox)).results[0]
    maps = info['mappings']
    assert maps['ldap_role_mapping']['mappings'] == [{'group': 'rocket-admin', 'roles': ['admin']},
                                                     {'group': 'manager', 'roles': ['leader', 'moderator']}]
    assert maps['ldap_role_mapping']['enabled'] is True
    assert maps['ldap_team_mapping']['name_attributes'] == ['ou', 'cn']
    sandbox.clear_requests()
    run = run_playbook([{'chatops.rocketchat.' + module: dict(options, exclusive=True)}
                        for module, options in sorted(maps.items())], module_defaults=connection_vars(sandbox))
    assert [r["changed"] for r in run.results] == [False, False, False], [(r.get("changes"), r.get("changed_ids")) for r in run.results]
    assert writes(sandbox) == []
