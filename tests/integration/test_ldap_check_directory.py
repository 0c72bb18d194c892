"""The ldap_check engine and the directory code against a real slapd (openldap and ad flavours)."""

import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils import _directory as directory
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import ROLES
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    DirectorySettings, MembershipSpec, membership, open_service_connection,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_checks import run_checks

ROLE_MAP = '{"rocket-admin": "admin", "tech-support": "support", "manager": ["leader", "moderator"], "employee": "user"}'


def service_settings(info, **settings):
    """Settings that reach the harness slapd (its CA) and bind as its service account, plus ``settings``."""
    values = dict(
        LDAP_Enable=True, LDAP_Host=info['host'], LDAP_CA_Cert=info['ca_cert_pem'],
        LDAP_Authentication=True, LDAP_Authentication_UserDN=info['ldap_bind_dn'],
        LDAP_Authentication_Password=info['ldap_bind_password'], LDAP_BaseDN=info['ldap_base_dn'],
    )
    values.update(settings)
    return values


def openldap_settings(info, **overrides):
    settings = service_settings(info, LDAP_Server_Type='', LDAP_Port=info['port'], LDAP_Encryption='tls',
                                LDAP_User_Search_Field='uid', LDAP_Username_Field='uid')
    settings.update(overrides)
    return settings


def ad_settings(info, **overrides):
    settings = service_settings(info, LDAP_Server_Type='ad', LDAP_Port=info['tls_port'], LDAP_Encryption='ssl',
                                LDAP_User_Search_Filter='(objectClass=user)')
    settings.update(overrides)
    return settings


def checks(settings, users=()):
    report, result = run_checks(settings, users=users)
    return dict((item['name'], item) for item in report.items), result


def read_pem(path):
    with open(path) as handle:
        return handle.read()


# --- connection, TLS, bind ------------------------------------------------------------------

@pytest.mark.parametrize('encryption, port_key', [('tls', 'port'), ('ssl', 'tls_port')])
def test_good_ca_passes_tls_and_bind(slapd, encryption, port_key):
    items, result = checks(openldap_settings(slapd.info, LDAP_Encryption=encryption, LDAP_Port=slapd.info[port_key]))
    assert items['encryption']['status'] == 'ok', items['encryption']
    assert ('StartTLS' if encryption == 'tls' else 'LDAPS') in items['encryption']['detail']
    assert items['bind']['status'] == 'ok'
    # oscar has no e-mail: a sync skips him, the one warning.
    assert result['import_count'] == {'matching': 32, 'importable': 31, 'skipped_count': 1, 'skipped': [
        {'username': 'oscar', 'dn': 'uid=oscar,%s' % slapd.info['users_dn'], 'reason': 'no e-mail'}]}
    assert items['users to import']['status'] == 'warn' and 'oscar' in items['users to import']['detail']
    assert all(item['status'] == 'ok' for name, item in items.items() if name != 'users to import'), \
        [i for i in items.values() if i['status'] != 'ok']


def test_ip_address_host_is_matched_against_ip_sans(slapd):
    # ldap3 alone refuses this on Python 3.12+; the certificate names IP 127.0.0.1.
    items, _ = checks(openldap_settings(slapd.info, LDAP_Host='127.0.0.1'))
    assert items['encryption']['status'] == 'ok', items['encryption']['detail']


def test_wrong_ca_fails_tls(slapd):
    items, _ = checks(openldap_settings(slapd.info, LDAP_CA_Cert=read_pem(slapd.info['wrong_ca_cert_path'])))
    assert items['encryption']['status'] == 'fail'
    assert 'not signed by the configured CA' in items['encryption']['detail']
    assert 'bind' not in items


@pytest.mark.parametrize('encryption, port_key', [('tls', 'port'), ('ssl', 'tls_port')])
def test_host_name_mismatch_fails_tls(slapd, encryption, port_key):
    items, _ = checks(openldap_settings(slapd.info, LDAP_Host=slapd.info['mismatch_host'],
                                        LDAP_Encryption=encryption, LDAP_Port=slapd.info[port_key]))
    assert items['encryption']['status'] == 'fail'
    assert 'not valid for host %r' % slapd.info['mismatch_host'] in items['encryption']['detail']


def test_disabled_certificate_checks_warn(slapd):
    items, _ = checks(openldap_settings(slapd.info, LDAP_Host=slapd.info['mismatch_host'],
                                        LDAP_Reject_Unauthorized=False, LDAP_CA_Cert=''))
    assert items['encryption']['status'] == 'warn'
    assert 'certificate checks are off' in items['encryption']['detail']
    assert items['bind']['status'] == 'ok'


