"""ldap_sync through real ansible-playbook runs against the sandbox and slapd: preconditions, what a
sync reports, what it costs in requests, and check mode."""

import json
import time

import ldap3

from tests.integration.helpers import connection_vars, run_playbook
from tests.integration.test_ldap_role_mapping import (
    SYNC, configure, modify_directory, sent, stored, writes,
)

SYNC_NOW = '/api/v1/ldap.syncNow'
USERS_LIST = '/api/v1/users.list'


def test_background_sync_off_is_explained_or_turned_on_first(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox, LDAP_Background_Sync=False)
    conn = connection_vars(sandbox)
    refused = run_playbook([{SYNC: {}}], module_defaults=conn).results[0]
    assert refused['failed'] and 'ensure_background_sync' in refused['msg'] and 'do nothing' in refused['msg']
    assert refused['preconditions']['background_sync'] is False
    assert sent(sandbox, SYNC_NOW) == [] and writes(sandbox) == []

    planned = run_playbook([{SYNC: {'ensure_background_sync': True}}], module_defaults=conn, check=True).results[0]
    assert planned['changed'] and planned['background_sync_enabled'] and not planned['synced']
    assert sent(sandbox, SYNC_NOW) == [] and writes(sandbox) == [] and stored(sandbox, 'LDAP_Background_Sync') is False

    ran = run_playbook([{SYNC: {'ensure_background_sync': True}}], module_defaults=conn).results[0]
    assert ran['changed'] and ran['background_sync_enabled'] and ran['synced']
    assert stored(sandbox, 'LDAP_Background_Sync') is True
    assert ran['report']['totals']['created'] == 31
    assert len(sent(sandbox, SYNC_NOW)) == 1


def test_report_of_created_deactivated_and_unchanged_users_at_a_cost_of_pages(sandbox_clean, slapd):
    sandbox = sandbox_clean
    configure(sandbox)
    conn = connection_vars(sandbox)
    first = run_playbook([{SYNC: {}}], module_defaults=conn).results[0]
    report = first['report']
    assert first['changed'] and first['msg'].startswith('31 created, 0 updated')
    assert first['summary'] == dict(report['totals'], skipped=1)  # oscar: no e-mail
    created = dict((u['username'], u) for u in report['created'])
    assert created['mallory']['active'] is False  # locked in the directory (pwdAccountLockedTime)
    assert created['alice']['active'] is True and report['totals']['users_before'] == 3
    # 3 users before (one page), 34 after (one page): two users.list requests, one Sync Now
    assert len(sent(sandbox, USERS_LIST)) == 2 and len(sent(sandbox, SYNC_NOW)) == 1

    bob = 'uid=bob,%s' % sandbox.env['users_dn']
    modify_directory(slapd, bob, {'pwdAccountLockedTime': [(ldap3.MODIFY_REPLACE, ['000001010000Z'])]})
    try:
        sandbox.clear_requests()
        run = run_playbook([{SYNC: {}}, {SYNC: {}}], module_defaults=conn)
    finally:
        modify_directory(slapd, bob, {'pwdAccountLockedTime': [(ldap3.MODIFY_DELETE, [])]})
    locked, unchanged = run.results
    assert locked['changed'] and locked['report']['deactivated'] == ['bob'], run
    assert locked['report']['updated'] == [{'username': 'bob', 'changes': {'active': {'before': True,
                                                                                       'after': False}}}]
    assert not unchanged['changed'] and unchanged['synced']
    assert unchanged['report']['totals'] == {'users_before': 34, 'users_after': 34, 'created': 0, 'updated': 0,
                                             'deactivated': 0, 'reactivated': 0, 'removed': 0, 'roles_added': 0,
                                             'roles_removed': 0}
    assert len(sent(sandbox, USERS_LIST)) == 4 and len(sent(sandbox, SYNC_NOW)) == 2


