"""ldap_check's previews by real ansible-playbook against the Rocket.Chat sandbox and real slapd instances:
the maps from Git (role_mapping, channel_mapping, team_mapping) instead of the saved ones, filters with
the nested-group matching rule on directories that lack it, the users a sync would skip, and channel-map
entries that name a team's main room. Where the sandbox's own sync can tell, the preview is compared
with what it does."""

import json

import ldap3
import requests

from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_checks import run_checks
from tests.integration.helpers import connection_vars, run_playbook
from tests.integration.test_ldap_check_directory import ad_settings
from tests.integration.test_ldap_check_modules import (
    by_name, directory_settings, run_tasks, save_settings, typed_options,
)

CHECK = 'chatops.rocketchat.ldap_check'
IN_CHAIN = '1.2.840.113556.1.4.1941'
SAVED_ROLE_MAP = {'rocket-admin': 'admin'}


def role_sync_settings(sandbox, info, role_map=None):
    """Role sync on with the default posixGroup filter, and the given saved map."""
    return directory_settings(sandbox, LDAP_Sync_User_Data_Roles=True,
                              LDAP_Sync_User_Data_Roles_BaseDN=info['groups_dn'],
                              LDAP_Sync_User_Data_RolesMap=json.dumps(role_map or SAVED_ROLE_MAP))


def previews(result):
    return dict((user['username'], user) for user in result['users'])


# --- the maps from Git ----------------------------------------------------------------------------

def test_the_preflight_checks_the_role_map_from_git_not_the_saved_one(sandbox_clean, slapd):
    save_settings(sandbox_clean, role_sync_settings(sandbox_clean, slapd.info))
    git_roles = {'mappings': [{'group': 'manager', 'roles': ['leader', 'moderator']},
                              {'group': 'developers', 'roles': 'user'}],
                 'exclusive': True, 'validate_groups': True}
    users = [{'username': 'alice'}, {'username': 'frank'}]
    sandbox_clean.clear_requests()
    (saved, from_git, unmanaged, bad_role), output = run_tasks(sandbox_clean, [
        ('ldap_check', {'source': 'workspace', 'users': users, 'fail_on': 'never'}),
        ('ldap_check', {'source': 'workspace', 'users': users, 'fail_on': 'never', 'role_mapping': git_roles}),
        ('ldap_check', {'source': 'workspace', 'users': users, 'fail_on': 'never', 'role_mapping': {},
                        'channel_mapping': {}, 'team_mapping': {}}),
        ('ldap_check', {'source': 'workspace', 'role_mapping': {
            'mappings': [{'group': 'manager', 'roles': ['no-such-role']}]}}),
    ], check=True)
    assert not any(request['wrote'] for request in sandbox_clean.requests())
    assert previews(saved)['alice']['roles'] == ['admin'] and previews(saved)['frank']['roles'] == []
    # exclusive: the saved rocket-admin group is gone; frank is in manager.
    assert previews(from_git)['alice']['roles'] == []
    assert previews(from_git)['frank']['roles'] == ['leader', 'moderator']
    assert from_git['maps']['roles'] == [{'group': 'manager', 'roles': ['leader', 'moderator']},
                                         {'group': 'developers', 'roles': ['user']}]
    # {} (the role's default for an unmanaged map): what is saved.
    assert unmanaged['maps'] == saved['maps'] and previews(unmanaged)['alice']['roles'] == ['admin']
    assert bad_role['failed'] is True
    assert 'no-such-role (group manager)' in by_name(bad_role)['roles mapping']['detail']
    assert sandbox_clean.env['ldap_bind_password'] not in output


