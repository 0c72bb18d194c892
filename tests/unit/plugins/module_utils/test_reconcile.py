"""Pure reconcile functions: coercion, validation, comparison, plan, diff and masking (table tests)."""
import json

import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import (
    MASK_CHANGED, UNKNOWN, UNREADABLE, coerce, cron_problem, describe_changes, diff, dn_problem, filter_problem, mask, masked, merge_raw_settings, options_from_settings, plan, same, settings_from_options,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import MASK
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_filter import FilterSyntaxError, validate_filter
from tests.unit.plugins.module_utils.certs_for_tests import colon_fingerprint, make_ca, pem

SECRET = 'bind-s3cret-value'
PEM = pem(make_ca('Test Root CA'))  # a real certificate: CA text is read as OpenSSL reads it


@pytest.mark.parametrize('setting_id, given, expected', [
    ('LDAP_Enable', True, True),
    ('LDAP_Enable', 'yes', True),
    ('LDAP_Enable', 'false', False),
    ('LDAP_Port', 636, 636),
    ('LDAP_Port', '1389', 1389),
    ('LDAP_Port', 389.0, 389),
    ('LDAP_Encryption', 'tls', 'tls'),
    ('LDAP_Server_Type', '', ''),
    ('LDAP_Host', 'ldap.example.org', 'ldap.example.org'),
    ('LDAP_Group_Filter_Group_Name', 42, '42'),
    ('LDAP_Background_Sync_Interval', 'every_6_hours', 'every_6_hours'),
    ('LDAP_Background_Sync_Interval', '30 2 * * *', '30 2 * * *'),
    ('LDAP_Sync_AutoLogout_Interval', '*/5 * * * *', '*/5 * * * *'),
    ('LDAP_User_Search_Scope', 'one', 'one'),
    ('LDAP_CustomFieldMap', {'mail': 'email2'}, json.dumps({'mail': 'email2'}, indent=2)),
    ('LDAP_CustomFieldMap', '{"mail":"email2"}', '{"mail":"email2"}'),
    ('LDAP_CustomFieldMap', '', ''),
    ('LDAP_BaseDN', 'ou=people,dc=example,dc=org', 'ou=people,dc=example,dc=org'),
    ('LDAP_BaseDN', '', ''),
    ('LDAP_User_Search_Filter', 'objectClass=person', 'objectClass=person'),
    ('LDAP_CA_Cert', PEM, PEM),
])
def test_coerce_accepts(setting_id, given, expected):
    result = coerce(setting_id, given, 'opt')
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize('setting_id, given, fragment', [
    ('LDAP_Enable', 'maybe', 'accepted: true, false'),
    ('LDAP_Enable', 1, 'expected a boolean'),
    ('LDAP_Port', 'ldap', 'expected an integer'),
    ('LDAP_Port', True, 'expected an integer'),
    ('LDAP_Port', 1.5, 'expected an integer'),
    ('LDAP_Encryption', 'starttls', 'accepted: "plain", "tls", "ssl"'),
    ('LDAP_Server_Type', 'openldap', '"" (empty)'),
    ('LDAP_Host', ['a'], 'expected a string'),
    ('LDAP_Background_Sync_Interval', 'Every 24 hours', '"every_1_hour"'),
    ('LDAP_Background_Sync_Interval', '0 25 * * *', 'out of range'),
    ('LDAP_Sync_AutoLogout_Interval', 'Every 5 minutes', '5-field cron'),
    ('LDAP_User_Search_Scope', 'subtree', 'accepted: "base", "one", "sub"'),
    ('LDAP_CustomFieldMap', '{"a":', 'not valid JSON'),
    ('LDAP_CustomFieldMap', '["a"]', 'expected a JSON object'),
    ('LDAP_CustomFieldMap', 5, 'expected a mapping or JSON text'),
    ('LDAP_BaseDN', 'people.example.org', 'has no "="'),
    ('LDAP_User_Search_Filter', '(&(objectClass=person)', 'missing ")"'),
    ('LDAP_CA_Cert', 'not a certificate', 'BEGIN CERTIFICATE'),
])
def test_coerce_refuses_naming_the_option(setting_id, given, fragment):
    with pytest.raises(ModuleFailure) as err:
        coerce(setting_id, given, 'section.option')
    assert err.value.msg.startswith('section.option: ')
    assert fragment in err.value.msg
    assert err.value.extra['invalid'] == ['section.option']


def test_refusing_a_secret_never_shows_it():
    with pytest.raises(ModuleFailure) as err:
        coerce('LDAP_Authentication_Password', [SECRET], 'authentication.bind_password')
    assert SECRET not in err.value.msg


@pytest.mark.parametrize('dn, ok', [
    ('cn=admin,dc=example,dc=org', True),
    ('CN=Svc Rocket,OU=Service Accounts,DC=corp,DC=example,DC=com', True),
    ('cn=a\\,b,dc=x', True),
    ('cn=a+uid=b,dc=x', True),
    ('2.5.4.3=x,dc=y', True),
    ('cn=x,,dc=y', False),
    ('cn', False),
    ('c n=x', False),
    ('cn=a\\', False),
    ('cn=a\\zz', False),
])
def test_dn_syntax(dn, ok):
    assert (dn_problem(dn) is None) is ok


@pytest.mark.parametrize('text, ok', [
    ('(objectClass=*)', True),
    ('(&(objectClass=person)(|(uid=a*)(mail=*@example.org)))', True),
    ('(!(userAccountControl:1.2.840.113556.1.4.803:=2))', True),
    ('(&(cn=#{groupName})(memberUid=#{username}))', True),
    ('(member=#{userdn})', True),
    ('(cn=a\\2a)', True),
    ('(cn>=5)', True),
    ('(objectClass=person', False),
    ('(&)', False),
    ('(cn=)', False),
    ('(cn=a\\zz)', False),
    ('(cn=a)(cn=b)', False),
    ('(=x)', False),
    ('(cn~=a*b)', False),
])
def test_filter_syntax(text, ok):
    assert (filter_problem(text) is None) is ok


@pytest.mark.parametrize('text', [
    '(uid=alice)', '(&(objectClass=person)(|(uid=a)(mail=a@b)))', '(!(cn=x))', '(cn=Jo*n*)',
    '(objectclass=*)', '(cn~=jon)', '(uidNumber>=10)', '(cn=a\\28b\\29)',
    '(memberOf:1.2.840.113556.1.4.1941:=cn=g,dc=x)', '(cn:dn:=x)', '(:dn:2.5.13.5:=x)', '(cn;lang-de=x)',
    '(&(cn=#{groupName})(memberUid=#{username}))',
])
def test_valid_filters(text):
    validate_filter(text)


@pytest.mark.parametrize('text, message, position', [
    ('uid=alice', "expected '('", 0),
    ('(&(uid=a)', 'missing ")", found the end', 9),
    ('(uid=a))', 'after the end', 7),
    ('(uid=a)(cn=b)', 'after the end', 7),
    ('(=a)', 'attribute name', 1),
    ('(cn=a(b)', "unescaped '('", 5),
    ('(cn=a\\zz)', 'two hex digits', 5),
    ('(&)', 'at least one filter', 2),
    ('(!(a=b)(c=d))', 'missing ")", found \'(\'', 7),
    ('(cn>=a*)', "'*' is only allowed", 6),
    ('(uid)', 'comparison operator', 4),
    ('', "expected '('", 0),
])
def test_invalid_filters_say_what_and_where(text, message, position):
    with pytest.raises(FilterSyntaxError) as error:
        validate_filter(text)
    assert message in str(error.value)
    assert error.value.position == position


@pytest.mark.parametrize('expression, ok', [
    ('0 0 * * *', True), ('*/5 * * * *', True), ('0 1-5/2 1,15 * 0-6', True),
    ('0 0 * *', False), ('60 * * * *', False), ('* * * * 7', False), ('0 5-1 * * *', False),
    ('*/0 * * * *', False), ('0 0 * JAN *', False), ('0 0 0 * * *', False),
])
def test_cron_expressions(expression, ok):
    assert (cron_problem(expression) is None) is ok


def test_ca_certificates_are_read_as_openssl_reads_them():
    coerce('LDAP_CA_Cert', PEM + PEM, 'connection.ca_cert')
    for text, problem in (('junk\n' + PEM, 'outside'), (PEM.replace(PEM.splitlines()[-2], ''), 'truncated or corrupt'),
                          (PEM + '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n', 'private key')):
        with pytest.raises(ModuleFailure) as err:
            coerce('LDAP_CA_Cert', text, 'connection.ca_cert')
        assert err.value.msg.startswith('connection.ca_cert') and problem in err.value.msg and 'MIIB' not in err.value.msg


@pytest.mark.parametrize('setting_id, desired, current, equal', [
    ('LDAP_Port', 389, 389, True),
    ('LDAP_Port', 389, '389', False),          # a string stored by a careless write is rewritten as a number
    ('LDAP_Enable', True, 1, False),
    ('LDAP_Host', 'a', 'a ', False),
    ('LDAP_CustomFieldMap', '{"a": "b", "c": "d"}', '{\n\t"c": "d",\n\t"a": "b"\n}', True),
    ('LDAP_CustomFieldMap', '{"a": "b"}', '{"a": "c"}', False),
    ('LDAP_CustomFieldMap', '', '{}', False),
    ('LDAP_CA_Cert', PEM, PEM.strip().replace('\n', '\r\n'), True),
    ('LDAP_Authentication_Password', 'x', UNREADABLE, False),
])
def test_same(setting_id, desired, current, equal):
    assert same(setting_id, desired, current) is equal


def test_plan_keeps_only_differences_and_missing_ids():
    desired = {'LDAP_Port': 389, 'LDAP_Host': 'new', 'LDAP_Enable': True}
    current = {'LDAP_Port': 389, 'LDAP_Host': 'old'}
    assert plan(desired, current) == {'LDAP_Host': 'new', 'LDAP_Enable': True}


def test_mask_and_diff_never_show_a_secret():
    assert mask('LDAP_Authentication_Password', SECRET) == MASK
    assert mask('LDAP_Authentication_Password', '') == ''
    assert mask('LDAP_Authentication_Password', UNREADABLE) == UNKNOWN
    assert mask('LDAP_Host', 'h') == 'h'
    assert masked({'LDAP_Authentication_Password': SECRET}) == {'LDAP_Authentication_Password': MASK}
    before = {'LDAP_Authentication_Password': 'old-' + SECRET, 'LDAP_Host': 'a'}
    after = {'LDAP_Authentication_Password': SECRET, 'LDAP_Host': 'b'}
    result = diff(before, after)
    assert result == {'before': {'LDAP_Authentication_Password': MASK, 'LDAP_Host': 'a'},
                      'after': {'LDAP_Authentication_Password': MASK_CHANGED, 'LDAP_Host': 'b'}}
    assert SECRET not in json.dumps(result)


def test_options_are_routed_to_the_ad_twins_by_server_type():
    params = {'user_search': {'search_field': 'uid'}, 'data_sync': {'username_field': 'uid', 'email_field': None}}
    ad, names = settings_from_options(params, 'ad')
    assert ad == {'LDAP_AD_User_Search_Field': 'uid', 'LDAP_AD_Username_Field': 'uid'}
    assert names['LDAP_AD_User_Search_Field'] == 'user_search.search_field'
    other, _names = settings_from_options(dict(params, server_type='other'), 'ad')
    assert other == {'LDAP_Server_Type': '', 'LDAP_User_Search_Field': 'uid', 'LDAP_Username_Field': 'uid'}


def test_export_is_the_inverse_and_leaves_secrets_out():
    values = {'LDAP_Enable': True, 'LDAP_Server_Type': '', 'LDAP_Host': 'h', 'LDAP_User_Search_Field': 'uid',
              'LDAP_AD_User_Search_Field': 'sAMAccountName', 'LDAP_Authentication_Password': SECRET,
              'LDAP_CustomFieldMap': '{"mail": "m"}', 'LDAP_Sync_User_Data_RolesMap': '{}'}
    export = options_from_settings(values)
    assert export == {'enabled': True, 'server_type': 'other', 'connection': {'host': 'h'},
                      'user_search': {'search_field': 'uid'}, 'custom_fields': {'map': {'mail': 'm'}}}
    assert options_from_settings(values, include_secrets=True)['authentication'] == {'bind_password': SECRET}
    desired, _names = settings_from_options(export, '')
    assert all(same(i, coerce(i, v), values[i]) for i, v in desired.items())


def test_the_raw_settings_map_joins_the_typed_options_each_id_once():
    desired, names = merge_raw_settings({'LDAP_Host': 'h'}, {'LDAP_Host': 'connection.host'},
                                        {'LDAP_Port': '636', 'LDAP_No_Such_Setting': 1})
    assert desired == {'LDAP_Host': 'h', 'LDAP_Port': '636', 'LDAP_No_Such_Setting': 1}  # apply_settings validates
    assert names['LDAP_Port'] == 'settings.LDAP_Port'
    with pytest.raises(ModuleFailure) as err:
        merge_raw_settings({'LDAP_Host': 'h'}, {'LDAP_Host': 'connection.host'}, {'LDAP_Host': 'x'})
    assert err.value.msg == 'settings.LDAP_Host: already set by the option connection.host; give it once'
    assert err.value.extra['invalid'] == ['settings.LDAP_Host']


def test_the_raw_settings_map_coerced_now_refuses_unknown_ids_and_wrong_types():
    desired, _names = merge_raw_settings({}, {}, {'LDAP_Port': '636', 'LDAP_Enable': 'yes'}, coerce_values=True)
    assert desired == {'LDAP_Port': 636, 'LDAP_Enable': True}
    for raw, fragment in (({'LDAP_No_Such_Setting': 1}, 'unknown LDAP setting id'),
                          ({'LDAP_Port': 'ldaps'}, 'settings.LDAP_Port: expected an integer')):
        with pytest.raises(ModuleFailure) as err:
            merge_raw_settings({}, {}, raw, coerce_values=True)
        assert fragment in err.value.msg and err.value.extra['invalid'] == ['settings.%s' % list(raw)[0]]


@pytest.mark.parametrize('coerce_values', [False, True])
def test_the_raw_settings_map_never_takes_a_password(coerce_values):
    with pytest.raises(ModuleFailure) as err:
        merge_raw_settings({}, {}, {'LDAP_Authentication_Password': SECRET}, coerce_values=coerce_values)
    assert 'authentication.bind_password' in err.value.msg and SECRET not in err.value.msg
    assert err.value.extra['invalid'] == ['settings.LDAP_Authentication_Password']


# --------------------------------------------------------------- display: admin UI order, CA certificates

def test_diff_masked_and_changes_list_settings_in_the_admin_ui_order_not_by_name():
    # Alphabetically: AD_Name_Field, Authentication_Password, Host, Search_Page_Size, Timeout.
    after = {'LDAP_Search_Page_Size': 500, 'LDAP_Timeout': 30000, 'LDAP_AD_Name_Field': 'cn', 'LDAP_Host': 'h',
             'LDAP_Authentication_Password': SECRET}
    expected = ['LDAP_Host', 'LDAP_Authentication_Password', 'LDAP_Timeout', 'LDAP_Search_Page_Size',
                'LDAP_AD_Name_Field']
    result = diff({}, after)
    assert list(result['before']) == expected and list(result['after']) == expected
    assert list(masked(after)) == expected
    lines = describe_changes({'LDAP_Host': 'old'}, after, {'LDAP_Host': 'connection.host'})
    assert [line.split(':')[0] for line in lines] == ['set connection.host (LDAP_Host)'] + [
        'set %s' % i for i in expected[1:]]
    assert lines[0] == 'set connection.host (LDAP_Host): "old" -> "h"'
    assert lines[1] == 'set LDAP_Authentication_Password: null -> "******** (changed)"'
    assert SECRET not in json.dumps(lines)


def test_a_ca_certificate_is_shown_by_subject_and_fingerprint_in_masks_diffs_and_changes():
    old, new = make_ca('Old Root CA'), make_ca('Corp Root CA')
    shown_new = 'CA certificate CN=Corp Root CA,O=Corp,C=US, SHA-256 %s' % colon_fingerprint(new)
    assert mask('LDAP_CA_Cert', pem(new)) == shown_new
    assert mask('LDAP_CA_Cert', '') == '' and mask('LDAP_CA_Cert', UNREADABLE) == UNKNOWN
    result = diff({'LDAP_CA_Cert': pem(old)}, {'LDAP_CA_Cert': pem(new)})
    assert result['after'] == {'LDAP_CA_Cert': shown_new}
    assert result['before']['LDAP_CA_Cert'].startswith('CA certificate CN=Old Root CA,O=Corp,C=US, SHA-256 ')
    lines = describe_changes({'LDAP_CA_Cert': ''}, {'LDAP_CA_Cert': pem(new)}, {'LDAP_CA_Cert': 'connection.ca_cert'})
    assert lines == ['set connection.ca_cert (LDAP_CA_Cert): "" -> "%s"' % shown_new]
    text = json.dumps([result, lines, masked({'LDAP_CA_Cert': pem(old)})])
    assert 'BEGIN CERTIFICATE' not in text and pem(new).splitlines()[1] not in text


def test_an_invalid_ca_certificate_error_does_not_echo_the_text():
    with pytest.raises(ModuleFailure) as err:
        coerce('LDAP_CA_Cert', 'secret-looking junk that is not PEM', 'connection.ca_cert')
    assert 'connection.ca_cert' in err.value.msg and 'junk' not in err.value.msg


@pytest.mark.parametrize('setting_id, option, value, expected', [
    ('LDAP_Port', 'connection.port', 70000, 'connection.port: port 70000 is out of range; accepted: a TCP port from 1'),
    ('LDAP_Port', 'connection.port', -1, 'connection.port: port -1 is out of range'),
    ('LDAP_Port', 'connection.port', 0, 'connection.port: port 0 is out of range'),
    ('LDAP_Host', 'connection.host', 'ldaps://ldap.example.org:636', "connection.host: 'ldaps://ldap.example.org:636' "
                                                                      'is a URL: give the host name alone'),
    ('LDAP_Host', 'connection.host', 'a' * 100000, 'connection.host: a host name of 100000 characters'),
    ('LDAP_Host', 'connection.host', 'ldap example', 'holds characters no host name has'),
    ('LDAP_Host', 'connection.host', 'ldap.example.org:636', 'ends with a port: give the host name alone and the port'),
    ('LDAP_Timeout', 'connection.timeout', -5, 'connection.timeout: negative value -5; accepted: 0 (no limit)'),
    ('LDAP_Search_Page_Size', 'user_search.page_size', -1, 'user_search.page_size: negative value -1'),
    ('LDAP_BaseDN', 'user_search.base_dn', 'dc=example\x07,dc=org', "user_search.base_dn: control character '\\x07'"),
])
def test_values_the_server_or_the_directory_cannot_use_are_refused_naming_the_option(setting_id, option, value,
                                                                                       expected):
    with pytest.raises(ModuleFailure) as err:
        coerce(setting_id, value, option)
    assert expected in str(err.value) and err.value.extra['invalid'] == [option], str(err.value)


@pytest.mark.parametrize('setting_id, value', [
    ('LDAP_Port', 636), ('LDAP_Port', 1), ('LDAP_Port', 65535), ('LDAP_Host', 'ldap.example.org'),
    ('LDAP_Host', '10.0.0.5'), ('LDAP_Host', 'localhost'), ('LDAP_Timeout', 0), ('LDAP_Search_Page_Size', 0),
    ('LDAP_Search_Size_Limit', 1000),
])
def test_usable_values_pass(setting_id, value):
    assert coerce(setting_id, value) == value


@pytest.mark.parametrize('bind_dn', ['cn=rocketchat,ou=services,dc=example,dc=org', 'svc-rocketchat@corp.example.com',
                                     'CORP\\svc-rocketchat', 'CORP\\Rocket Chat Service'])
def test_the_bind_dn_may_be_a_dn_or_an_active_directory_logon_name(bind_dn):
    assert coerce('LDAP_Authentication_UserDN', bind_dn, 'authentication.bind_dn') == bind_dn


@pytest.mark.parametrize('bind_dn', ['svc rocketchat', 'a b@corp.example.com', 'cn=x,,dc=y', 'svc@corp\x07',
                                     'CORP\\ svc', 'CORP\\svc ', 'CORP\\a\tb'])
def test_a_bind_dn_that_is_neither_is_refused(bind_dn):
    with pytest.raises(ModuleFailure) as err:
        coerce('LDAP_Authentication_UserDN', bind_dn, 'authentication.bind_dn')
    assert str(err.value).startswith('authentication.bind_dn: ') and 'user principal name' in str(err.value)


def test_the_teams_name_field_compares_as_the_server_reads_it():
    from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import same
    assert same('LDAP_Teams_Name_Field', 'ou,cn', 'ou, cn')
    assert not same('LDAP_Teams_Name_Field', 'ou,cn', 'cn,ou')
    with pytest.raises(ModuleFailure) as err:
        coerce('LDAP_Teams_Name_Field', 'ou,(cn)', 'name_attributes')
    assert 'name_attributes' in err.value.msg and "'(cn)'" in err.value.msg
