"""ldap_settings and ldap_settings_info through real ansible-playbook runs against the sandbox and slapd."""

import pytest

from tests.integration.helpers import connection_vars, run_playbook, stored_settings, writes

LDAP_SETTINGS = 'chatops.rocketchat.ldap_settings'
LDAP_SETTINGS_INFO = 'chatops.rocketchat.ldap_settings_info'


def openldap_config(sandbox):
    env = sandbox.env
    return {
        'enabled': True,
        'server_type': 'other',
        'connection': {'host': env['host'], 'port': env['port'], 'encryption': 'tls',
                       'ca_cert': env['ca_cert_pem'], 'reject_unauthorized': True},
        'authentication': {'enabled': True, 'bind_dn': env['ldap_bind_dn'],
                           'bind_password': env['ldap_bind_password']},
        'user_search': {'base_dn': env['ldap_base_dn'], 'filter': '(objectClass=inetOrgPerson)',
                        'scope': 'sub', 'search_field': 'uid'},
        'data_sync': {'username_field': 'uid', 'email_field': 'mail', 'name_field': 'cn'},
    }


def test_create_check_rerun_update_and_reset(sandbox_clean):
    sandbox = sandbox_clean
    conn = connection_vars(sandbox)
    config = openldap_config(sandbox)
    secret = sandbox.env['ldap_bind_password']
    sandbox.clear_requests()

    planned = run_playbook([{LDAP_SETTINGS: config}], module_defaults=conn, check=True, diff=True)
    result = planned.results[0]
    assert result['changed'] and 'LDAP_Host' in result['changed_ids']
    assert result['diff']['before']['LDAP_Authentication_Password'] == ''
    assert result['diff']['after']['LDAP_Authentication_Password'] == '******** (changed)'
    assert writes(sandbox) == [] and stored_settings(sandbox)['LDAP_Host'] == ''
    assert not [r for r in sandbox.requests() if r['method'] != 'GET' and 'private-settings' not in r['path']]
    assert secret not in planned.output

    sandbox.clear_requests()
    created = run_playbook([{LDAP_SETTINGS: config}, {LDAP_SETTINGS: config}], module_defaults=conn)
    first, second = created.results
    assert first['changed'] and not second['changed'] and second['changed_ids'] == []
    values = stored_settings(sandbox)
    assert values['LDAP_Server_Type'] == '' and values['LDAP_User_Search_Field'] == 'uid'
    assert values['LDAP_Port'] == sandbox.env['port'] and isinstance(values['LDAP_Port'], int)
    assert values['LDAP_Authentication_Password'] == secret
    assert values['LDAP_AD_User_Search_Field'] == 'sAMAccountName'  # routed to the plain id
    assert [(w['method'], w['path']) for w in writes(sandbox)] == [('POST', '/api/v1/settings')]
    assert sum(1 for r in sandbox.requests() if r['method'] == 'POST' and r['path'] == '/api/v1/settings') == 1

    update = dict(config, connection=dict(config['connection'], timeout=30000),
                  user_search=dict(config['user_search'], page_size=500))
    sandbox.clear_requests()
    planned = run_playbook([{LDAP_SETTINGS: update}], module_defaults=conn, check=True, diff=True)
    result = planned.results[0]
    assert result['changed_ids'] == ['LDAP_Timeout', 'LDAP_Search_Page_Size']
    assert result['diff'] == {'before': {'LDAP_Search_Page_Size': 250, 'LDAP_Timeout': 60000},
                              'after': {'LDAP_Search_Page_Size': 500, 'LDAP_Timeout': 30000}}
    assert '-    "LDAP_Timeout": 60000' in planned.output and '+    "LDAP_Timeout": 30000' in planned.output
    assert writes(sandbox) == []

    updated = run_playbook([{LDAP_SETTINGS: update}], module_defaults=conn).results[0]
    assert updated['changed_ids'] == ['LDAP_Timeout', 'LDAP_Search_Page_Size']
    assert updated['previous'] == {'LDAP_Search_Page_Size': 250, 'LDAP_Timeout': 60000}
    assert stored_settings(sandbox)['LDAP_Timeout'] == 30000

    role_map_before = stored_settings(sandbox)['LDAP_Sync_User_Data_RolesMap']
    reset = run_playbook([{LDAP_SETTINGS: {'enabled': True, 'server_type': 'other',
                                           'connection': {'host': sandbox.env['host']},
                                           'reset_unspecified': True}}], module_defaults=conn, diff=True).results[0]
    assert {'LDAP_Port', 'LDAP_Timeout', 'LDAP_BaseDN'} <= set(reset['changed_ids'])
    # A password that is not given is never reset (an export never holds it; the service bind would break).
    assert 'LDAP_Authentication_Password' not in reset['changed_ids']
    values = stored_settings(sandbox)
    assert values['LDAP_Port'] == 389 and values['LDAP_Timeout'] == 60000 and values['LDAP_BaseDN'] == ''
    assert values['LDAP_Authentication_Password'] == secret
    assert values['LDAP_Host'] == sandbox.env['host'] and values['LDAP_Server_Type'] == ''
    assert values['LDAP_Sync_User_Data_RolesMap'] == role_map_before  # owned by ldap_role_mapping