def test_plain_with_bind_password_warns(slapd):
    items, _ = checks(openldap_settings(slapd.info, LDAP_Encryption='plain'))
    assert items['encryption']['status'] == 'warn'
    assert 'service bind password' in items['encryption']['detail']
    assert items['bind']['status'] == 'ok'


def test_wrong_bind_password_fails_bind_and_stops(slapd):
    items, result = checks(openldap_settings(slapd.info, LDAP_Authentication_Password='not-the-password'),
                           users=[{'username': 'alice'}])
    assert items['bind']['status'] == 'fail'
    assert 'invalidCredentials' in items['bind']['detail']
    assert 'not-the-password' not in items['bind']['detail']
    assert 'user alice: search' not in items and result['users'] == []


def test_unreachable_port_fails_tcp(slapd):
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        free_port = sock.getsockname()[1]
    items, _ = checks(openldap_settings(slapd.info, LDAP_Port=free_port))
    assert items['dns']['status'] == 'ok'
    assert items['tcp']['status'] == 'fail'
    assert 'encryption' not in items


def test_unresolvable_host_fails_dns(slapd):
    items, _ = checks(openldap_settings(slapd.info, LDAP_Host='ldap.invalid'))
    assert items['dns']['status'] == 'fail'
    assert 'tcp' not in items


# --- base DNs, filters, maps ------------------------------------------------------------------

def test_missing_base_dn_fails(slapd):
    items, _ = checks(openldap_settings(slapd.info, LDAP_BaseDN='ou=nowhere,dc=example,dc=org'))
    assert items['base DN: users']['status'] == 'fail'
    assert 'does not exist' in items['base DN: users']['detail']
    assert 'users to import' not in items


def test_empty_role_base_dn_fails_without_fallback(slapd):
    items, _ = checks(openldap_settings(slapd.info, LDAP_Sync_User_Data_Roles=True,
                                        LDAP_Sync_User_Data_RolesMap=ROLE_MAP))
    assert items['roles mapping']['status'] == 'fail'
    assert 'no fallback' in items['roles mapping']['detail']


@pytest.mark.parametrize('user_filter, fragment', [
    ('(&(objectClass=person)', 'missing ")"'),
    ('(objectClass=person)(uid=x)', 'after the end'),
    ('(cn=a(b)', "unescaped '('"),
])
def test_malformed_user_filter_fails(slapd, user_filter, fragment):
    items, _ = checks(openldap_settings(slapd.info, LDAP_User_Search_Filter=user_filter))
    assert items['filter: user search']['status'] == 'fail'
    assert fragment in items['filter: user search']['detail']


def test_user_filter_without_parentheses_is_wrapped_like_the_server_does(slapd):
    items, result = checks(openldap_settings(slapd.info, LDAP_User_Search_Filter='objectClass=inetOrgPerson'))
    assert items['filter: user search']['status'] == 'ok'
    assert '(&(objectClass=inetOrgPerson)(uid=*))' in items['filter: user search']['detail']
    assert result['import_count']['matching'] == 32


def test_role_filter_without_group_name_over_grants(slapd):
    items, _ = checks(openldap_settings(
        slapd.info, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=slapd.info['groups_dn'],
        LDAP_Sync_User_Data_Roles_Filter='(&(objectClass=posixGroup)(memberUid=#{username}))',
        LDAP_Sync_User_Data_RolesMap=ROLE_MAP))
    assert items['roles mapping']['status'] == 'fail'
    assert 'no #{groupName} while 4 groups are mapped' in items['roles mapping']['detail']


def test_invalid_role_map_json_fails(slapd):
    items, _ = checks(openldap_settings(
        slapd.info, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=slapd.info['groups_dn'],
        LDAP_Sync_User_Data_RolesMap='{"rocket-admin": "admin",}'))
    assert items['roles mapping']['status'] == 'fail'
    assert 'not valid JSON' in items['roles mapping']['detail']


# --- users ------------------------------------------------------------------------------------

def test_user_preview_with_roles_teams_and_login(slapd):
    settings = openldap_settings(
        slapd.info, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=slapd.info['groups_dn'],
        LDAP_Sync_User_Data_RolesMap=ROLE_MAP, LDAP_Enable_LDAP_Groups_To_RC_Teams=True,
        LDAP_Groups_To_Rocket_Chat_Teams='{"Engineering": ["eng"], "Sales": ["sales"]}')
    items, result = checks(settings, users=[{'username': 'alice', 'password': 'alice-pass'},
                                            {'username': 'heidi', 'password': 'wrong'}])
    alice, heidi = result['users']
    assert alice['rocketchat']['username'] == 'alice'
    assert alice['rocketchat']['email'] == 'alice@example.org'
    assert alice['rocketchat']['name'] == 'Alice Anderson'
    assert alice['rocketchat']['unique_id_attribute'] == 'uidNumber'
    assert bytes.fromhex(alice['rocketchat']['unique_id']) == b'10001'
    assert alice['roles'] == ['admin', 'user'] and alice['teams'] == []
    assert alice['login'] is True and items['user alice: bind']['status'] == 'ok'
    assert heidi['teams'] == ['eng'] and heidi['roles'] == ['user']
    assert heidi['login'] is False and items['user heidi: bind']['status'] == 'fail'