def test_the_previewed_maps_are_the_ones_the_mapping_modules_leave(sandbox_clean, slapd):
    info = slapd.info
    saved = role_sync_settings(sandbox_clean, info, {'rocket-admin': ['admin', 'leader'], 'employee': 'user'})
    save_settings(sandbox_clean, dict(saved, LDAP_Groups_To_Rocket_Chat_Teams=json.dumps({'Sales': ['support']})))
    role_mapping = {'mappings': [{'group': 'rocket-admin', 'roles': ['leader']}, {'group': 'employee'}],
                    'state': 'absent'}
    channel_mapping = {'enabled': True, 'base_dn': info['groups_dn'], 'mappings': [
        {'group': 'developers', 'channels': ['dev-room', 'ops-room']}, {'group': 'manager', 'channels': 'managers'}]}
    team_mapping = {'enabled': True, 'base_dn': info['teams_dn'], 'name_attributes': ['ou'],
                    'mappings': [{'group': 'Engineering', 'teams': ['engineering']}]}
    options = dict(role_mapping=role_mapping, channel_mapping=channel_mapping, team_mapping=team_mapping)
    (preview,), _ = run_tasks(sandbox_clean, [('ldap_check', dict(
        options, source='workspace', fail_on='never', users=[{'username': 'heidi'}]))])
    # Apply the same options with the mapping modules, then check what is saved.
    (roles, channels, teams, after), _ = run_tasks(sandbox_clean, [
        ('ldap_role_mapping', role_mapping), ('ldap_channel_mapping', channel_mapping),
        ('ldap_team_mapping', team_mapping),
        ('ldap_check', {'source': 'workspace', 'fail_on': 'never', 'users': [{'username': 'heidi'}]})])
    for result in (roles, channels, teams, after):
        assert result.get('failed') is not True, result
    assert preview['maps'] == after['maps']
    assert preview['maps']['roles'] == [{'group': 'rocket-admin', 'roles': ['admin']}]
    assert preview['maps']['teams'] == [{'group': 'Sales', 'teams': ['support']},
                                        {'group': 'Engineering', 'teams': ['engineering']}]
    heidi, heidi_after = preview['users'][0], after['users'][0]
    # Merged into the saved map (the server's default maps employee, everyone here, to general).
    assert heidi['channels'] == heidi_after['channels'] == ['dev-room', 'general', 'ops-room']
    assert heidi['teams'] == heidi_after['teams'] == ['engineering']
    names = [item['name'] for item in preview['checks']]
    assert names == [item['name'] for item in after['checks']]


def test_mapping_options_are_checked_like_the_mapping_modules_check_them(slapd):
    typed = dict(typed_options(slapd.info), fail_on='never')
    run = run_playbook([
        {CHECK: dict(typed, role_mapping={'mappings': [{'group': 'a', 'roles': ['admin']}], 'state': 'absent',
                                          'exclusive': True})},
        {CHECK: dict(typed, channel_mapping={'validation_strategy': 'sometimes'})},
        {CHECK: dict(typed, role_mapping={'base_dn': 'ou=x'}, settings={'LDAP_Sync_User_Data_Roles_BaseDN': 'ou=y'})},
        {CHECK: dict(typed, team_mapping={'mappings': [{'group': 'Sales'}]})},
    ])
    absent_exclusive, bad_choice, twice, no_teams = run.results
    assert absent_exclusive['failed'] is True and absent_exclusive['invalid'] == ['role_mapping.exclusive']
    assert bad_choice['failed'] is True
    assert 'validation_strategy' in bad_choice['msg'] and 'each_group, once' in bad_choice['msg']
    assert twice['failed'] is True and twice['invalid'] == ['role_mapping.base_dn']
    assert 'settings.LDAP_Sync_User_Data_Roles_BaseDN' in twice['msg']
    assert no_teams['failed'] is True and 'team_mapping.mappings[0].teams is required' in no_teams['msg']


# --- the nested-group matching rule ---------------------------------------------------------------

def test_slapd_does_not_resolve_the_nested_group_rule(slapd):
    """The premise: on slapd the rule's filter matches nothing, although heidi is in staff through engineering."""
    info = slapd.info
    server = ldap3.Server(info['host'], port=info['port'], get_info=ldap3.NONE)
    with ldap3.Connection(server, info['ldap_bind_dn'], info['ldap_bind_password'], auto_bind=True) as conn:
        heidi = 'uid=heidi,%s' % info['users_dn']
        conn.search(info['groups_dn'], '(&(cn=engineering)(member=%s))' % heidi, attributes=['1.1'])
        assert len(conn.entries) == 1
        conn.search(info['groups_dn'], '(&(cn=staff)(member:%s:=%s))' % (IN_CHAIN, heidi), attributes=['1.1'])
        assert len(conn.entries) == 0 and conn.result['result'] == 0


