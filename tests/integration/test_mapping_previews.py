"""What the mapping modules check in a merge-request preview, through real ansible-playbook runs against the
sandbox and the session's slapd: validate_groups with the candidate LDAP settings of the run (option
ldap_settings), team main rooms in the channel map, groups written as DNs, and the wording of drift."""

import json

import ldap3

from tests.integration.helpers import connection_vars, run_playbook
from tests.integration.test_ldap_channel_team_mapping import CHANNEL_MAPPING, TEAM_MAPPING, channel_members
from tests.integration.test_ldap_role_mapping import (
    GROUP_OF_NAMES_FILTER, ROLE_MAPPING, ROLES_MAP, SYNC, configure, modify_directory, stored, writes,
)


def candidate(sandbox, password=None):
    """The role's ldap_settings variable for the session's slapd (what Git says)."""
    env = sandbox.env
    return {
        'enabled': True,
        'server_type': 'other',
        'connection': {'host': env.get('host', 'localhost'), 'port': int(env['port']), 'encryption': 'plain'},
        'authentication': {'enabled': True, 'bind_dn': env['ldap_bind_dn'],
                           'bind_password': password or env['ldap_bind_password']},
        'user_search': {'base_dn': env['ldap_base_dn'], 'search_field': 'uid'},
        'data_sync': {'username_field': 'uid'},
        'settings': {'LDAP_Search_Page_Size': 250},
    }


def role_task(sandbox, groups, **extra):
    task = {'enabled': True, 'base_dn': sandbox.env['groups_dn'], 'filter': GROUP_OF_NAMES_FILTER,
            'validate_groups': True, 'mappings': [{'group': group, 'roles': 'admin'} for group in groups]}
    task.update(extra)
    return {ROLE_MAPPING: task}


def test_the_first_preview_of_a_new_workspace_searches_with_the_settings_in_git(sandbox_clean):
    sandbox = sandbox_clean  # not configured: no LDAP host is saved
    assert stored(sandbox, 'LDAP_Host') == ''
    env = sandbox.env
    git = {'ldap_settings': '{{ ldap_settings }}'}  # as the role passes its variable
    run = run_playbook([
        role_task(sandbox, ['admins', 'support'], **git),
        role_task(sandbox, ['admins', 'no-such-group'], **git),
        role_task(sandbox, ['admins']),
        {CHANNEL_MAPPING: dict(git, enabled=True, base_dn=env['groups_dn'], filter=GROUP_OF_NAMES_FILTER,
                               validate_groups=True, mappings=[{'group': 'support', 'channels': ['helpdesk']}])},
        {TEAM_MAPPING: dict(git, enabled=True, name_attributes=['ou'], validate_groups=True,
                            mappings=[{'group': 'Engineering', 'teams': ['engineering']}])},
        role_task(sandbox, ['admins'], validate_groups=False),
    ], module_defaults=connection_vars(sandbox), check=True, verbosity=3,
        play_vars={'ldap_settings': candidate(sandbox)})
    found, missing, without, channels, teams, unchecked = run.results
    assert found['changed'] and not found.get('failed') and found['missing_groups'] == [], run
    assert missing['failed'] and missing['missing_groups'] == ['no-such-group']
    # without the candidate settings, the saved ones (no host) cannot be searched
    assert without['failed'] and 'could not be searched' in without['msg'] and 'ldap_settings' in without['msg']
    assert not channels.get('failed') and channels['missing_groups'] == [], channels
    # the team base DN is empty: the search falls back to the candidate user base DN
    assert not teams.get('failed') and teams['missing_groups'] == [], teams
    # LDAP is off on the server, but on in Git: no warning that the mappings wait for it
    assert stored(sandbox, 'LDAP_Enable') is False
    assert not any('LDAP is disabled' in warning for warning in found.get('warnings', []))
    assert any('LDAP is disabled' in warning for warning in unchecked.get('warnings', [])), unchecked
    assert writes(sandbox) == [] and stored(sandbox, 'LDAP_Host') == ''
    assert env['ldap_bind_password'] not in run.output  # not even in the -vvv module arguments


def test_a_wrong_bind_password_in_git_fails_the_preview(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)  # the saved settings are right: only Git is wrong
    wrong = 'Wr0ng-Bind-Passw0rd'
    run = run_playbook([
        role_task(sandbox, ['admins']),
        role_task(sandbox, ['admins'], ldap_settings=candidate(sandbox, password=wrong)),
    ], module_defaults=connection_vars(sandbox), check=True, verbosity=3)
    saved, git = run.results
    assert not saved.get('failed') and saved['missing_groups'] == [], run
    assert git['failed'] and 'could not be searched with the candidate settings of ldap_settings' in git['msg'], git
    assert 'bind' in git['msg']
    assert wrong not in run.output and sandbox.env['ldap_bind_password'] not in run.output
    assert writes(sandbox) == []


