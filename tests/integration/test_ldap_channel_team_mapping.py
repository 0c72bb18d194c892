"""ldap_channel_mapping and ldap_team_mapping through real ansible-playbook runs against the sandbox and
slapd: what they store, what they report, and what a sync then does with it."""

import json

from tests.integration.helpers import connection_vars, run_playbook
from tests.integration.test_ldap_role_mapping import SYNC, configure, rest, stored, writes

CHANNEL_MAPPING = 'chatops.rocketchat.ldap_channel_mapping'
TEAM_MAPPING = 'chatops.rocketchat.ldap_team_mapping'
CHANNELS_MAP = 'LDAP_Sync_User_Data_ChannelsMap'
TEAMS_MAP = 'LDAP_Groups_To_Rocket_Chat_Teams'


def channel_members(sandbox, name):
    channel = rest(sandbox, 'GET', 'channels.info', params={'roomName': name})['channel']
    members = rest(sandbox, 'GET', 'channels.members', params={'roomName': name, 'count': 0})['members']
    return channel, sorted(m['username'] for m in members)


def team_members(sandbox, name):
    members = rest(sandbox, 'GET', 'teams.members', params={'teamName': name, 'count': 0})['members']
    return sorted(m['user']['username'] for m in members)


def test_channels_a_sync_would_create_are_reported_then_created(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    task = {CHANNEL_MAPPING: {'enabled': True, 'base_dn': sandbox.env['groups_dn'], 'exclusive': True,
                              'validate_groups': True,
                              'mappings': [{'group': 'rocket-admin', 'channels': ['ops-room', 'general']},
                                           {'group': 'manager', 'channels': 'managers'}]}}
    run = run_playbook([task, task, {SYNC: {}}], module_defaults=connection_vars(sandbox))
    first, second, sync = run.results
    assert first['changed'] and first['missing_groups'] == [], run
    assert first['channels'] == {'to_create': ['ops-room', 'managers'], 'unchecked': [], 'admin_user': 'rocket.cat',
                                 'admin_user_exists': True, 'team_main_rooms': []}
    assert json.loads(stored(sandbox, CHANNELS_MAP)) == {'rocket-admin': ['ops-room', 'general'],
                                                         'manager': 'managers'}
    assert not second['changed']
    assert sync['synced']

    ops, ops_members = channel_members(sandbox, 'ops-room')
    assert ops['customFields'] == {'ldap': True} and ops['u']['username'] == 'rocket.cat'
    assert {'alice', 'bob'} <= set(ops_members) and 'carol' not in ops_members
    assert {'frank', 'grace'} <= set(channel_members(sandbox, 'managers')[1])
    assert {'alice', 'bob'} <= set(channel_members(sandbox, 'general')[1])

    after = run_playbook([task], module_defaults=connection_vars(sandbox)).results[0]
    assert after['channels']['to_create'] == []


def test_a_missing_channel_admin_is_reported(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    result = run_playbook([{CHANNEL_MAPPING: {
        'admin_user': 'nobody-here', 'mappings': [{'group': 'manager', 'channels': ['managers']}]}}],
        module_defaults=connection_vars(sandbox), check=True).results[0]
    # the rest of the map is the server's default {"employee": "general", "techsupport": ["helpdesk", "support"]}
    # ("support" is the main room of a team)
    assert result['channels'] == {'to_create': ['helpdesk', 'managers'], 'unchecked': [],
                                  'admin_user': 'nobody-here', 'admin_user_exists': False,
                                  'team_main_rooms': ['support']}
    assert any('skips them' in warning for warning in result['warnings'])
    assert writes(sandbox) == []


def lookups(sandbox, path):
    return [r for r in sandbox.requests() if r['path'] == '/api/v1/' + path]


def test_channel_and_team_lookups_are_capped_whatever_the_size_of_the_map(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    sandbox.clear_requests()
    many = [{'group': 'group-%02d' % n, 'channels': ['room-%02d' % n, 'general']} for n in range(14)]
    channels = run_playbook([{CHANNEL_MAPPING: {'exclusive': True, 'mappings': many}}],
                            module_defaults=connection_vars(sandbox), check=True).results[0]
    # distinct names in map order: room-00, general, room-01 ... room-13 (15); the first 10 are looked up
    assert channels['channels']['to_create'] == ['room-%02d' % n for n in range(9)], channels
    assert channels['channels']['unchecked'] == ['room-%02d' % n for n in range(9, 14)]
    assert len(lookups(sandbox, 'channels.info')) == 10
    assert any('5 mapped channels were not looked up' in warning for warning in channels['warnings'])

    sandbox.clear_requests()
    teams = [{'group': 'group-%02d' % n, 'teams': ['team-%02d' % n]} for n in range(12)]
    teams[0]['teams'].append('engineering')
    result = run_playbook([{TEAM_MAPPING: {'exclusive': True, 'mappings': teams}}],
                          module_defaults=connection_vars(sandbox), check=True).results[0]
    assert result['teams']['missing'] == ['team-%02d' % n for n in range(9)], result
    assert result['teams']['unchecked'] == ['team-%02d' % n for n in range(9, 12)]
    assert len(lookups(sandbox, 'teams.info')) == 10
    assert writes(sandbox) == []


def save_settings_without_validation_rules(sandbox, values):
    """Store values through the saveSettings method, which skips the validation rules (Rocket.Chat's apps/meteor/server/methods/saveSettings.ts),
    as a pre-8.6 server or an old release may have left them."""
    frame = {'msg': 'method', 'id': '1', 'method': 'saveSettings',
             'params': [[{'_id': k, 'value': v} for k, v in values.items()]]}
    rest(sandbox, 'POST', 'method.call/saveSettings', json={'message': json.dumps(frame)})
    sandbox.clear_requests()


def test_teams_map_values_are_lists_and_the_base_dn_falls_back_to_the_user_base_dn(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    # The server only accepts lists: a stored plain string means the same but must be rewritten.
    save_settings_without_validation_rules(sandbox, {TEAMS_MAP: json.dumps({'Engineering': 'engineering'})})
    task = {TEAM_MAPPING: {'enabled': True, 'validate_each_login': True, 'name_attributes': ['ou'],
                           'validate_groups': True,
                           'mappings': [{'group': 'Engineering', 'teams': 'engineering'},
                                        {'group': 'Sales', 'teams': ['support', 'Nowhere']}]}}
    run = run_playbook([task, task, {SYNC: {}}], module_defaults=connection_vars(sandbox))
    first, second, sync = run.results
    assert first['changed'] and first['missing_groups'] == [], run
    assert first['teams'] == {'missing': ['Nowhere'], 'unchecked': []}
    assert any('Nowhere' in warning for warning in first['warnings'])
    assert any('only accepts a list' in warning for warning in first['warnings'])
    assert json.loads(stored(sandbox, TEAMS_MAP)) == {'Engineering': ['engineering'], 'Sales': ['support', 'Nowhere']}
    assert stored(sandbox, 'LDAP_Teams_Name_Field') == 'ou' and stored(sandbox, 'LDAP_Teams_BaseDN') == ''
    assert not second['changed']
    assert sync['synced']
    assert {'heidi', 'ivan', 'judy', 'kevin', 'laura'} <= set(team_members(sandbox, 'engineering'))
    assert {'nina', 'peggy', 'quinn'} <= set(team_members(sandbox, 'support'))  # oscar has no mail: not imported
    assert 'nina' not in team_members(sandbox, 'engineering')


def test_teams_need_a_base_dn_somewhere_and_a_query_about_the_user(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox, LDAP_BaseDN='')
    conn = connection_vars(sandbox)
    mapping = [{'group': 'Engineering', 'teams': ['engineering']}]
    run = run_playbook([
        {TEAM_MAPPING: {'enabled': True, 'mappings': mapping}},
        {TEAM_MAPPING: {'enabled': True, 'base_dn': sandbox.env['teams_dn'], 'query': '(ou=*)', 'mappings': mapping}},
        {TEAM_MAPPING: {'query': '(&(ou=#{groupName})(uniqueMember=#{userdn}))', 'mappings': mapping}},
    ], module_defaults=conn)
    no_base, no_user, group_placeholder = run.results
    assert no_base['failed'] and 'LDAP_BaseDN' in no_base['msg'], run
    assert no_user['failed'] and 'every user would match' in no_user['msg']
    assert group_placeholder['failed'] and 'unknown placeholders #{groupName}' in group_placeholder['msg']
    assert writes(sandbox) == []
