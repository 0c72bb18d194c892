"""Unit tests of what the mapping modules check in a preview: the candidate LDAP settings (option
ldap_settings), groups written as DNs, team main rooms in the channel map, and the drift wording."""
from collections import OrderedDict

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.chatops.rocketchat.plugins.module_utils import _directory as directory
from ansible_collections.chatops.rocketchat.plugins.module_utils import _mapping as mapping
from ansible_collections.chatops.rocketchat.plugins.module_utils import _maps as maps
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import DEFAULTS
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import CHANNELS, ROLES, TEAMS
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import UNREADABLE
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import Snapshot

PASSWORD = 'Cand1date-Bind-Pw'

# The role's ldap_settings variable: exactly the options of ldap_settings that describe settings.
ROLE_VARIABLE = {
    'enabled': True,
    'server_type': 'other',
    'connection': {'host': 'ldap.example.org', 'port': 636, 'encryption': 'ssl'},
    'authentication': {'enabled': True, 'bind_dn': 'cn=svc,dc=example,dc=org', 'bind_password': PASSWORD},
    'user_search': {'base_dn': 'ou=people,dc=example,dc=org', 'search_field': 'uid'},
    'settings': {'LDAP_Search_Page_Size': '500'},
}


# --- the ldap_settings option ----------------------------------------------------------------------

def validate(spec, params):
    return ArgumentSpecValidator(spec.argument_spec()).validate(params)


@pytest.mark.parametrize('spec', [ROLES, CHANNELS, TEAMS],
                         ids=lambda spec: spec.owner)
def test_the_roles_ldap_settings_variable_is_accepted_and_its_password_kept_out_of_logs(spec):
    result = validate(spec, {'ldap_settings': ROLE_VARIABLE})
    assert result.error_messages == []
    assert result.validated_parameters['ldap_settings']['connection']['host'] == 'ldap.example.org'
    assert PASSWORD in result._no_log_values


def test_options_of_ldap_settings_that_are_not_settings_are_refused():
    result = validate(ROLES, {'ldap_settings': dict(ROLE_VARIABLE, reset_unspecified=True)})
    assert any('reset_unspecified' in message for message in result.error_messages)


def test_candidate_settings_are_the_values_ldap_settings_would_store():
    values = maps.candidate_settings(ROLE_VARIABLE, 'ad')
    assert values['LDAP_Host'] == 'ldap.example.org' and values['LDAP_Port'] == 636
    assert values['LDAP_Encryption'] == 'ssl' and values['LDAP_Server_Type'] == ''
    # server_type other: the search field goes to the plain setting, not the AD twin
    assert values['LDAP_User_Search_Field'] == 'uid' and 'LDAP_AD_User_Search_Field' not in values
    assert values['LDAP_Authentication_Password'] == PASSWORD
    assert values['LDAP_Search_Page_Size'] == 500  # the raw map, coerced to its type


def test_candidate_settings_route_by_the_saved_server_type_when_none_is_given():
    values = maps.candidate_settings({'user_search': {'search_field': 'sAMAccountName'}}, 'ad')
    assert values == {'LDAP_AD_User_Search_Field': 'sAMAccountName'}


@pytest.mark.parametrize('given', [None, {}])
def test_no_candidate_settings(given):
    assert maps.candidate_settings(given, 'ad') == {}