def test_a_nested_group_role_filter_fails_on_openldap(slapd):
    info = slapd.info
    nested = '(&(cn=#{groupName})(member:%s:=#{userdn}))' % IN_CHAIN
    role_mapping = {'enabled': True, 'base_dn': info['groups_dn'], 'filter': nested,
                    'mappings': [{'group': 'staff', 'roles': ['user']}, {'group': 'admins', 'roles': ['admin']}]}
    run = run_playbook([
        {CHECK: dict(typed_options(info), role_mapping=role_mapping, users=[{'username': 'heidi'}])},
        {CHECK: dict(typed_options(info), users=[{'username': 'heidi'}, {'username': 'alice'}],
                     role_mapping=dict(role_mapping, filter='(&(cn=#{groupName})(member=#{userdn}))'))},
    ])
    nested_result, plain = run.results
    assert nested_result['failed'] is True
    item = by_name(nested_result)['filter: matching rules']
    assert item['status'] == 'fail'
    for fragment in ('LDAP_Sync_User_Data_Roles_Filter', nested, IN_CHAIN, 'LDAP_MATCHING_RULE_IN_CHAIN',
                     'the directory does not support', 'matches nothing'):
        assert fragment in item['detail'], fragment
    # No per-user verdict from a filter that matches nothing ("in none of the mapped groups" would mislead).
    assert 'user heidi: roles' not in by_name(nested_result) and 'roles' not in nested_result['users'][0]
    assert 'filter: matching rules' not in by_name(plain)  # no matching rule, no probe
    assert previews(plain)['alice']['roles'] == ['admin'] and previews(plain)['heidi']['roles'] == []


def test_nested_group_filters_fail_on_the_ad_like_slapd(slapd_ad):
    """The ad flavour is slapd too: AD-style nested filters in the user search and the group filter fail."""
    info = slapd_ad.info
    staff = 'cn=All Staff,%s' % info['groups_dn']
    settings = ad_settings(info, LDAP_User_Search_Filter='(&(objectClass=user)(memberOf:%s:=%s))' % (IN_CHAIN, staff),
                           LDAP_Group_Filter_Enable=True, LDAP_Group_Filter_ObjectClass='group',
                           LDAP_Group_Filter_Group_Member_Attribute='member:%s:' % IN_CHAIN,
                           LDAP_Group_Filter_Group_Member_Format='#{userdn}',
                           LDAP_Group_Filter_Group_Id_Attribute='cn', LDAP_Group_Filter_Group_Name='All Staff')
    report, result = run_checks(settings, users=[{'username': 'aadams'}])
    items = dict((item['name'], item) for item in report.items)
    item = items['filter: matching rules']
    assert item['status'] == 'fail'
    assert 'LDAP_User_Search_Filter' in item['detail'] and 'the user search finds nobody' in item['detail']
    assert 'the group filter (LDAP_Group_Filter_Group_Member_Attribute)' in item['detail']
    assert 'admits nobody' in item['detail'] and item['detail'].count('does not support') == 2
    assert result['import_count']['matching'] == 0  # what the server would see, too


# --- users a sync would skip ----------------------------------------------------------------------

def test_the_users_a_sync_skips_are_named_and_the_sandbox_sync_agrees(sandbox_clean, slapd):
    settings = directory_settings(sandbox_clean, LDAP_Background_Sync=True)
    save_settings(sandbox_clean, settings)
    (result,), _ = run_tasks(sandbox_clean, [('ldap_check', {'source': 'workspace', 'fail_on': 'never'})])
    counts = result['import_count']
    oscar = 'uid=oscar,%s' % slapd.info['users_dn']
    assert counts['skipped'] == [{'username': 'oscar', 'dn': oscar, 'reason': 'no e-mail'}]
    assert counts['skipped_count'] == 1 and counts['importable'] == counts['matching'] - 1
    item = by_name(result)['users to import']
    assert item['status'] == 'warn' and 'a sync skips 1 user without an e-mail address' in item['detail']
    assert 'oscar (%s)' % oscar in item['detail']

    synced = requests.post(sandbox_clean.url + '/api/v1/ldap.syncNow', json={},
                           headers=sandbox_clean.admin_headers, timeout=60)
    assert synced.status_code == 200, synced.text
    imported = [user['username'] for user in sandbox_clean.state()['users'] if user.get('ldap')]
    assert len(imported) == counts['importable'] and 'oscar' not in imported


