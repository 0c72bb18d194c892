"""ldap_check and the server-test modules, for requirements the other tests leave out: the role, channel
and team base DNs, the per-user channel and team preview, the page-size warning of the import count,
the preview's agreement with the sandbox's sync for channels, teams and the Active Directory flavour,
and the 9.0 answer to a caller without the test-admin-options permission.

Runs real ansible-playbook against the sandbox and real slapd instances (tests/sandbox/fixtures.py)."""

import json

import ldap3
import pytest
import requests

from tests.integration.helpers import run_playbook
from tests.integration.test_ldap_check_directory import ad_settings
from tests.integration.test_ldap_check_modules import (
    by_name, directory_settings, run_tasks, save_settings, typed_options,
)
from tests.sandbox.ldap import Slapd

CHECK = 'chatops.rocketchat.ldap_check'
MISSING_DN = 'ou=nowhere,dc=example,dc=org'
ROLE_MAP = {'rocket-admin': 'admin', 'manager': ['leader', 'moderator']}
# Channels a sync creates (none exists in a fresh sandbox) and the sandbox's built-in teams.
CHANNEL_MAP = {'rocket-admin': ['ops-room'], 'manager': 'managers', 'developers': ['dev-room', 'ops-room'],
               'employee': 'all-hands'}
TEAM_MAP = {'Engineering': ['engineering'], 'Sales': ['support']}


def check_directly(info, users=(), fail_on='never', **settings):
    """One ldap_check task from its typed options (service bind through authentication.bind_password)
    plus the raw ``settings`` map; no Rocket.Chat involved. Returns the task's result."""
    args = dict(typed_options(info), users=list(users), fail_on=fail_on)
    if settings:
        args['settings'] = settings
    return run_playbook([{CHECK: args}]).results[0]


def channel_and_team_settings(info):
    """The role, channel and team maps of the openldap sample directory, all on."""
    return dict(
        LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=info['groups_dn'],
        LDAP_Sync_User_Data_RolesMap=json.dumps(ROLE_MAP),
        LDAP_Sync_User_Data_Channels=True, LDAP_Sync_User_Data_Channels_BaseDN=info['groups_dn'],
        LDAP_Sync_User_Data_ChannelsMap=json.dumps(CHANNEL_MAP),
        LDAP_Enable_LDAP_Groups_To_RC_Teams=True, LDAP_Groups_To_Rocket_Chat_Teams=json.dumps(TEAM_MAP))


def sync_now(sandbox):
    """The server's Sync Now, sent directly (the preview is compared with what it does)."""
    reply = requests.post(sandbox.url + '/api/v1/ldap.syncNow', json={}, headers=sandbox.admin_headers, timeout=120)
    assert reply.status_code == 200, reply.text


def ldap_users(sandbox):
    """{username: user} of the sandbox users a sync or login created from the directory."""
    return dict((user['username'], user) for user in sandbox.state()['users'] if user.get('ldap'))


# --- base DNs of the maps --------------------------------------------------------------------------

@pytest.fixture(scope='module')
def missing_map_base_dns(slapd):
    """One ldap_check run whose role, channel and team base DNs do not exist, previewing alice."""
    info = slapd.info
    settings = channel_and_team_settings(info)
    settings.update(LDAP_Sync_User_Data_Roles_BaseDN=MISSING_DN, LDAP_Sync_User_Data_Channels_BaseDN=MISSING_DN,
                    LDAP_Teams_BaseDN=MISSING_DN)
    return check_directly(info, users=[{'username': 'alice'}], fail_on='fail', **settings)


def test_missing_role_channel_and_team_base_dns_fail(missing_map_base_dns):
    result = missing_map_base_dns
    checks = by_name(result)
    assert result['failed'] is True
    assert checks['base DN: users']['status'] == 'ok'
    for kind, setting_id in (('roles', 'LDAP_Sync_User_Data_Roles_BaseDN'),
                             ('channels', 'LDAP_Sync_User_Data_Channels_BaseDN'),
                             ('teams', 'LDAP_Teams_BaseDN')):
        item = checks['base DN: %s' % kind]
        assert item['status'] == 'fail', item
        assert setting_id in item['detail'] and MISSING_DN in item['detail'] and 'does not exist' in item['detail']
    # the maps themselves are fine: only their base DNs are wrong
    assert [checks[name]['status'] for name in ('roles mapping', 'channels mapping', 'teams mapping')] == ['ok'] * 3
    assert result['users'][0]['found'] is True


