"""Unit tests of the check engine's static checks and verdicts, and of the server-test explanations."""

import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import DirectorySettings, MembershipSpec
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import ROLES
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_checks import (
    FAIL, OK, WARN, Report, check_group_filter, check_membership_config, check_teams_config, check_user_filter,
    describe, run_checks, should_fail,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._server_tests import explain

ROLES_ON = dict(LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN='ou=groups,dc=x',
                LDAP_Sync_User_Data_RolesMap='{"a": "admin", "b": ["leader", "moderator"]}')


def roles_check(roles=None, **settings):
    values = dict(ROLES_ON, **settings)
    directory_settings = DirectorySettings(values)
    return check_membership_config(directory_settings, MembershipSpec(directory_settings, ROLES), roles)


def test_default_role_filter_is_fine():
    status, detail, mapping = roles_check()
    assert status == OK and list(mapping) == ['a', 'b']


def test_filter_without_group_name_over_grants_when_several_groups_are_mapped():
    status, detail, _ = roles_check(LDAP_Sync_User_Data_Roles_Filter='(memberUid=#{username})')
    assert status == FAIL and 'no #{groupName} while 2 groups are mapped' in detail
    status, _, _ = roles_check(LDAP_Sync_User_Data_Roles_Filter='(memberUid=#{username})',
                               LDAP_Sync_User_Data_RolesMap='{"a": "admin"}')
    assert status == OK


def test_once_strategy_must_not_use_group_name():
    status, detail, _ = roles_check(LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy='once')
    assert status == FAIL and "'once'" in detail
    status, _, _ = roles_check(LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy='once',
                               LDAP_Sync_User_Data_Roles_Filter='(memberUid=#{username})')
    assert status == OK


@pytest.mark.parametrize('settings, fragment', [
    ({'LDAP_Sync_User_Data_Roles_BaseDN': ''}, 'no fallback'),
    ({'LDAP_Sync_User_Data_Roles_Filter': '(&(cn=#{groupName})(memberUid=#{user}))'}, 'unknown placeholders #{user}'),
    ({'LDAP_Sync_User_Data_Roles_Filter': '(cn=#{groupName})'}, 'every user would match'),
    ({'LDAP_Sync_User_Data_Roles_Filter': '(&(cn=#{groupName})(memberUid=#{username})'}, 'not a valid LDAP filter'),
    ({'LDAP_Sync_User_Data_RolesMap': '{"a": }'}, 'not valid JSON'),
])
def test_broken_role_settings_fail(settings, fragment):
    status, detail, _ = roles_check(**settings)
    assert status == FAIL and fragment in detail


def test_empty_map_warns():
    status, detail, _ = roles_check(LDAP_Sync_User_Data_RolesMap='{}')
    assert status == WARN


def test_unknown_roles_fail_when_the_role_list_is_known():
    roles = [{'_id': 'admin', 'name': 'admin'}, {'_id': 'leader', 'name': 'leader'}]
    status, detail, _ = roles_check(roles)
    assert status == FAIL and 'moderator (group b)' in detail
    status, _, _ = roles_check(roles + [{'_id': 'x1', 'name': 'moderator'}])
    assert status == OK


def test_teams_map_values_must_be_lists():
    settings = DirectorySettings({'LDAP_Groups_To_Rocket_Chat_Teams': '{"Sales": "sales"}'})
    status, detail, _ = check_teams_config(settings)
    assert status == FAIL and 'list' in detail
    settings = DirectorySettings({'LDAP_Groups_To_Rocket_Chat_Teams': '{"Sales": ["sales"]}',
                                  'LDAP_Query_To_Get_User_Teams': '(&(ou=*)(cn=#{groupName}))'})
    status, detail, _ = check_teams_config(settings)
    assert status == FAIL and 'groupName' in detail


def test_user_filter_rejects_placeholders_and_bad_search_fields():
    status, detail = check_user_filter(DirectorySettings({'LDAP_User_Search_Filter': '(uid=#{username})'}))
    assert status == FAIL and 'unknown placeholder' in detail
    status, detail = check_user_filter(DirectorySettings({'LDAP_Server_Type': '', 'LDAP_User_Search_Field': 'u id'}))
    assert status == FAIL


def test_group_filter_needs_a_user():
    settings = DirectorySettings({'LDAP_Group_Filter_Enable': True, 'LDAP_Group_Filter_Group_Member_Format': 'x'})
    assert check_group_filter(settings)[0] == WARN
    settings = DirectorySettings({'LDAP_Group_Filter_Enable': True,
                                  'LDAP_Group_Filter_Group_Member_Format': '#{userdn}'})
    assert check_group_filter(settings)[0] == OK


@pytest.mark.parametrize('statuses, fail_on, fails', [
    ([OK, OK], 'fail', False), ([OK, WARN], 'fail', False), ([OK, WARN], 'warn', True),
    ([FAIL], 'fail', True), ([FAIL], 'never', False), ([OK], 'warn', False),
])
def test_should_fail(statuses, fail_on, fails):
    report = Report()
    for index, status in enumerate(statuses):
        report.add('check %d' % index, status, 'detail %d' % index)
    assert should_fail(report, fail_on) is fails


def test_describe_lists_the_failures_first():
    report = Report()
    report.add('a', WARN, 'meh')
    report.add('b', FAIL, 'broken')
    assert describe(report) == '0 ok, 1 warn, 1 fail: b: broken'


def test_no_host_stops_after_dns():
    report, result = run_checks({'LDAP_Enable': True})
    names = [item['name'] for item in report.items]
    assert names[-1] == 'dns' and report.items[-1]['status'] == FAIL
    assert report.items[-1]['detail'] == 'LDAP_Host is empty'
    assert result['users'] == []


# --- server test explanations -------------------------------------------------------------------

@pytest.mark.parametrize('error, code, fragment, not_found', [
    (RocketChatError('POST', '/api/v1/ldap.testConnection', 400, 'LDAP_disabled'), 'LDAP_disabled', 'ldap_settings',
     False),
    (RocketChatError('POST', '/api/v1/ldap.testConnection', 400, 'Connection_failed'), 'Connection_failed',
     'ldap_check', False),
    (RocketChatError('POST', '/api/v1/ldap.testSearch', 400, 'LDAP_search_failed'), 'LDAP_search_failed',
     'exactly one', True),
    (RocketChatError('POST', '/api/v1/ldap.testSearch', 403,
                     'User does not have the permissions required for this action [error-unauthorized]'),
     'error-unauthorized', 'test-admin-options', False),
    (RocketChatError('POST', '/api/v1/ldap.testSearch', 403, 'forbidden', 'error-forbidden'),
     'error-forbidden', 'test-admin-options', False),
    (RocketChatError('POST', '/api/v1/ldap.testConnection', 400, 'This is an enterprise feature',
                     'error-action-not-allowed'), 'error-action-not-allowed', 'ldap-enterprise', False),
    (RocketChatError('POST', '/api/v1/ldap.testConnection', 400, 'LDAP_Connection_failed_reason',
                     'error-ldap-connection-failed', {'reason': 'invalidCredentials'}),
     'error-ldap-connection-failed', 'connect to or bind', False),
    (RocketChatError('POST', '/api/v1/ldap.testSearch', 400, 'LDAP_User_not_found'), 'LDAP_User_not_found',
     'no directory entry', True),
])
def test_server_errors_are_explained(error, code, fragment, not_found):
    failure = explain(error)
    assert failure.code == code
    assert fragment in failure.meaning
    assert failure.not_found is not_found


def test_the_9_0_reason_is_shown():
    failure = explain(RocketChatError('POST', '/api/v1/ldap.testConnection', 400, 'LDAP_Connection_failed_reason',
                                      'error-ldap-connection-failed', {'reason': 'invalidCredentials'}))
    assert 'invalidCredentials' in failure.text()


def test_unknown_roles_in_groups_the_task_does_not_manage_only_warn():
    roles = [{'_id': 'admin', 'name': 'admin'}, {'_id': 'user', 'name': 'user'}]
    settings = DirectorySettings(dict(
        LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN='ou=groups,dc=example,dc=org',
        LDAP_Sync_User_Data_RolesMap='{"rocket-admin": "admin", "tech-support": "support", "staff": "nobody"}'))
    spec = MembershipSpec(settings, ROLES)
    status, detail, _map = check_membership_config(settings, spec, roles, managed={'rocket-admin'})
    assert status == WARN and 'support (group tech-support)' in detail and 'does not manage' in detail
    status, detail, _map = check_membership_config(settings, spec, roles, managed={'staff'})
    assert status == FAIL and detail.index('nobody (group staff)') < detail.index('also in groups this task')
    assert check_membership_config(settings, spec, roles)[0] == FAIL


def test_a_stored_group_that_changes_the_filter_fails_the_check():
    settings = DirectorySettings(dict(
        LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN='ou=groups,dc=example,dc=org',
        LDAP_Sync_User_Data_RolesMap='{"*": "admin", "staff": "user"}'))
    status, detail, _map = check_membership_config(settings, MembershipSpec(settings, ROLES))
    assert status == FAIL and "group '*'" in detail and 'matches every group' in detail