# --- channel-map entries naming a team's main room ---------------------------------------------------

def test_a_channel_map_entry_naming_a_team_main_room_warns_as_the_sandbox_sync_skips_it(sandbox_clean, slapd):
    info = slapd.info
    # "engineering" and "support" are teams in a fresh sandbox: their main rooms are named like them.
    settings = directory_settings(sandbox_clean, LDAP_Sync_User_Data_Channels=True,
                                  LDAP_Sync_User_Data_Channels_BaseDN=info['groups_dn'],
                                  LDAP_Sync_User_Data_ChannelsMap=json.dumps(
                                      {'developers': ['engineering', 'dev-room']}),
                                  LDAP_Background_Sync=True)
    save_settings(sandbox_clean, settings)
    team_room = requests.get(sandbox_clean.url + '/api/v1/channels.info', params={'roomName': 'engineering'},
                             headers=sandbox_clean.admin_headers, timeout=30).json()
    assert team_room['channel']['teamMain'] is True  # the sandbox answers as the server does
    sandbox_clean.clear_requests()
    many = dict(('group%02d' % number, 'room%02d' % number) for number in range(12))
    (saved, from_git, bounded), _ = run_tasks(sandbox_clean, [
        ('ldap_check', {'source': 'workspace', 'fail_on': 'never', 'users': [{'username': 'heidi'}]}),
        ('ldap_check', {'source': 'workspace', 'fail_on': 'never', 'channel_mapping': {
            'mappings': [{'group': 'manager', 'channels': ['support']}], 'exclusive': True}}),
        ('ldap_check', {'source': 'workspace', 'fail_on': 'never', 'channel_mapping': {
            'mappings': [{'group': group, 'channels': room} for group, room in many.items()], 'exclusive': True}}),
    ])
    item = by_name(saved)['channels mapping: team main rooms']
    assert item['status'] == 'warn' and 'engineering (group developers)' in item['detail']
    assert 'dev-room' not in item['detail'] and 'ldap_team_mapping' in item['detail']
    item = by_name(from_git)['channels mapping: team main rooms']
    assert item['status'] == 'warn' and 'support (group manager)' in item['detail']
    assert 'engineering' not in item['detail']
    item = by_name(bounded)['channels mapping: team main rooms']
    assert item['status'] == 'ok' and '2 mapped channel(s) not looked up' in item['detail']
    lookups = [r for r in sandbox_clean.requests() if r['path'].endswith('/channels.info')]
    assert len(lookups) == 2 + 1 + 10  # bounded per run
    assert not any(r['wrote'] for r in sandbox_clean.requests())
    # The preview still lists the channel (the server resolves the group), but the sync skips it.
    assert saved['users'][0]['channels'] == ['dev-room', 'engineering']

    synced = requests.post(sandbox_clean.url + '/api/v1/ldap.syncNow', json={},
                           headers=sandbox_clean.admin_headers, timeout=60)
    assert synced.status_code == 200, synced.text
    log = [line['line'] for line in sandbox_clean.state()['log']]
    assert any("Can't add user to channel engineering because it is a team" in line for line in log)


def test_source_options_looks_no_room_up(sandbox_clean, slapd):
    typed = dict(typed_options(slapd.info), fail_on='never', channel_mapping={
        'enabled': True, 'base_dn': slapd.info['groups_dn'], 'mappings': [{'group': 'developers',
                                                                           'channels': ['engineering']}]})
    sandbox_clean.clear_requests()
    run = run_playbook([{CHECK: typed}], module_defaults=connection_vars(sandbox_clean))
    result = run.results[0]
    assert 'channels mapping: team main rooms' not in by_name(result)
    assert by_name(result)['channels mapping']['status'] == 'ok'
    assert not [r for r in sandbox_clean.requests() if r['path'].endswith('/channels.info')]


def test_mapping_options_are_no_place_for_connection_settings(slapd):
    options = ('role_mapping', 'channel_mapping', 'team_mapping')
    run = run_playbook([{CHECK: dict(typed_options(slapd.info), **{option: {'ldap_settings': {}}})}
                        for option in options])
    for option, result in zip(options, run.results):
        assert result['failed'] is True
        assert 'ldap_settings' in result['msg'] and option in result['msg'], result['msg']