def test_user_without_mail_fails_unless_a_default_domain_is_set(slapd):
    items, result = checks(openldap_settings(slapd.info), users=[{'username': 'oscar'}])
    assert items['user oscar: mapping']['status'] == 'fail'
    assert result['users'][0]['rocketchat']['email'] is None
    items, result = checks(openldap_settings(slapd.info, LDAP_Default_Domain='example.net'),
                           users=[{'username': 'oscar'}])
    assert items['user oscar: mapping']['status'] == 'ok'
    assert result['users'][0]['rocketchat']['email'] == 'oscar@example.net'


def test_duplicate_match_fails_the_search(slapd):
    items, result = checks(openldap_settings(slapd.info, LDAP_User_Search_Field='cn'),
                           users=[{'username': 'John Smith'}])
    assert items['user John Smith: search']['status'] == 'fail'
    assert '2 entries match' in items['user John Smith: search']['detail']
    assert result['users'][0]['found'] is False


def test_unknown_user_fails_the_search(slapd):
    items, _ = checks(openldap_settings(slapd.info), users=[{'username': 'nobody'}])
    assert items['user nobody: search']['status'] == 'fail'


def test_locked_user_warns_and_cannot_bind(slapd):
    items, result = checks(openldap_settings(slapd.info), users=[{'username': 'mallory', 'password': 'mallory-pass'}])
    assert items['user mallory: state']['status'] == 'warn'
    assert 'pwdAccountLockedTime' in items['user mallory: state']['detail']
    assert items['user mallory: bind']['status'] == 'fail'
    assert result['users'][0]['login'] is False


def test_group_filter_rejects_and_counts(slapd):
    settings = openldap_settings(slapd.info, LDAP_Group_Filter_Enable=True,
                                 LDAP_Group_Filter_Group_Member_Format='#{userdn}')
    items, result = checks(settings, users=[{'username': 'victor', 'password': 'victor-pass'},
                                            {'username': 'alice'}])
    # victor and walter are kept out by the group filter; oscar passes it but has no e-mail.
    assert result['import_count']['matching'] == 32 and result['import_count']['importable'] == 29
    assert [user['username'] for user in result['import_count']['skipped']] == ['oscar']
    assert items['user victor: group filter']['status'] == 'fail'
    assert items['user victor: bind']['status'] == 'fail'  # right password, but the filter rejects
    assert result['users'][1]['group_filter'] is True


def test_size_limit_below_the_user_count_fails_when_background_sync_is_on(slapd):
    items, _ = checks(openldap_settings(slapd.info, LDAP_Search_Size_Limit=10, LDAP_Background_Sync=True))
    assert items['users to import']['status'] == 'fail'
    assert 'LDAP_Search_Size_Limit (10)' in items['users to import']['detail']


# --- membership resolution ----------------------------------------------------------------------

@pytest.mark.parametrize('role_filter', [
    '(&(cn=#{groupName})(memberUid=#{username}))',
    '(&(objectClass=groupOfNames)(cn=#{groupName})(member=#{userdn}))',
])
def test_one_or_search_agrees_with_one_search_per_group(slapd, role_filter):
    groups = ['rocket-admin', 'tech-support', 'manager', 'developers', 'employee', 'admins', 'support',
              'engineering', 'staff', 'missing-group']
    settings = DirectorySettings(openldap_settings(
        slapd.info, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=slapd.info['groups_dn'],
        LDAP_Sync_User_Data_Roles_Filter=role_filter))
    spec = MembershipSpec(settings, ROLES)
    conn = open_service_connection(settings)
    try:
        for user in ('alice', 'carol', 'heidi', 'frank'):
            dn = 'uid=%s,%s' % (user, slapd.info['users_dn'])
            before = conn.round_trips
            batched = membership(conn, spec, groups, user, dn)
            assert conn.round_trips - before == 1
            before = conn.round_trips
            single = membership(conn, spec, groups, user, dn, batch=False)
            assert conn.round_trips - before == len(groups)
            assert batched == single
            assert batched  # every sample user is in some group
    finally:
        conn.close()