def test_a_team_main_room_in_the_channel_map_is_warned_about_and_a_sync_skips_it(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    env = sandbox.env
    task = {CHANNEL_MAPPING: {'enabled': True, 'base_dn': env['groups_dn'], 'filter': GROUP_OF_NAMES_FILTER,
                              'exclusive': True, 'mappings': [{'group': 'engineering', 'channels': ['engineering']},
                                                              {'group': 'admins', 'channels': 'general'}]}}
    preview = run_playbook([task], module_defaults=connection_vars(sandbox), check=True).results[0]
    assert preview['channels']['team_main_rooms'] == ['engineering'], preview
    warnings = [w for w in preview['warnings'] if "team's main room" in w]
    assert len(warnings) == 1 and 'channel engineering (group engineering)' in warnings[0]
    assert 'ldap_team_mapping' in warnings[0]

    run = run_playbook([task, {SYNC: {}}], module_defaults=connection_vars(sandbox))
    applied, sync = run.results
    assert applied['changed'] and applied['channels']['team_main_rooms'] == ['engineering'], run
    assert sync['synced']
    # the sync added nobody to the team's main room, and said so only in the server log
    assert channel_members(sandbox, 'engineering')[1] == [env['admin_username']]
    assert {'alice', 'bob'} <= set(channel_members(sandbox, 'general')[1])
    assert any("Can't add user to channel engineering because it is a team" in entry['line']
               for entry in sandbox.state()['log'])


def test_with_auto_remove_a_team_main_room_ends_the_removal_pass(sandbox_clean, slapd):
    sandbox = sandbox_clean
    configure(sandbox)
    env = sandbox.env
    conn = connection_vars(sandbox)

    def mapping(channels):
        return {CHANNEL_MAPPING: {'enabled': True, 'auto_remove': True, 'base_dn': env['groups_dn'],
                                  'filter': GROUP_OF_NAMES_FILTER, 'exclusive': True,
                                  'mappings': [{'group': 'admins', 'channels': channels}]}}

    group_dn = 'cn=admins,%s' % env['groups_dn']
    alice_dn = 'uid=alice,%s' % env['users_dn']
    kept = {}
    for channels in (['support', 'general'], ['general', 'support']):
        sandbox.reset(startup=True)
        configure(sandbox)
        first = run_playbook([mapping(channels), {SYNC: {}}], module_defaults=conn).results
        assert any('stops removing users' in w for w in first[0]['warnings']), first[0]
        assert 'alice' in channel_members(sandbox, 'general')[1]
        modify_directory(slapd, group_dn, {'member': [(ldap3.MODIFY_DELETE, [alice_dn])]})
        try:
            again = run_playbook([{SYNC: {}}], module_defaults=conn).results[0]
        finally:
            modify_directory(slapd, group_dn, {'member': [(ldap3.MODIFY_ADD, [alice_dn])]})
        assert again['synced'], again
        kept[channels[0]] = 'alice' in channel_members(sandbox, 'general')[1]
    # the removal pass stops at the team's main room: general, mapped after it, keeps alice
    assert kept == {'support': True, 'general': False}


def test_groups_written_as_dns_are_warned_about_in_every_mapping_module(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    env = sandbox.env
    dn = 'cn=admins,%s' % env['groups_dn']
    run = run_playbook([
        {ROLE_MAPPING: {'enabled': True, 'base_dn': env['groups_dn'], 'filter': GROUP_OF_NAMES_FILTER,
                        'mappings': [{'group': dn, 'roles': 'admin'}]}},
        {CHANNEL_MAPPING: {'mappings': [{'group': dn, 'channels': 'general'}]}},
        {TEAM_MAPPING: {'mappings': [{'group': 'cn=team-engineering,%s' % env['teams_dn'], 'teams': 'engineering'}]}},
        # a filter comparing #{groupName} with memberOf takes DNs: no warning
        {ROLE_MAPPING: {'enabled': True, 'base_dn': env['users_dn'],
                        'filter': '(&(uid=#{username})(memberOf=#{groupName}))',
                        'mappings': [{'group': dn, 'roles': 'admin'}]}},
    ], module_defaults=connection_vars(sandbox), check=True)
    roles, channels, teams, member_of = run.results
    for result, name in ((roles, 'admins'), (channels, 'admins'), (teams, 'team-engineering')):
        assert not result.get('failed') and result['changed'], result
        dn_warnings = [w for w in result['warnings'] if 'written as a DN' in w]
        assert len(dn_warnings) == 1 and "use the group's name, e.g. '%s'" % name in dn_warnings[0], result
    assert "the ou/cn of the groups the query finds" in [w for w in teams['warnings'] if 'as a DN' in w][0]
    assert not member_of.get('failed') and not any('as a DN' in w for w in member_of.get('warnings', []))
    assert writes(sandbox) == []


def test_a_group_added_by_hand_is_reported_as_drift(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox, **{ROLES_MAP: json.dumps({'rocket-admin': 'admin', 'hand-made': ['bot', 'leader']})})
    task = {ROLE_MAPPING: {'exclusive': True, 'mappings': [{'group': 'rocket-admin', 'roles': 'admin'}]}}
    conn = connection_vars(sandbox)
    preview = run_playbook([task], module_defaults=conn, check=True).results[0]
    drift = 'group hand-made (roles bot, leader) is on the server but not in the inventory: %s (exclusive)'
    assert preview['changes'] == [drift % 'would be removed'], preview
    assert writes(sandbox) == []
    applied, again = run_playbook([task, task], module_defaults=conn).results
    assert applied['changes'] == [drift % 'removed'] and not again['changed'] and again['changes'] == []
    assert json.loads(stored(sandbox, ROLES_MAP)) == {'rocket-admin': 'admin'}