@pytest.mark.parametrize('given, option, fragment', [
    ({'settings': {'LDAP_Authentication_Password': 'x'}}, 'ldap_settings.settings.LDAP_Authentication_Password',
     'bind_password'),
    ({'settings': {'LDAP_Nope': 1}}, 'ldap_settings.settings.LDAP_Nope', 'unknown LDAP setting id'),
    ({'connection': {'host': 'h'}, 'settings': {'LDAP_Host': 'h'}}, 'ldap_settings.settings.LDAP_Host',
     'already set'),
    ({'settings': {'LDAP_Sync_User_Data_RolesMap': '{}'}}, 'ldap_settings.settings.LDAP_Sync_User_Data_RolesMap',
     'managed by chatops.rocketchat.ldap_role_mapping'),
    ({'user_search': {'base_dn': 'people'}}, 'ldap_settings.user_search.base_dn', 'distinguished name'),
])
def test_bad_candidate_settings_name_the_option(given, option, fragment):
    with pytest.raises(ModuleFailure) as err:
        maps.candidate_settings(given, 'ad')
    assert err.value.msg.startswith(option + ':') and fragment in err.value.msg
    assert err.value.extra['invalid'] == [option]


# --- one run with fakes ------------------------------------------------------------------------------

class FakeModule:
    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = False
        self.no_log_values = set()
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


class FakeClient:
    """Answers GET requests from ``answers`` ({(path, name): body}; a missing key is a 400)."""

    def __init__(self, answers=None):
        self.answers = answers or {}
        self.secrets = set()
        self.gets = []

    def add_secret(self, value):
        self.secrets.add(value)

    def redact(self, text):
        for secret in self.secrets:
            text = text.replace(secret, '********')
        return text

    def get(self, path, params=None):
        self.gets.append((path, params))
        key = (path, next(iter((params or {}).values()), None))
        if key not in self.answers:
            raise RocketChatError('GET', path, status=400, error='not found')
        return self.answers[key]


def saved(**values):
    stored = dict(DEFAULTS)
    stored.update(values)
    return Snapshot(stored, {}, ['ldap-enterprise'], (8, 8, 1))


def prepared_run(spec, params, snapshot, client=None, check_mode=True):
    base = dict(state='present', exclusive=False, allow_empty=False, validate_groups=True, ldap_settings=None,
                mappings=[])
    base.update((option, None) for option in spec.settings)
    base.update(params)
    module = FakeModule(base, check_mode=check_mode)
    run = mapping._Run(module, client or FakeClient(), spec, base)
    run.snapshot = snapshot
    run.desired = OrderedDict()
    run.read_candidate()
    return run


@pytest.fixture
def searched(monkeypatch):
    """The arguments of every directory search validate_groups makes (none is really sent)."""
    calls = []

    def fake_missing_groups(settings, base_dn, template, groups):
        calls.append(dict(settings=settings, base_dn=base_dn, template=template, groups=groups))
        return []
    monkeypatch.setattr(directory, 'missing_groups', fake_missing_groups)
    return calls


def test_validate_groups_searches_with_the_candidate_settings_on_top_of_the_saved_ones(searched):
    snapshot = saved(LDAP_Host='', LDAP_Port=389, LDAP_Authentication=False, LDAP_Timeout=4321,
                     LDAP_Sync_User_Data_Roles_BaseDN='ou=groups,dc=example,dc=org')
    run = prepared_run(ROLES, {'ldap_settings': ROLE_VARIABLE}, snapshot)
    run.validate_groups(['admins'])
    settings = searched[0]['settings']
    assert settings.text('LDAP_Host') == 'ldap.example.org' and settings.get('LDAP_Port') == 636
    assert settings.get('LDAP_Authentication') is True
    assert settings.text('LDAP_Authentication_Password') == PASSWORD
    assert settings.get('LDAP_Timeout') == 4321  # not in the candidate: the saved value
    assert searched[0]['base_dn'] == 'ou=groups,dc=example,dc=org' and searched[0]['groups'] == ['admins']
    assert PASSWORD in run.client.secrets and PASSWORD in run.module.no_log_values
    assert run.result['missing_groups'] == []


