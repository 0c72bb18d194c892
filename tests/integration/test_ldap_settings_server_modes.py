"""ldap_settings across server modes: licence, version bands, 2FA, blocked/hidden/env-owned settings, rate limits."""

import pytest

from tests.integration.helpers import connection_vars, run_playbook, stored_settings, writes

LDAP_SETTINGS = 'chatops.rocketchat.ldap_settings'
LDAP_SETTINGS_INFO = 'chatops.rocketchat.ldap_settings_info'


def test_unlicensed_workspace_refuses_enterprise_settings_and_reset_leaves_them(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.config(license='none')
    sandbox.clear_requests()
    conn = connection_vars(sandbox)
    run = run_playbook([
        {LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}, 'background_sync': {'enabled': True}}},
        {LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}, 'reset_unspecified': True}},
        {LDAP_SETTINGS_INFO: {}},
    ], module_defaults=conn)
    refused, reset, info = run.results
    assert refused['failed'] and 'background_sync.enabled' in refused['msg'] and 'licence' in refused['msg']
    assert reset['changed_ids'] == ['LDAP_Host']
    assert info['edition'] == 'community' and not info['license']['ldap_enterprise']
    assert 'background_sync' not in info['ldap_settings'] and 'LDAP_Background_Sync' in info['settings']
    assert [w['path'] for w in writes(sandbox)] == ['/api/v1/settings']


def test_fresh_unlicensed_workspace_lacks_enterprise_settings(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.config(license='none', ee_settings_registered=False)
    run = run_playbook([{LDAP_SETTINGS: {'auto_logout': {'enabled': True}}}, {LDAP_SETTINGS_INFO: {}}],
                       module_defaults=connection_vars(sandbox))
    refused, info = run.results
    assert refused['failed'] and 'auto_logout.enabled' in refused['msg'] and 'ldap-enterprise' in refused['msg']
    assert 'LDAP_Sync_AutoLogout_Enabled' in info['unavailable']


def test_pending_9_0_makes_ldap_enable_an_enterprise_setting(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.config(version='9.0.0', license='none')
    run = run_playbook([{LDAP_SETTINGS: {'enabled': True}}, {LDAP_SETTINGS: {'connection': {'host': 'h.example.org'}}}],
                       module_defaults=connection_vars(sandbox))
    refused, accepted = run.results
    assert refused['failed'] and 'enabled: LDAP_Enable is an Enterprise setting' in refused['msg']
    assert accepted['changed_ids'] == ['LDAP_Host']


@pytest.mark.parametrize('version, write_path', [
    ('7.10.0', '/api/v1/method.call/saveSettings'),
    ('8.5.0', '/api/v1/method.call/saveSettings'),
    ('8.6.0', '/api/v1/settings'),
    ('9.0.0', '/api/v1/settings'),
])
def test_version_bands_write_in_one_request_and_stay_idempotent(sandbox_clean, version, write_path):
    sandbox = sandbox_clean
    sandbox.config(version=version)
    sandbox.clear_requests()
    task = {LDAP_SETTINGS: {'enabled': True, 'connection': {'host': 'ldap.example.org', 'port': 1389},
                            'custom_fields': {'enabled': True, 'map': {'mail': 'workEmail'}}}}
    first, second = run_playbook([task, task], module_defaults=connection_vars(sandbox)).results
    assert first['changed'] and not second['changed'] and first['server_version'].startswith(version[:3])
    assert [w['path'] for w in writes(sandbox)] == [write_path]
    values = stored_settings(sandbox)
    assert values['LDAP_Port'] == 1389 and values['LDAP_Sync_Custom_Fields'] is True


@pytest.mark.parametrize('version', ['8.5.0', '8.8.1'])
def test_two_factor_password_fallback_when_logged_in_with_a_password(sandbox_clean, version):
    sandbox = sandbox_clean
    sandbox.config(version=version, two_factor='password')
    sandbox.clear_requests()
    run = run_playbook([{LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}}}],
                       module_defaults=connection_vars(sandbox, login=True), verbosity=3)
    assert run.results[0]['changed'], run
    assert stored_settings(sandbox)['LDAP_Host'] == 'ldap.example.org'
    paths = [(r['method'], r['path'], r['status']) for r in sandbox.requests()]
    assert paths[0] == ('POST', '/api/v1/login', 200) and paths[-1] == ('POST', '/api/v1/logout', 200)
    assert sandbox.env['admin_password'] not in run.output