def test_nothing_is_previewed_from_a_missing_map_base_dn(missing_map_base_dns):
    # Once a map's base DN failed, the per-user grants of that map cannot be known: like the roles and
    # channels, the teams get no per-user item (one more failure per user) and no preview value.
    checks = by_name(missing_map_base_dns)
    alice = missing_map_base_dns['users'][0]
    for kind in ('roles', 'channels', 'teams'):
        assert 'user alice: %s' % kind not in checks, (kind, checks.get('user alice: %s' % kind))
        assert kind not in alice, (kind, alice)


def test_existing_map_base_dns_pass_and_the_teams_base_dn_falls_back_to_the_user_base_dn(slapd):
    info = slapd.info
    result = check_directly(info, **channel_and_team_settings(info))
    checks = by_name(result)
    assert checks['base DN: roles']['status'] == 'ok' and checks['base DN: channels']['status'] == 'ok'
    assert checks['base DN: teams']['status'] == 'ok'
    assert checks['base DN: teams']['detail'] == '%s exists' % info['ldap_base_dn']


# --- per-user channels and teams ---------------------------------------------------------------------

def test_preview_of_channels_and_teams_per_user(slapd):
    info = slapd.info
    users = [{'username': name} for name in ('alice', 'frank', 'heidi', 'nina', 'carol')]
    result = check_directly(info, users=users, **channel_and_team_settings(info))
    checks = by_name(result)
    previews = dict((user['username'], user) for user in result['users'])
    assert previews['alice']['channels'] == ['all-hands', 'ops-room'] and previews['alice']['teams'] == []
    assert previews['alice']['roles'] == ['admin']
    assert previews['frank']['channels'] == ['all-hands', 'managers'] and previews['frank']['roles'] == ['leader',
                                                                                                         'moderator']
    assert previews['heidi']['channels'] == ['all-hands', 'dev-room', 'ops-room']
    assert previews['heidi']['teams'] == ['engineering']
    assert previews['nina']['channels'] == ['all-hands'] and previews['nina']['teams'] == ['support']
    assert previews['carol']['channels'] == ['all-hands'] and previews['carol']['teams'] == []
    assert checks['user heidi: channels']['status'] == 'ok'
    assert 'member of developers, employee' in checks['user heidi: channels']['detail']
    assert 'dev-room' in checks['user heidi: channels']['detail']
    assert checks['user heidi: teams']['detail'] == 'groups Engineering: joins teams engineering'
    assert checks['user carol: teams']['detail'] == 'no mapped team group found for this user'


# --- the import count against the page size -----------------------------------------------------------

LARGE_USERS = 1100  # above the harness slapd's 1000-entry cap on unpaged searches


@pytest.fixture(scope='module')
def slapd_large():
    """A generated directory of LARGE_USERS users (a few seconds to build)."""
    with Slapd(flavour='large', large_users=LARGE_USERS, large_groups=5) as directory:
        yield directory


def unpaged_search_is_capped(info):
    """What the directory does with one unpaged search of every user as the service account."""
    server = ldap3.Server(info['host'], port=info['port'], get_info=ldap3.NONE)
    with ldap3.Connection(server, info['ldap_bind_dn'], info['ldap_bind_password'], auto_bind=True) as conn:
        conn.search(info['users_dn'], '(uid=*)', attributes=['1.1'])
        return conn.result['description'] == 'sizeLimitExceeded', len(conn.entries)