def test_invalid_input_is_refused_before_any_write(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.clear_requests()
    run = run_playbook([{LDAP_SETTINGS: {
        'connection': {'host': 'ldap.example.org', 'ca_cert': 'not a certificate'},
        'user_search': {'base_dn': 'people.example.org', 'filter': '(&(objectClass=person)'},
        'background_sync': {'interval': 'Every 24 hours'},
        'settings': {'LDAP_Port': 'ldaps', 'LDAP_Sync_User_Data_RolesMap': '{}', 'LDAP_No_Such_Setting': 1},
    }}], module_defaults=connection_vars(sandbox))
    result = run.results[0]
    assert result['failed']
    message = result['msg']
    for fragment in ('connection.ca_cert:', 'user_search.base_dn:', 'user_search.filter:',
                     'background_sync.interval:', '"every_24_hours"', 'settings.LDAP_Port: expected an integer',
                     'belongs to the ldap_role_mapping module', 'unknown LDAP setting id LDAP_No_Such_Setting'):
        assert fragment in message
    assert {'connection.ca_cert', 'user_search.filter', 'background_sync.interval'} <= set(result['invalid'])
    assert writes(sandbox) == [] and stored_settings(sandbox)['LDAP_Host'] == ''


@pytest.mark.parametrize('options, option, fragment', [
    ({'connection': {'port': 70000}}, 'connection.port', 'port 70000 is out of range; accepted: a TCP port from 1'),
    ({'connection': {'port': -1}}, 'connection.port', 'port -1 is out of range'),
    ({'connection': {'host': 'ldaps://ldap.example.org:636'}}, 'connection.host', 'is a URL'),
    ({'connection': {'host': 'h' * 100000}}, 'connection.host', 'a host name of 100000 characters'),
    ({'connection': {'timeout': -1}}, 'connection.timeout', 'negative value -1'),
    ({'user_search': {'page_size': -10}}, 'user_search.page_size', 'negative value -10'),
    ({'user_search': {'base_dn': 'dc=example\x07,dc=org'}}, 'user_search.base_dn', 'control character'),
])
def test_values_the_server_cannot_use_are_refused_naming_the_option(sandbox_clean, options, option, fragment):
    sandbox = sandbox_clean
    sandbox.clear_requests()
    result = run_playbook([{LDAP_SETTINGS: options}], module_defaults=connection_vars(sandbox)).results[0]
    assert result['failed'] and result['invalid'] == [option], result
    assert result['msg'].startswith('Invalid input, nothing was written:\n- %s: ' % option), result['msg'][:300]
    assert fragment in result['msg']
    assert writes(sandbox) == []


def test_active_directory_routes_fields_to_the_ad_settings(sandbox_clean):
    sandbox = sandbox_clean
    run = run_playbook([{LDAP_SETTINGS: {'server_type': 'ad', 'user_search': {'search_field': 'userPrincipalName'},
                                         'data_sync': {'username_field': 'sAMAccountName', 'name_field':
                                                       'displayName'}}}],
                       module_defaults=connection_vars(sandbox))
    assert run.results[0]['changed_ids'] == ['LDAP_AD_User_Search_Field', 'LDAP_AD_Name_Field']
    values = stored_settings(sandbox)
    assert values['LDAP_AD_User_Search_Field'] == 'userPrincipalName' and values['LDAP_User_Search_Field'] == 'uid'


def test_info_exports_a_config_ldap_settings_accepts_unchanged(sandbox_clean):
    sandbox = sandbox_clean
    conn = connection_vars(sandbox)
    config = openldap_config(sandbox)
    secret = sandbox.env['ldap_bind_password']
    run = run_playbook([
        {LDAP_SETTINGS: dict(config, custom_fields={'enabled': True, 'map': {'mail': 'workEmail'}})},
        {LDAP_SETTINGS_INFO: {'only_non_default': True}},
        {LDAP_SETTINGS: '{{ step_1.ldap_settings }}'},
        {LDAP_SETTINGS_INFO: {'include_secrets': True}},
        {LDAP_SETTINGS_INFO: {'include_secrets': True}, 'no_log': True},
    ], module_defaults=conn)
    _create, info, reapplied, refused, with_secrets = run.results
    export = info['ldap_settings']
    assert export['connection']['host'] == sandbox.env['host'] and export['server_type'] == 'other'
    assert export['custom_fields']['map'] == {'mail': 'workEmail'}
    assert 'bind_password' not in export['authentication'] and 'timeout' not in export['connection']
    assert info['settings']['LDAP_Authentication_Password'] == '********'
    assert info['server_version'] == '8.8.1' and info['license']['ldap_enterprise']
    assert not reapplied['changed'], reapplied
    assert refused['failed'] and 'no_log' in refused['msg']
    assert with_secrets['ldap_settings']['authentication']['bind_password'] == secret
    assert secret not in run.output


def test_verbose_run_shows_no_secret(sandbox_clean):
    sandbox = sandbox_clean
    config = openldap_config(sandbox)
    conn = connection_vars(sandbox, login=True)
    run = run_playbook([
        {LDAP_SETTINGS: config},
        {LDAP_SETTINGS: dict(config, authentication=dict(config['authentication'], bind_password='N3w-Bind-Pw'))},
        {LDAP_SETTINGS: dict(config, connection={'port': 'not-a-port'})},
        {LDAP_SETTINGS_INFO: {}},
    ], module_defaults=conn, check=False, diff=True, verbosity=3)
    assert run.results[1]['changed'] and run.results[2]['failed']
    for secret in (sandbox.env['ldap_bind_password'], 'N3w-Bind-Pw', sandbox.env['admin_password'],
                   sandbox.env['admin_token']):
        assert secret not in run.output
    assert '******** (changed)' in run.output