def test_the_mapping_modules_own_options_win_over_the_saved_values(searched):
    snapshot = saved(LDAP_Host='saved.example.org', LDAP_Sync_User_Data_Roles_BaseDN='ou=old,dc=example,dc=org')
    run = prepared_run(ROLES, {'base_dn': 'ou=new,dc=example,dc=org'}, snapshot)
    run.desired['LDAP_Sync_User_Data_Roles_BaseDN'] = 'ou=new,dc=example,dc=org'
    run.validate_groups(['admins'])
    assert searched[0]['base_dn'] == 'ou=new,dc=example,dc=org'
    assert searched[0]['settings'].text('LDAP_Host') == 'saved.example.org'


def test_the_team_base_dn_falls_back_to_the_candidate_user_base_dn(searched):
    snapshot = saved(LDAP_BaseDN='', LDAP_Teams_BaseDN='')
    run = prepared_run(TEAMS, {'ldap_settings': {'user_search': {'base_dn': 'dc=example,dc=org'}}},
                       snapshot)
    assert run.effective('LDAP_BaseDN') == 'dc=example,dc=org'
    run.validate_groups(['Engineering'])
    assert searched[0]['base_dn'] == 'dc=example,dc=org'


def test_a_bind_password_the_server_hides_needs_the_candidate_one(searched):
    snapshot = saved(LDAP_Host='ldap.example.org', LDAP_Authentication=True, LDAP_Authentication_Password=UNREADABLE,
                     LDAP_Sync_User_Data_Roles_BaseDN='ou=groups,dc=example,dc=org')
    run = prepared_run(ROLES, {}, snapshot)
    with pytest.raises(ModuleFailure) as err:
        run.validate_groups(['admins'])
    assert 'ldap_settings.authentication.bind_password' in err.value.msg and searched == []

    given = {'ldap_settings': {'authentication': {'bind_password': PASSWORD}}}
    run = prepared_run(ROLES, given, snapshot)
    run.validate_groups(['admins'])
    assert searched[0]['settings'].text('LDAP_Authentication_Password') == PASSWORD


def test_a_bind_dn_or_ca_the_server_hides_is_named_not_used_as_a_value(searched):
    snapshot = saved(LDAP_Host='ldap.example.org', LDAP_Authentication=True, LDAP_Authentication_UserDN=UNREADABLE,
                     LDAP_Authentication_Password=UNREADABLE, LDAP_Encryption='ssl', LDAP_CA_Cert=UNREADABLE,
                     LDAP_Sync_User_Data_Roles_BaseDN='ou=groups,dc=example,dc=org')
    run = prepared_run(ROLES, {'ldap_settings': {'authentication': {'bind_password': PASSWORD}}}, snapshot)
    with pytest.raises(ModuleFailure) as err:
        run.validate_groups(['admins'])
    assert searched == [] and 'UNREADABLE' not in err.value.msg
    assert err.value.extra['invalid'] == ['ldap_settings.authentication.bind_dn', 'ldap_settings.connection.ca_cert']


def test_a_failed_search_says_which_settings_it_used_and_hides_the_password(monkeypatch):
    from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import DirectoryError

    def refused(settings, base_dn, template, groups):
        raise DirectoryError('bind', 'invalid credentials for cn=svc with %s' % PASSWORD)
    monkeypatch.setattr(directory, 'missing_groups', refused)
    snapshot = saved(LDAP_Sync_User_Data_Roles_BaseDN='ou=groups,dc=example,dc=org')
    run = prepared_run(ROLES, {'ldap_settings': ROLE_VARIABLE}, snapshot)
    with pytest.raises(ModuleFailure) as err:
        run.validate_groups(['admins'])
    assert 'candidate settings of ldap_settings' in err.value.msg and '(bind)' in err.value.msg
    assert PASSWORD not in err.value.msg

    run = prepared_run(ROLES, {}, snapshot)
    with pytest.raises(ModuleFailure) as err:
        run.validate_groups(['admins'])
    assert 'give them with ldap_settings' in err.value.msg