def test_two_factor_without_an_answer_is_explained(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.config(two_factor='totp')
    run = run_playbook([{LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}}}],
                       module_defaults=connection_vars(sandbox, login=True))
    result = run.results[0]
    assert result['failed'] and 'api_totp_secret' in result['msg'] and 'bypassTwoFactor' in result['msg']
    assert stored_settings(sandbox)['LDAP_Host'] == ''


def test_two_factor_totp_from_the_seed(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.config(two_factor='totp')
    conn = connection_vars(sandbox, login=True, api_totp_secret=sandbox.env['admin_totp_secret'])
    run = run_playbook([{LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}}}], module_defaults=conn)
    assert run.results[0]['changed'], run
    assert stored_settings(sandbox)['LDAP_Host'] == 'ldap.example.org'
    assert sandbox.env['admin_totp_secret'] not in run.output


def test_blocked_hidden_and_environment_owned_settings(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.config(blocked=['LDAP_BaseDN'], hidden=['LDAP_Default_Domain'],
                   overwrite={'LDAP_Host': 'env.example.org'})
    sandbox.clear_requests()
    run = run_playbook([
        {LDAP_SETTINGS: {'user_search': {'base_dn': 'dc=example,dc=org'}}},
        {LDAP_SETTINGS: {'data_sync': {'default_domain': 'example.org'}}},
        {LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}}},
        {LDAP_SETTINGS_INFO: {}},
    ], module_defaults=connection_vars(sandbox))
    blocked, hidden, env_owned, info = run.results
    assert blocked['failed'] and 'LDAP_BaseDN is blocked' in blocked['msg']
    assert hidden['failed'] and 'does not have the setting LDAP_Default_Domain' in hidden['msg']
    assert env_owned['changed'] and any('OVERWRITE_SETTING_LDAP_Host' in w for w in env_owned['warnings'])
    assert info['blocked'] == ['LDAP_BaseDN'] and info['env_owned'] == ['LDAP_Host']
    assert 'LDAP_Default_Domain' in info['unavailable']
    assert len(writes(sandbox)) == 1
    sandbox.restart()
    assert stored_settings(sandbox)['LDAP_Host'] == 'env.example.org'


def test_rate_limit_is_retried_with_a_warning(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.fault('/api/v1/settings', 'ratelimit', method='POST', seconds=1, times=1)
    result = run_playbook([{LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}}}],
                          module_defaults=connection_vars(sandbox)).results[0]
    assert result['changed'] and any('rate limited' in w for w in result['warnings'])
    assert stored_settings(sandbox)['LDAP_Host'] == 'ldap.example.org'


BIND_DN = 'cn=rocketchat,ou=services,dc=example,dc=org'
BIND_PASSWORD = 'Bind-Passw0rd-kept'


@pytest.mark.parametrize('mask_secrets', [False, True], ids=['disclosed', 'masked'])
def test_reset_unspecified_never_resets_the_bind_password_it_was_not_given(sandbox_clean, mask_secrets):
    sandbox = sandbox_clean
    sandbox.config(mask_secrets=mask_secrets)
    configure = {LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'},
                                 'authentication': {'enabled': True, 'bind_dn': BIND_DN,
                                                    'bind_password': BIND_PASSWORD}}}
    # What an export holds: never the password; on a masking server not the (hidden) bind DN either.
    authentication = {'enabled': True} if mask_secrets else {'enabled': True, 'bind_dn': BIND_DN}
    export_applied = {LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org'}, 'authentication': authentication,
                                      'reset_unspecified': True}}
    run = run_playbook([configure, export_applied, export_applied], module_defaults=connection_vars(sandbox))
    configured, reset, again = run.results
    assert configured['changed'], run
    assert 'LDAP_Authentication_Password' not in reset['changed_ids'], reset
    assert not again['changed'], again  # also on a masking server: nothing is reported changed every run
    stored = stored_settings(sandbox)
    assert stored['LDAP_Authentication_Password'] == BIND_PASSWORD and stored['LDAP_Authentication_UserDN'] == BIND_DN
    assert BIND_PASSWORD not in run.output