def test_check_mode_reports_preconditions_and_sends_nothing(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    result = run_playbook([{SYNC: {}}], module_defaults=connection_vars(sandbox), check=True).results[0]
    assert result['preconditions'] == {'ldap_enabled': True, 'licensed': True, 'background_sync': True,
                                       'import_new_users': True, 'keep_existing_users_updated': True}
    assert not result['changed'] and not result['synced'] and 'report' not in result
    assert [r for r in sandbox.requests() if r['method'] != 'GET' and 'private-settings' not in r['path']] == []
    assert len(sandbox.state()['users']) == 3


def test_ldap_disabled_and_no_licence_are_explained(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox, LDAP_Enable=False)
    conn = connection_vars(sandbox)
    disabled = run_playbook([{SYNC: {}}], module_defaults=conn).results[0]
    assert disabled['failed'] and 'LDAP_Enable' in disabled['msg']

    configure(sandbox, LDAP_Enable=True)
    sandbox.config(license='none')  # sandbox_clean restores the licence for the next test
    unlicensed = run_playbook([{SYNC: {'ensure_background_sync': True}}], module_defaults=conn).results[0]
    assert unlicensed['failed'] and 'ldap-enterprise' in unlicensed['msg'] and 'second factor' in unlicensed['msg']
    assert unlicensed['preconditions']['licensed'] is False and 'two_factor_forced' not in unlicensed['preconditions']
    assert sent(sandbox, SYNC_NOW) == [] and writes(sandbox) == []


def test_a_slow_sync_gets_sync_timeout_and_is_never_sent_twice(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    conn = connection_vars(sandbox, timeout=1)
    sandbox.fault(SYNC_NOW, 'delay', method='POST', seconds=2, times=1)
    slow = run_playbook([{SYNC: {'report': False}}], module_defaults=conn).results[0]
    assert slow['synced'] and slow['changed'], slow  # `timeout: 1` is for the other requests only

    sandbox.fault(SYNC_NOW, 'delay', method='POST', seconds=3, times=2)
    sandbox.clear_requests()
    unanswered = run_playbook([{SYNC: {'report': False, 'sync_timeout': 1}}], module_defaults=conn).results[0]
    assert unanswered['failed'] and 'may still be processing it' in unanswered['msg'], unanswered
    time.sleep(3)  # the server finishes the sync it got; a retry would show up as a second request
    assert len(sent(sandbox, SYNC_NOW)) == 1


def test_timeouts_out_of_range_are_refused_naming_the_option_and_nothing_is_sent(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    sandbox.clear_requests()
    cases = [({'sync_timeout': 0}, {}, 'sync_timeout: 0 is out of range; accepted: a positive number of seconds'),
             ({'sync_timeout': -1}, {}, 'sync_timeout: -1 is out of range'),
             ({}, {'timeout': 0}, 'timeout: 0 is out of range; accepted: a positive number of seconds'),
             ({}, {'timeout': -5}, 'timeout: -5 is out of range'),
             ({}, {'max_retry_wait': -1}, 'max_retry_wait: -1 is out of range; accepted: 0 (no retries)')]
    for options, connection, message in cases:
        result = run_playbook([{SYNC: dict(options, report=False)}],
                              module_defaults=connection_vars(sandbox, **connection)).results[0]
        assert result['failed'] and message in result['msg'], (options, connection, result)
        assert 'ValueError' not in result.get('exception', '') + result['msg']
    assert sent(sandbox, SYNC_NOW) == [] and writes(sandbox) == []


def test_an_api_url_with_credentials_is_refused_and_never_echoed(sandbox_clean):
    """https://user:password@host would show in messages, results and the invocation: refused, masked."""
    sandbox = sandbox_clean
    secret = 'Url-Secret-4711'
    url = sandbox.url.replace('://', '://admin:%s@' % secret)
    run = run_playbook([{SYNC: {'report': False}}], module_defaults=connection_vars(sandbox, api_url=url),
                       extra_env={'ANSIBLE_INJECT_INVOCATION': '1'}, verbosity=3)
    result = run.results[0]
    assert result['failed'] and result['msg'].startswith('api_url: holds credentials'), result
    assert secret not in run.output and secret not in json.dumps(result)
    assert sent(sandbox, SYNC_NOW) == []


def test_an_api_url_that_is_the_only_credential_is_never_echoed(sandbox_clean):
    """With no other credential Ansible's own required-options check fails first (ldap_sync), or the
    module has no connection at all (ldap_check): the URL and its password are still masked."""
    sandbox = sandbox_clean
    secret = 'Only-Url-Secret-0815'
    url = sandbox.url.replace('://', '://admin:%s@' % secret)
    run = run_playbook([{SYNC: {'api_url': url, 'report': False}},
                        {'chatops.rocketchat.ldap_check': {'api_url': url, 'connection': {'host': 'localhost'},
                                                           'fail_on': 'never'}}],
                       extra_env={'ANSIBLE_INJECT_INVOCATION': '1'}, verbosity=3)
    assert all(result['failed'] for result in run.results), run.results
    assert secret not in run.output and secret not in json.dumps(run.results)
    assert run.results[1]['msg'].startswith('api_url: holds credentials'), run.results[1]


def test_a_sync_the_size_limit_cut_short_on_the_server_is_a_failure_naming_the_cause(sandbox_clean):
    # The server's search of all users stops at LDAP_Search_Size_Limit (sizeLimitExceeded); 8.x only logs
    # "Sync failed" and Sync Now answers success, with nobody imported.
    sandbox = sandbox_clean
    configure(sandbox, LDAP_Search_Size_Limit=5)
    result = run_playbook([{SYNC: {}}], module_defaults=connection_vars(sandbox)).results[0]
    assert result['failed'] and result['synced'] is True, result
    assert 'LDAP_Search_Size_Limit (5)' in result['msg'] and 'user_search.size_limit' in result['msg'], result['msg']
    assert result['report']['totals']['created'] == 0
    assert any('Sync failed' in entry['line'] for entry in sandbox.state()['log']), 'the sandbox did not fail the sync as 8.x does'