def test_ldap_enabled_is_read_from_the_candidate_settings():
    run = prepared_run(ROLES, {'ldap_settings': {'enabled': True}}, saved(LDAP_Enable=False))
    assert run.effective('LDAP_Enable') is True
    run = prepared_run(ROLES, {}, saved(LDAP_Enable=False))
    assert run.effective('LDAP_Enable') is False


# --- team main rooms -------------------------------------------------------------------------------

def test_team_main_rooms_in_the_channel_map_are_reported_and_warned_about():
    answers = {
        ('channels.info', 'support'): {'channel': {'_id': 'r1', 'name': 'support', 'teamMain': True, 'teamId': 't1'}},
        ('channels.info', 'general'): {'channel': {'_id': 'GENERAL', 'name': 'general'}},
        ('users.info', 'rocket.cat'): {'user': {'username': 'rocket.cat'}},
    }
    run = prepared_run(CHANNELS, {}, saved(LDAP_Sync_User_Data_Channels_Admin='rocket.cat'),
                       client=FakeClient(answers))
    after = OrderedDict([('techsupport', ('helpdesk', 'support')), ('staff', ('general', 'support'))])
    run.report_channels(after)
    assert run.result['channels'] == {'to_create': ['helpdesk'], 'unchecked': [], 'admin_user': 'rocket.cat',
                                      'admin_user_exists': True, 'team_main_rooms': ['support']}
    warnings = [w for w in run.warnings if 'main room' in w]
    assert len(warnings) == 1
    assert 'channel support (group techsupport, staff)' in warnings[0]
    assert 'chatops.rocketchat.ldap_team_mapping' in warnings[0] and 'auto_remove' not in warnings[0]


def test_the_team_main_room_warning_mentions_the_stopped_removal_with_auto_remove():
    text = maps.team_main_room_warning('support', ['techsupport'], auto_remove=True)
    assert text.startswith("channel support (group techsupport) is a team's main room")
    assert 'stops removing users' in text


# --- groups written as DNs ------------------------------------------------------------------------

@pytest.mark.parametrize('group, name', [
    ('cn=admins,ou=groups,dc=example,dc=org', 'admins'),
    ('CN=RC Admins,OU=Groups,DC=corp,DC=example,DC=com', 'RC Admins'),
    ('cn = admins , ou=groups', 'admins'),
    ('ou=Sales', 'Sales'),
    (r'cn=Smith\, J,ou=groups,dc=example,dc=org', 'Smith, J'),
    (r'cn=a\2Cb,dc=org', 'a,b'),
    ('admins', None),
    ('rocket-admin', None),
    ('team=a', None),                # not a naming attribute and no second RDN: a name with '='
    ('x==y', None),
])
def test_group_name_of_dn(group, name):
    assert maps.group_name_of_dn(group) == name


def test_dn_groups_are_warned_about_with_the_name_to_use():
    warnings = maps.dn_group_warnings(['cn=admins,ou=groups,dc=example,dc=org', 'support'], 'how',
                                         '(&(cn=#{groupName})(member=#{userdn}))')
    assert warnings == ["mappings: group 'cn=admins,ou=groups,dc=example,dc=org' is written as a DN, but the server "
                        "matches group names (how), so this entry never matches anyone; use the group's name, "
                        "e.g. 'admins'"]


@pytest.mark.parametrize('filter_text', [
    '(&(uid=#{username})(memberOf=#{groupName}))',
    '(&(objectClass=user)(sAMAccountName=#{username})(memberOf:1.2.840.113556.1.4.1941:=#{groupName}))',
    '(&(entryDN=#{groupName})(member=#{userdn}))',
])
def test_a_filter_that_compares_group_keys_with_dns_takes_dn_groups(filter_text):
    assert maps.dn_group_warnings(['cn=admins,ou=groups,dc=example,dc=org'], 'how', filter_text) == []