def test_page_size_zero_warns_when_more_users_would_be_imported_than_one_unpaged_search_returns(slapd_large):
    info = slapd_large.info
    capped, returned = unpaged_search_is_capped(info)
    assert capped and returned < LARGE_USERS  # what the warning is about, as this directory does it

    unpaged = dict(user_search={'base_dn': info['ldap_base_dn'], 'search_field': 'uid', 'page_size': 0,
                                'size_limit': 0})
    paged = dict(unpaged, user_search=dict(unpaged['user_search'], page_size=250))
    run = run_playbook([{CHECK: dict(typed_options(info), fail_on='never', **options)} for options in (unpaged, paged)])
    without_paging, with_paging = run.results
    item = by_name(without_paging)['users to import']
    assert item['status'] == 'warn', item
    assert 'LDAP_Search_Page_Size is 0' in item['detail']
    assert without_paging['import_count'] == {'matching': LARGE_USERS, 'importable': LARGE_USERS,
                                              'skipped_count': 0, 'skipped': []}
    item = by_name(with_paging)['users to import']
    assert item['status'] == 'ok' and 'Page_Size' not in item['detail'], item
    assert with_paging['import_count']['matching'] == LARGE_USERS


def test_page_size_zero_does_not_warn_for_a_small_directory(slapd):
    info = slapd.info
    # A default domain gives oscar (no mail) an address: no warning about users a sync skips either.
    args = dict(typed_options(info), fail_on='never', data_sync={'default_domain': 'example.org'},
                user_search={'base_dn': info['ldap_base_dn'], 'search_field': 'uid', 'page_size': 0})
    result = run_playbook([{CHECK: args}]).results[0]
    item = by_name(result)['users to import']
    assert item['status'] == 'ok' and 'Page_Size' not in item['detail'], item
    assert result['import_count']['matching'] == 32


def test_the_sandbox_sync_imports_nobody_from_the_large_directory_without_paging(sandbox_clean, slapd_large):
    # The agreement behind the warning: the server's unpaged search of all users ends with
    # sizeLimitExceeded, so the sync stops; with paging the same sync imports every user.
    info = slapd_large.info
    settings = dict(LDAP_Enable=True, LDAP_Server_Type='', LDAP_Host=info['host'], LDAP_Port=info['port'],
                    LDAP_Encryption='plain', LDAP_Authentication=True,
                    LDAP_Authentication_UserDN=info['ldap_bind_dn'],
                    LDAP_Authentication_Password=info['ldap_bind_password'], LDAP_BaseDN=info['ldap_base_dn'],
                    LDAP_User_Search_Field='uid', LDAP_Username_Field='uid', LDAP_Search_Size_Limit=0,
                    LDAP_Search_Page_Size=0, LDAP_Background_Sync=True)
    save_settings(sandbox_clean, settings)
    sync_now(sandbox_clean)
    assert len(ldap_users(sandbox_clean)) == 0
    save_settings(sandbox_clean, {'LDAP_Search_Page_Size': 250})
    sync_now(sandbox_clean)
    assert len(ldap_users(sandbox_clean)) == LARGE_USERS


# --- agreement with the sandbox: channels and teams -------------------------------------------------------

AGREEMENT_USERS = ['alice', 'bob', 'carol', 'frank', 'heidi', 'nina', 'oscar', 'rupert']


def members_by_name(rooms, users_by_id):
    return dict((room['name'], set(users_by_id.get(member) for member in room['members'])) for room in rooms)


def test_channel_and_team_preview_agrees_with_the_sandbox_sync(sandbox_clean, slapd):
    settings = directory_settings(sandbox_clean, LDAP_Background_Sync=True, **channel_and_team_settings(slapd.info))
    save_settings(sandbox_clean, settings)
    (preview,), _ = run_tasks(sandbox_clean, [
        ('ldap_check', {'source': 'workspace', 'fail_on': 'never',
                        'users': [{'username': name} for name in AGREEMENT_USERS]})])
    assert by_name(preview)['channels mapping']['status'] == 'ok', preview
    sync_now(sandbox_clean)

    state = sandbox_clean.state()
    users_by_id = dict((user['_id'], user['username']) for user in state['users'])
    channels = members_by_name(state['channels'], users_by_id)
    teams = members_by_name(state['teams'], users_by_id)
    mapped_channels = set(name for value in CHANNEL_MAP.values() for name in ([value] if isinstance(value, str)
                                                                             else value))
    mapped_teams = set(name for names in TEAM_MAP.values() for name in names)
    imported = ldap_users(sandbox_clean)
    assert mapped_channels <= set(channels), sorted(channels)  # the sync created every mapped channel
    compared = 0
    for user in preview['users']:
        name = user['username']
        if by_name(preview)['user %s: mapping' % name]['status'] == 'fail':
            assert name not in imported  # oscar: no e-mail
            continue
        assert name in imported, name
        joined = sorted(channel for channel in mapped_channels if name in channels[channel])
        assert joined == user['channels'], (name, joined, user['channels'])
        in_teams = sorted(team for team in mapped_teams if name in teams[team])
        assert in_teams == user['teams'], (name, in_teams, user['teams'])
        compared += 1
    assert compared == len(AGREEMENT_USERS) - 1


