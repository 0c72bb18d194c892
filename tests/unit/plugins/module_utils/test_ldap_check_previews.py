"""Unit tests of ldap_check's previews: the maps the mapping modules would leave, filters with a matching
rule the directory does not support, the users a sync would skip, and channel-map entries naming a team's
main room."""

import json

import pytest
import yaml

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    IN_CHAIN_RULE, SKIP_NO_EMAIL, DirectoryError, DirectorySettings, Entry, directory_features, matching_rules_in,
    sync_candidates,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_checks import (
    FAIL, OK, WARN, apply_mapping_options, check_matching_rules, check_team_main_rooms, check_user_count,
    filters_in_use, lookup_mapped_channels, mapping_options_argument_spec, name_skipped, previewed_maps, run_checks,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import CHANNELS, ROLES, TEAMS
from ansible_collections.chatops.rocketchat.plugins.module_utils._maps import MAX_NAME_LOOKUPS
from ansible_collections.chatops.rocketchat.plugins.modules import ldap_check

NESTED_ROLE_FILTER = '(&(cn=#{groupName})(member:%s:=#{userdn}))' % IN_CHAIN_RULE


def mapping_params(role=None, channel=None, team=None):
    """ldap_check's mapping options as Ansible hands them over: each suboption present, defaults applied."""
    params = {}
    for option, module_spec, given in (('role_mapping', ROLES, role), ('channel_mapping', CHANNELS,
                                                                              channel),
                                       ('team_mapping', TEAMS, team)):
        if given is None:
            params[option] = None
            continue
        spec = mapping_options_argument_spec()[option]['options']
        value = dict((name, option_spec.get('default')) for name, option_spec in spec.items())
        value.update(given)
        plural = module_spec.plural
        value['mappings'] = [dict({'group': None, plural: None}, **entry) for entry in value['mappings'] or []]
        params[option] = value
    return params


def stored_roles(values):
    return json.loads(values['LDAP_Sync_User_Data_RolesMap'])


# --- the maps the mapping modules would leave ----------------------------------------------------

SAVED = {'LDAP_Sync_User_Data_RolesMap': json.dumps({'rocket-admin': 'admin', 'support': ['livechat-agent']}),
         'LDAP_Sync_User_Data_Roles_BaseDN': 'ou=saved,dc=example,dc=org'}


@pytest.mark.parametrize('role', [None, {}])
def test_an_empty_or_missing_mapping_option_leaves_the_saved_map(role):
    values = dict(SAVED)
    assert apply_mapping_options(values, {}, mapping_params(role=role)) == []
    assert values == SAVED


def test_listed_mappings_are_merged_into_the_saved_map_and_plain_options_override_settings():
    values = dict(SAVED)
    apply_mapping_options(values, {}, mapping_params(role={
        'mappings': [{'group': 'support', 'roles': ['leader']}, {'group': 'dev', 'roles': 'user'}],
        'base_dn': ' ou=git,dc=example,dc=org ', 'enabled': True, 'validation_strategy': 'once'}))
    assert stored_roles(values) == {'rocket-admin': 'admin', 'support': 'leader', 'dev': 'user'}
    assert values['LDAP_Sync_User_Data_Roles_BaseDN'] == 'ou=git,dc=example,dc=org'
    assert values['LDAP_Sync_User_Data_Roles'] is True
    assert values['LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy'] == 'once'


def test_exclusive_replaces_and_absent_removes():
    values = dict(SAVED)
    apply_mapping_options(values, {}, mapping_params(role={
        'mappings': [{'group': 'dev', 'roles': ['user']}], 'exclusive': True}))
    assert stored_roles(values) == {'dev': 'user'}
    values = dict(SAVED)
    apply_mapping_options(values, {}, mapping_params(role={'mappings': [{'group': 'support'}], 'state': 'absent'}))
    assert stored_roles(values) == {'rocket-admin': 'admin'}


def test_from_options_the_map_starts_empty():
    values = {}
    apply_mapping_options(values, {}, mapping_params(channel={'mappings': [{'group': 'dev', 'channels': ['dev']}]}))
    assert json.loads(values['LDAP_Sync_User_Data_ChannelsMap']) == {'dev': 'dev'}


def test_emptying_a_map_needs_allow_empty():
    with pytest.raises(ModuleFailure) as failure:
        apply_mapping_options(dict(SAVED), {}, mapping_params(role={'exclusive': True}))
    assert failure.value.extra['invalid'] == ['role_mapping.mappings']
    assert 'role_mapping.mappings: exclusive=true with no mappings' in failure.value.msg
    values = dict(SAVED)
    apply_mapping_options(values, {}, mapping_params(role={'exclusive': True, 'allow_empty': True}))
    assert stored_roles(values) == {}


@pytest.mark.parametrize('role, invalid, fragment', [
    ({'mappings': [{'group': 'dev'}]}, 'role_mapping.mappings', 'role_mapping.mappings[0].roles is required'),
    ({'mappings': [{'group': 'dev', 'roles': ['a']}, {'group': 'dev', 'roles': ['b']}]}, 'role_mapping.mappings',
     'listed twice'),
    ({'mappings': [{'group': 'dev'}], 'state': 'absent', 'exclusive': True}, 'role_mapping.exclusive',
     'only applies to state=present'),
])
def test_bad_mapping_input_names_the_option(role, invalid, fragment):
    with pytest.raises(ModuleFailure) as failure:
        apply_mapping_options(dict(SAVED), {}, mapping_params(role=role))
    assert failure.value.extra['invalid'] == [invalid] and fragment in failure.value.msg


def test_a_setting_is_given_once():
    given = {'LDAP_Sync_User_Data_Roles_BaseDN': 'settings.LDAP_Sync_User_Data_Roles_BaseDN'}
    with pytest.raises(ModuleFailure) as failure:
        apply_mapping_options(dict(SAVED), given, mapping_params(role={'base_dn': 'ou=x'}))
    assert failure.value.extra['invalid'] == ['role_mapping.base_dn']
    assert 'settings.LDAP_Sync_User_Data_Roles_BaseDN' in failure.value.msg
    given = {'LDAP_Sync_User_Data_RolesMap': 'settings.LDAP_Sync_User_Data_RolesMap'}
    with pytest.raises(ModuleFailure) as failure:
        apply_mapping_options(dict(SAVED), given, mapping_params(role={'mappings': [{'group': 'a', 'roles': 'x'}]}))
    assert failure.value.extra['invalid'] == ['role_mapping.mappings']
    # Not managing the map (only a plain option): the map given in settings stands.
    values = dict(SAVED)
    apply_mapping_options(values, given, mapping_params(role={'enabled': True}))
    assert values['LDAP_Sync_User_Data_RolesMap'] == SAVED['LDAP_Sync_User_Data_RolesMap']


def test_an_unreadable_saved_map_is_a_failure_unless_exclusive_replaces_it():
    broken = {'LDAP_Sync_User_Data_RolesMap': '{"a": '}
    values = dict(broken)
    notes = apply_mapping_options(values, {}, mapping_params(role={'mappings': [{'group': 'a', 'roles': 'admin'}]}))
    assert [(name, status) for name, status, _ in notes] == [('role_mapping', FAIL)]
    assert 'not valid JSON' in notes[0][2] and 'exclusive=true' in notes[0][2]
    assert values == broken
    apply_mapping_options(values, {}, mapping_params(role={'mappings': [{'group': 'a', 'roles': 'admin'}],
                                                           'exclusive': True}))
    assert stored_roles(values) == {'a': 'admin'}


def test_team_options_are_stored_as_the_team_module_stores_them():
    values = {'LDAP_Groups_To_Rocket_Chat_Teams': json.dumps({'sales': 'Sales'})}  # a string: the server refuses it
    apply_mapping_options(values, {}, mapping_params(team={'name_attributes': [' cn ', 'ou'], 'enabled': True}))
    assert values['LDAP_Teams_Name_Field'] == 'cn,ou'
    assert json.loads(values['LDAP_Groups_To_Rocket_Chat_Teams']) == {'sales': ['Sales']}  # rewritten as a list
    assert previewed_maps(values)['teams'] == [{'group': 'sales', 'teams': ['Sales']}]
    with pytest.raises(ModuleFailure) as failure:
        apply_mapping_options({}, {}, mapping_params(team={'name_attributes': [' ']}))
    assert failure.value.extra['invalid'] == ['team_mapping.name_attributes']
    assert failure.value.msg == 'team_mapping.name_attributes must name at least one attribute'


def test_the_previewed_map_is_the_one_checked():
    # The saved map has one group, so a filter without #{groupName} is harmless; the map from Git has two.
    values = {'LDAP_Host': '', 'LDAP_Sync_User_Data_Roles': True,
              'LDAP_Sync_User_Data_Roles_BaseDN': 'ou=groups,dc=example,dc=org',
              'LDAP_Sync_User_Data_Roles_Filter': '(member=#{userdn})',
              'LDAP_Sync_User_Data_RolesMap': json.dumps({'rocket-admin': 'admin'})}
    report, _ = run_checks(dict(values))
    assert [i['status'] for i in report.items if i['name'] == 'roles mapping'] == [OK]
    apply_mapping_options(values, {}, mapping_params(role={'mappings': [{'group': 'support', 'roles': ['user']}]}))
    report, _ = run_checks(values)
    item = [i for i in report.items if i['name'] == 'roles mapping'][0]
    assert item['status'] == FAIL and 'while 2 groups are mapped' in item['detail']


def test_the_argument_spec_comes_from_the_mapping_modules_and_matches_the_docs():
    spec = mapping_options_argument_spec()
    documented = yaml.safe_load(ldap_check.DOCUMENTATION)['options']
    for option, module_spec in (('role_mapping', ROLES), ('channel_mapping', CHANNELS),
                                ('team_mapping', TEAMS)):
        options = spec[option]['options']
        source = module_spec.argument_spec()
        for name, option_spec in options.items():
            assert option_spec == source[name], (option, name)
        # Only nested options (connection settings a mapping module may take) are left out.
        assert all('options' in source[name] for name in set(source) - set(options)), option
        assert set(module_spec.settings) <= set(options)
        assert ldap_check.argument_spec()[option] == spec[option]
        docs = documented[option]['suboptions']
        assert set(docs) == set(options), option
        for name, option_spec in options.items():
            assert docs[name]['type'] == option_spec['type'], (option, name)
            assert docs[name].get('choices') == option_spec.get('choices'), (option, name)
            assert docs[name].get('default') == option_spec.get('default'), (option, name)
            assert docs[name].get('elements') == option_spec.get('elements'), (option, name)


# --- matching rules (nested groups) ---------------------------------------------------------------

class FakeConnection:
    """Answers searches from ``answers`` ({base: [Entry] or a DirectoryError}) and records them."""

    def __init__(self, answers=None, settings=None):
        self.answers = answers or {}
        self.settings = settings or DirectorySettings({})
        self.searches = []
        self.features = None

    def search(self, base, search_filter, scope='sub', attributes=None, page_size=0, size_limit=0):
        self.searches.append((base, search_filter, scope, attributes))
        answer = self.answers.get(base, [])
        if callable(answer):
            return answer(search_filter)
        if isinstance(answer, DirectoryError):
            raise answer
        return answer


AD_DSE = Entry('', {'supportedCapabilities': [b'1.2.840.113556.1.4.800', b'1.2.840.113556.1.4.1670'],
                    'subschemaSubentry': [b'CN=Aggregate,CN=Schema,CN=Configuration,DC=corp,DC=example,DC=com']})
OPENLDAP_DSE = Entry('', {'subschemaSubentry': [b'cn=Subschema']})
OPENLDAP_SUBSCHEMA = Entry('cn=Subschema', {'matchingRules': [
    b"( 2.5.13.1 NAME 'distinguishedNameMatch' SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )",
    b"( 1.2.840.113556.1.4.803 NAME 'integerBitAndMatch' SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )"]})


@pytest.mark.parametrize('text, rules', [
    (NESTED_ROLE_FILTER, [IN_CHAIN_RULE]),
    ('(memberOf:%s:=cn=staff,ou=groups,dc=x)' % IN_CHAIN_RULE, [IN_CHAIN_RULE]),
    ('(&(objectClass=user)(member:dn:%s:=#{userdn}))' % IN_CHAIN_RULE, [IN_CHAIN_RULE]),
    ('(userAccountControl:1.2.840.113556.1.4.803:=2)', ['1.2.840.113556.1.4.803']),
    ('(cn:dn:=admins)', []),
    ('(&(cn=#{groupName})(member=#{userdn}))', []),
    ('(broken', []),
])
def test_matching_rules_are_read_from_extensible_items(text, rules):
    assert matching_rules_in(text) == rules


def test_active_directory_supports_the_rule_with_one_read():
    conn = FakeConnection({'': [AD_DSE]})
    features = directory_features(conn)
    assert features.active_directory and features.supports(IN_CHAIN_RULE) is True
    assert len(conn.searches) == 1 and conn.searches[0][2] == 'base'
    assert directory_features(conn) is features and len(conn.searches) == 1  # read once per run
    status, detail, parts = check_matching_rules(conn, [('roles', 'LDAP_Sync_User_Data_Roles_Filter',
                                                         NESTED_ROLE_FILTER)])
    assert status == OK and parts == [] and IN_CHAIN_RULE in detail


def test_a_directory_whose_subschema_lacks_the_rule_fails_the_filter():
    conn = FakeConnection({'': [OPENLDAP_DSE], 'cn=Subschema': [OPENLDAP_SUBSCHEMA]})
    uses = [('user search', 'LDAP_User_Search_Filter', '(objectClass=inetOrgPerson)'),
            ('roles', 'LDAP_Sync_User_Data_Roles_Filter', NESTED_ROLE_FILTER),
            ('teams', 'LDAP_Query_To_Get_User_Teams', '(userAccountControl:1.2.840.113556.1.4.803:=2)')]
    status, detail, parts = check_matching_rules(conn, uses)
    assert status == FAIL and parts == ['roles']
    assert 'LDAP_Sync_User_Data_Roles_Filter %s uses the matching rule %s (LDAP_MATCHING_RULE_IN_CHAIN' % (
        NESTED_ROLE_FILTER, IN_CHAIN_RULE) in detail
    assert 'the directory does not support' in detail and 'matches nothing' in detail
    assert 'no role is granted' in detail or 'grants no role' in detail
    assert 'LDAP_Query_To_Get_User_Teams' not in detail  # integerBitAndMatch is published: supported
    assert [search[0] for search in conn.searches] == ['', 'cn=Subschema']


def test_a_rule_given_by_name_is_looked_up_by_name():
    conn = FakeConnection({'': [OPENLDAP_DSE], 'cn=Subschema': [OPENLDAP_SUBSCHEMA]})
    assert directory_features(conn).supports('integerBitAndMatch') is True
    assert directory_features(conn).supports('caseExactMatch') is False


def test_an_unreadable_root_dse_leaves_support_unknown():
    conn = FakeConnection({'': DirectoryError('search', 'insufficientAccessRights')})
    status, detail, parts = check_matching_rules(conn, [('roles', 'LDAP_Sync_User_Data_Roles_Filter',
                                                         NESTED_ROLE_FILTER)])
    assert status == WARN and parts == [] and 'insufficientAccessRights' in detail and 'unknown' in detail


def test_no_read_without_a_matching_rule():
    conn = FakeConnection()
    assert check_matching_rules(conn, [('roles', 'x', '(&(cn=#{groupName})(member=#{userdn}))')])[0] == OK
    assert conn.searches == []


def test_filters_in_use_follow_the_enabled_syncs_and_name_the_group_filter_setting():
    settings = DirectorySettings({'LDAP_Group_Filter_Enable': True,
                                  'LDAP_Group_Filter_Group_Member_Attribute': 'member:%s:' % IN_CHAIN_RULE,
                                  'LDAP_Group_Filter_Group_Member_Format': '#{userdn}'})
    uses = filters_in_use(settings, [], None)
    assert [part for part, _, _ in uses] == ['user search', 'group filter']
    assert uses[1][1] == 'the group filter (LDAP_Group_Filter_Group_Member_Attribute)'
    assert matching_rules_in(uses[1][2]) == [IN_CHAIN_RULE]


# --- users a sync would skip ----------------------------------------------------------------------

def person(uid, mail=None, **more):
    attributes = {'uid': [uid.encode()]}
    if mail:
        attributes['mail'] = [mail.encode()]
    attributes.update(dict((name, [value.encode()]) for name, value in more.items()))
    return Entry('uid=%s,ou=people,dc=example,dc=org' % uid, attributes)


USER_VALUES = {'LDAP_Server_Type': '', 'LDAP_BaseDN': 'ou=people,dc=example,dc=org', 'LDAP_User_Search_Field': 'uid',
               'LDAP_Username_Field': 'uid', 'LDAP_Email_Field': 'mail'}


def test_sync_candidates_name_the_users_without_e_mail():
    entries = [person('alice', 'alice@example.org'), person('Oscar.Nomail'), person('bob', 'bob@example.org')]
    settings = DirectorySettings(USER_VALUES)
    conn = FakeConnection({'ou=people,dc=example,dc=org': entries}, settings)
    candidates = sync_candidates(conn, settings)
    assert len(candidates.matching) == 3 and candidates.importable == 2
    assert candidates.skipped == [{'username': 'oscar.nomail', 'dn': 'uid=Oscar.Nomail,ou=people,dc=example,dc=org',
                                   'reason': SKIP_NO_EMAIL}]
    assert 'mail' in conn.searches[0][3] and 'uid' in conn.searches[0][3]  # the attributes the rules read
    # A default domain gives everyone an address.
    settings = DirectorySettings(dict(USER_VALUES, LDAP_Default_Domain='example.org'))
    assert sync_candidates(FakeConnection({'ou=people,dc=example,dc=org': entries}, settings), settings).skipped == []


def test_the_group_filter_comes_before_the_e_mail_rule():
    entries = [person('alice', 'alice@example.org'), person('oscar'), person('victor')]
    values = dict(USER_VALUES, LDAP_Group_Filter_Enable=True, LDAP_Group_Filter_ObjectClass='groupOfNames',
                  LDAP_Group_Filter_Group_Member_Attribute='member', LDAP_Group_Filter_Group_Member_Format='#{userdn}',
                  LDAP_Group_Filter_Group_Id_Attribute='cn', LDAP_Group_Filter_Group_Name='chat')
    group = Entry('cn=chat,ou=groups,dc=example,dc=org', {'member': [
        b'uid=alice,ou=people,dc=example,dc=org', b'UID=oscar, ou=people,dc=example,dc=org'.replace(b', ', b',')]})

    def people_or_groups(search_filter):
        return [group] if 'groupOfNames' in search_filter else entries
    settings = DirectorySettings(values)
    candidates = sync_candidates(FakeConnection({'ou=people,dc=example,dc=org': people_or_groups}, settings),
                                 settings)
    assert [entry.dn.split(',')[0] for entry in candidates.admitted] == ['uid=alice', 'uid=oscar']
    assert [user['username'] for user in candidates.skipped] == ['oscar']  # victor is kept out, not skipped
    assert candidates.importable == 1


def test_the_count_names_the_first_ten_and_returns_them():
    entries = [person('user%02d' % number) for number in range(12)] + [person('alice', 'alice@example.org')]
    settings = DirectorySettings(USER_VALUES)
    status, detail, counts = check_user_count(settings, FakeConnection({'ou=people,dc=example,dc=org': entries},
                                                                       settings))
    assert status == WARN
    assert counts['matching'] == 13 and counts['importable'] == 1 and counts['skipped_count'] == 12
    assert [user['username'] for user in counts['skipped']] == ['user%02d' % number for number in range(12)]
    assert 'a sync skips 12 users without an e-mail address' in detail
    assert 'user09 (uid=user09,ou=people,dc=example,dc=org) and 2 more' in detail and 'user10' not in detail


def test_name_skipped_is_bounded():
    skipped = [{'username': 'u%d' % number, 'dn': 'uid=u%d' % number, 'reason': SKIP_NO_EMAIL} for number in range(3)]
    assert name_skipped(skipped, limit=2) == 'u0 (uid=u0), u1 (uid=u1) and 1 more'
    assert name_skipped([{'username': '', 'dn': 'cn=x', 'reason': SKIP_NO_EMAIL}]) == 'cn=x'


# --- team main rooms ------------------------------------------------------------------------------

class FakeClient:
    def __init__(self, rooms):
        self.rooms = rooms
        self.calls = []

    def get(self, path, params=None):
        self.calls.append((path, params))
        room = self.rooms.get(params['roomName'])
        if room is None:
            raise RocketChatError('GET', '/api/v1/' + path, status=400, error='error-room-not-found')
        return {'channel': room, 'success': True}


CHANNELS_ON = {'LDAP_Sync_User_Data_Channels': True}


def test_a_channel_that_is_a_team_main_room_warns():
    values = dict(CHANNELS_ON, LDAP_Sync_User_Data_ChannelsMap=json.dumps(
        {'sales-people': 'sales', 'devs': ['dev', ' new-room '], 'ops': 'dev'}))
    client = FakeClient({'sales': {'_id': 'R1', 'name': 'sales', 'teamMain': True, 'teamId': 'T1'},
                         'dev': {'_id': 'R2', 'name': 'dev'}})
    lookup = lookup_mapped_channels(client, values)
    assert [params['roomName'] for _, params in client.calls] == ['sales', 'dev', 'new-room']
    assert lookup['rooms']['new-room'] is None and lookup['unchecked'] == []
    status, detail = check_team_main_rooms(DirectorySettings(values), lookup)
    assert status == WARN
    assert 'sales (group sales-people)' in detail and 'ldap_team_mapping' in detail
    assert "Can't add user to channel" in detail and 'dev' not in detail.split('.')[0]


def test_room_lookups_are_bounded():
    names = ['room%02d' % number for number in range(MAX_NAME_LOOKUPS + 2)]
    values = dict(CHANNELS_ON, LDAP_Sync_User_Data_ChannelsMap=json.dumps({'everyone': names}))
    client = FakeClient({})
    lookup = lookup_mapped_channels(client, values)
    assert len(client.calls) == MAX_NAME_LOOKUPS and lookup['unchecked'] == names[MAX_NAME_LOOKUPS:]
    status, detail = check_team_main_rooms(DirectorySettings(values), lookup)
    assert status == OK and '2 mapped channel(s) not looked up' in detail


def test_no_lookups_when_channel_sync_is_off_or_the_map_is_empty():
    client = FakeClient({})
    assert lookup_mapped_channels(client, {'LDAP_Sync_User_Data_ChannelsMap': '{"a": "b"}'}) is None
    assert lookup_mapped_channels(client, dict(CHANNELS_ON, LDAP_Sync_User_Data_ChannelsMap='{}')) is None
    assert client.calls == []


def test_other_lookup_errors_are_not_taken_for_a_missing_room():
    class Failing(FakeClient):
        def get(self, path, params=None):
            raise RocketChatError('GET', '/api/v1/' + path, status=403, error='unauthorized')
    with pytest.raises(RocketChatError):
        lookup_mapped_channels(Failing({}), dict(CHANNELS_ON, LDAP_Sync_User_Data_ChannelsMap='{"a": "b"}'))


def test_run_checks_reports_team_main_rooms_next_to_the_channel_map():
    values = dict(CHANNELS_ON, LDAP_Host='', LDAP_Sync_User_Data_Channels_BaseDN='ou=groups,dc=example,dc=org',
                  LDAP_Sync_User_Data_ChannelsMap=json.dumps({'sales-people': 'sales'}))
    lookup = {'rooms': {'sales': {'name': 'sales', 'teamMain': True}}, 'unchecked': []}
    report, _ = run_checks(values, channel_rooms=lookup)
    names = [item['name'] for item in report.items]
    assert names.index('channels mapping: team main rooms') == names.index('channels mapping') + 1
    assert report.items[names.index('channels mapping: team main rooms')]['status'] == WARN