def test_plain_options_become_the_settings_the_server_stores():
    desired = maps.desired_settings(TEAMS, {'name_attributes': [' cn ', '', 'ou'], 'base_dn': ' ou=t ',
                                                     'enabled': True, 'query': None})
    assert list(desired.items()) == [('LDAP_Enable_LDAP_Groups_To_RC_Teams', True), ('LDAP_Teams_BaseDN', 'ou=t'),
                                     ('LDAP_Teams_Name_Field', 'cn,ou')]
    with pytest.raises(ModuleFailure) as failure:
        maps.desired_settings(TEAMS, {'name_attributes': [' ']})
    assert failure.value.msg == 'name_attributes must name at least one attribute'
    assert failure.value.extra['invalid'] == ['name_attributes']


def test_the_diff_lists_settings_in_the_admin_ui_order():
    text = mapping._render_state({'LDAP_Query_To_Get_User_Teams': '(member=#{userdn})', 'LDAP_Teams_BaseDN': 'ou=t',
                                  'LDAP_Enable_LDAP_Groups_To_RC_Teams': True}, OrderedDict(), TEAMS)
    assert [line.split(':')[0] for line in text.splitlines()] == [
        'LDAP_Enable_LDAP_Groups_To_RC_Teams', 'LDAP_Teams_BaseDN', 'LDAP_Query_To_Get_User_Teams',
        'LDAP_Groups_To_Rocket_Chat_Teams']


def test_a_dn_inside_a_larger_value_still_needs_a_name():
    flt = '(&(uid=#{username})(memberOf=cn=#{groupName},ou=groups,dc=example,dc=org))'
    assert len(maps.dn_group_warnings(['cn=admins,ou=groups,dc=example,dc=org'], 'how', flt)) == 1


@pytest.mark.parametrize('spec, params, fragment', [
    (ROLES, {}, 'substituted for #{groupName}'),
    (ROLES, {'validation_strategy': 'once'}, 'the ou, else the cn'),
    (TEAMS, {'name_attributes': ['cn']}, 'the cn of the groups the query finds'),
], ids=['each_group', 'once', 'teams'])
def test_each_module_says_how_the_server_reads_group_names(spec, params, fragment):
    run = prepared_run(spec, params, saved())
    for option, value in params.items():
        run.desired[spec.setting(option)] = maps.option_value(option, value)
    run.warn_dn_groups(OrderedDict([('cn=admins,ou=groups,dc=example,dc=org', ('x',))]))
    assert len(run.warnings) == 1 and fragment in run.warnings[0] and "e.g. 'admins'" in run.warnings[0]


def test_the_dn_warning_survives_the_failure_of_validate_groups(monkeypatch):
    dn = 'cn=admins,ou=groups,dc=example,dc=org'
    monkeypatch.setattr(directory, 'missing_groups', lambda settings, base_dn, template, groups: list(groups))
    run = prepared_run(ROLES, {}, saved(LDAP_Sync_User_Data_Roles_BaseDN='ou=groups,dc=example,dc=org'))
    run.warn_dn_groups(OrderedDict([(dn, ('admin',))]))
    with pytest.raises(ModuleFailure) as err:
        run.validate_groups([dn])
    assert err.value.extra['missing_groups'] == [dn]
    assert len(run.module.warnings) == 1 and "e.g. 'admins'" in run.module.warnings[0]


# --- drift wording ---------------------------------------------------------------------------------

DIFF = maps.diff_maps({'a': ('admin',), 'old': ('bot', 'leader')}, {'a': ('admin',)})


@pytest.mark.parametrize('check_mode, verb', [(False, 'removed'), (True, 'would be removed')])
def test_exclusive_removals_are_worded_as_drift(check_mode, verb):
    assert maps.describe_diff(DIFF, ROLES, exclusive=True, check_mode=check_mode) == [
        'group old (roles bot, leader) is on the server but not in the inventory: %s (exclusive)' % verb]


def test_requested_removals_keep_their_wording():
    assert maps.describe_diff(DIFF, CHANNELS) == ['remove group old (was channels bot, leader)']