# --- agreement with the sandbox: the Active Directory flavour ---------------------------------------------

AD_USERS = ['aadams', 'bbaker', 'ccooper', 'ddiaz', 'eellis', 'ffischer', 'hhughes']


def test_active_directory_preview_agrees_with_the_sandbox_sync(sandbox_clean, slapd_ad):
    info = slapd_ad.info
    settings = ad_settings(
        info, LDAP_Background_Sync=True, LDAP_Sync_User_Active_State='disable',
        LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=info['groups_dn'],
        LDAP_Sync_User_Data_Roles_Filter='(&(objectClass=group)(sAMAccountName=#{groupName})(member=#{userdn}))',
        LDAP_Sync_User_Data_RolesMap=json.dumps({'rocket-admins': 'admin', 'support': 'livechat-agent'}))
    save_settings(sandbox_clean, settings)
    users = [{'username': name, 'password': '%s-pass' % name} for name in AD_USERS]
    (preview,), output = run_tasks(sandbox_clean, [
        ('ldap_check', {'source': 'workspace', 'fail_on': 'never', 'users': users})])
    assert info['ldap_bind_password'] not in output
    checks = by_name(preview)
    assert checks['bind']['status'] == 'ok' and 'LDAPS' in checks['encryption']['detail']
    sync_now(sandbox_clean)
    imported = ldap_users(sandbox_clean)

    for user in preview['users']:
        name = user['username']
        expected = user['rocketchat']
        if checks['user %s: mapping' % name]['status'] == 'fail':
            assert expected['username'] not in imported, name  # ffischer: no e-mail
            continue
        actual = imported[expected['username']]
        assert expected['username'] == name  # sAMAccountName, as the login name
        assert [e['address'] for e in actual['emails']] == [expected['email']], name
        assert actual['name'] == expected['name'], name
        assert expected['unique_id_attribute'] == 'objectGUID'
        assert actual['services']['ldap'] == {'id': expected['unique_id'], 'idAttribute': 'objectGUID'}, name
        assert set(actual['roles']) == set(user['roles']) | {'user'}, name
        disabled = checks['user %s: state' % name]['status'] == 'warn'
        assert actual['active'] is not disabled, name
    assert set(AD_USERS) - {'ffischer'} <= set(imported) and len(imported) == 11  # the 12 sample users but ffischer
    assert imported['ddiaz']['active'] is False and 'userAccountControl' in checks['user ddiaz: state']['detail']
    assert imported['aadams']['active'] is True
    assert len(bytes.fromhex(imported['aadams']['services']['ldap']['id'])) == 16


# --- the server tests on 9.0 without permission -----------------------------------------------------------

def test_server_tests_on_9_without_permission_name_the_permission(sandbox_clean):
    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    sandbox_clean.config(version='9.0.0')
    (connection, search), output = run_tasks(sandbox_clean, [
        ('ldap_test_connection', {}), ('ldap_test_search', {'usernames': ['alice']})], auth='user')
    for result in (connection, search):
        assert result['failed'] is True and result['status'] == 403, result
        assert result['server_error'] == 'error-forbidden'
        assert result['details'] == {'permissions': ['test-admin-options']}
        assert 'test-admin-options' in result['msg'] and 'test-admin-options' in result['meaning']
        assert result['server_version'].startswith('9.0')
    assert sandbox_clean.env['user_password'] not in output
    # the admin, who has the permission, passes on the same server
    (admin_connection,), _ = run_tasks(sandbox_clean, [('ldap_test_connection', {})])
    assert admin_connection.get('failed') is not True and admin_connection['bind_verified'] is True