def test_masked_bind_dn_is_written_when_given_whatever_bind_password_update_says(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.config(mask_secrets=True)
    task = {LDAP_SETTINGS: {'authentication': {'enabled': True, 'bind_dn': BIND_DN, 'bind_password': BIND_PASSWORD},
                            'bind_password_update': 'on_create'}}
    moved = dict(task[LDAP_SETTINGS], authentication=dict(task[LDAP_SETTINGS]['authentication'],
                                                          bind_dn='cn=moved,' + BIND_DN))
    run = run_playbook([task, {LDAP_SETTINGS: moved}], module_defaults=connection_vars(sandbox))
    created, changed_dn = run.results
    assert set(created['changed_ids']) == {'LDAP_Authentication', 'LDAP_Authentication_UserDN',
                                           'LDAP_Authentication_Password'}, created
    # The stored password is hidden: on_create leaves it alone. The DN is hidden too, but it is no password.
    assert changed_dn['changed_ids'] == ['LDAP_Authentication_UserDN'], changed_dn
    warnings = [w for w in changed_dn['warnings'] if 'cannot be verified' in w]
    assert len(warnings) == 1 and 'LDAP_Authentication_UserDN' in warnings[0]
    stored = stored_settings(sandbox)
    assert stored['LDAP_Authentication_UserDN'] == 'cn=moved,' + BIND_DN
    assert stored['LDAP_Authentication_Password'] == BIND_PASSWORD


def test_masked_settings_written_only_because_unreadable_are_listed_as_unverified(sandbox_clean):
    sandbox = sandbox_clean
    task = {LDAP_SETTINGS: {'authentication': {'enabled': True, 'bind_dn': BIND_DN, 'bind_password': BIND_PASSWORD}}}
    disclosed = run_playbook([task, task], module_defaults=connection_vars(sandbox))
    assert disclosed.results[0]['unverified_ids'] == [] and not disclosed.results[1]['changed'], disclosed

    sandbox.config(mask_secrets=True)
    moved = {LDAP_SETTINGS: {'connection': {'host': 'moved.example.org'}, 'authentication': {'bind_dn': BIND_DN}}}
    masked = run_playbook([task, moved], module_defaults=connection_vars(sandbox))
    again, with_drift = masked.results
    # written on every run (the module says changed), but only because the values cannot be compared
    assert again['changed'] and again['changed_ids'] == again['unverified_ids'] == [
        'LDAP_Authentication_UserDN', 'LDAP_Authentication_Password'], again
    assert with_drift['changed_ids'] == ['LDAP_Host', 'LDAP_Authentication_UserDN'], with_drift
    assert with_drift['unverified_ids'] == ['LDAP_Authentication_UserDN'], with_drift
    assert with_drift['drift_ids'] == ['LDAP_Host'] and again['drift_ids'] == [], (with_drift, again)
    assert any('cannot be verified: when given, it is sent on every run' in w for w in again['warnings']), again

    sandbox.clear_requests()
    check = run_playbook([task], module_defaults=connection_vars(sandbox), check=True)
    preview = check.results[0]
    assert writes(sandbox) == [] and preview['unverified_ids'] == again['unverified_ids'], preview
    warnings = ' '.join(preview['warnings'])
    assert 'would be sent on every run' in warnings and 'is sent' not in warnings, preview
    assert BIND_PASSWORD not in masked.output + check.output