def test_once_strategy_reads_group_names_from_the_entries(slapd):
    settings = DirectorySettings(openldap_settings(
        slapd.info, LDAP_Sync_User_Data_Roles_BaseDN=slapd.info['groups_dn'],
        LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy='once',
        LDAP_Sync_User_Data_Roles_Filter='(memberUid=#{username})'))
    conn = open_service_connection(settings)
    try:
        found = membership(conn, MembershipSpec(settings, ROLES), ['rocket-admin', 'manager', 'employee'],
                           'alice', 'uid=alice,' + slapd.info['users_dn'])
    finally:
        conn.close()
    assert found == ['rocket-admin', 'employee']


def test_missing_groups_for_the_mapping_modules(slapd):
    settings = DirectorySettings(openldap_settings(slapd.info))
    missing = directory.missing_groups(settings, slapd.info['groups_dn'],
                                       '(&(cn=#{groupName})(memberUid=#{username}))',
                                       ['rocket-admin', 'no-such-group', 'employee'])
    assert missing == ['no-such-group']


@pytest.mark.parametrize('user_item', [
    # slapd has no AD nested-group rule; distinguishedNameMatch is an extensible match it knows
    '(member:distinguishedNameMatch:=#{userdn})',
    # the user's DN spelled out: a DN attribute has no substring matching, so "uid=*,..." matches nothing
    '(member=uid=#{username},ou=people,dc=example,dc=org)',
])
def test_missing_groups_with_a_user_item_other_than_plain_equality(slapd, user_item):
    settings = DirectorySettings(openldap_settings(slapd.info))
    missing = directory.missing_groups(settings, slapd.info['groups_dn'],
                                       '(&(objectClass=groupOfNames)(cn=#{groupName})%s)' % user_item,
                                       ['admins', 'engineering', 'rocket-admin'])
    assert missing == ['rocket-admin']  # a posixGroup: not a groupOfNames


# --- Active Directory flavour ---------------------------------------------------------------------

def test_ad_flavour_preview(slapd_ad):
    info = slapd_ad.info
    settings = ad_settings(
        info, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=info['groups_dn'],
        LDAP_Sync_User_Data_Roles_Filter='(&(objectClass=group)(sAMAccountName=#{groupName})(member=#{userdn}))',
        LDAP_Sync_User_Data_RolesMap='{"rocket-admins": "admin", "support": "livechat-agent"}')
    users = [{'username': 'aadams', 'password': 'aadams-pass'}, {'username': 'ddiaz'}, {'username': 'eellis'},
             {'username': 'ffischer'}]
    items, result = checks(settings, users=users)
    assert items['encryption']['status'] == 'ok' and 'LDAPS' in items['encryption']['detail']
    aadams, ddiaz, eellis, ffischer = result['users']
    assert aadams['rocketchat']['username'] == 'aadams'
    assert aadams['rocketchat']['email'] == 'amy.adams@corp.example.com'
    assert aadams['rocketchat']['unique_id_attribute'] == 'objectGUID'
    assert len(bytes.fromhex(aadams['rocketchat']['unique_id'])) == 16
    assert aadams['roles'] == ['admin'] and aadams['login'] is True
    assert ddiaz['roles'] == ['livechat-agent']
    assert items['user ddiaz: state']['status'] == 'warn' and 'userAccountControl' in items['user ddiaz: state']['detail']
    assert items['user eellis: state']['status'] == 'warn' and 'lockoutTime' in items['user eellis: state']['detail']
    assert items['user ffischer: mapping']['status'] == 'fail'
    assert result['import_count']['matching'] == 12


def test_ad_server_type_with_openldap_fields_finds_nobody(slapd):
    # LDAP_Server_Type defaults to "ad": an OpenLDAP directory is then searched by sAMAccountName.
    settings = openldap_settings(slapd.info)
    del settings['LDAP_Server_Type']
    items, _ = checks(settings, users=[{'username': 'alice'}])
    assert '(sAMAccountName=*)' in items['users to import']['detail']
    assert items['users to import']['status'] == 'warn'
    assert items['user alice: search']['status'] == 'fail'


def test_a_login_name_with_filter_characters_is_searched_escaped_as_the_server_does(slapd):
    """The server escapes the login name in its user search: "*" finds nobody (not every user)."""
    items, result = checks(openldap_settings(slapd.info), users=[{'username': '*'}, {'username': 'ali*'}])
    assert [user['found'] for user in result['users']] == [False, False]
    assert items['user *: search']['status'] == 'fail'
    assert '(uid=\\2a)' in items['user *: search']['detail']
