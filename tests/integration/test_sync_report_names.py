"""ldap_sync's report names the users (created, deactivated, roles changed) and the directory users the
sync skipped, through real ansible-playbook runs against the sandbox and the session's slapd
(openldap sample directory: oscar has no mail; victor and walter are not in the ROCKET_CHAT group)."""

import json

import pytest

from tests.integration.helpers import connection_vars, run_playbook
from tests.integration.test_ldap_role_mapping import SYNC, configure

NO_EMAIL = ('no e-mail attribute: no value with "@" in mail (LDAP_Email_Field), LDAP_Default_Domain is empty and there '
            'is no single mail value, so the server rejects the entry ("Failed to get email address from LDAP user")')


# Rocket.Chat 8.x's users.list lists neither `ldap` nor `services.ldap` (REST-CONTRACT §7.3): `ldap` only when the
# server runs with ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS=true and the module asks for it in `fields`.
LINKS_UNKNOWN = ('users.list does not say which users are linked to LDAP (the server lists neither `ldap` nor '
                 '`services.ldap`), so 31 directory entries whose username or e-mail address a Rocket.Chat user has '
                 'are taken as synced: a local user the sync did not merge is not reported')


@pytest.mark.parametrize('unsafe_fields', [False, True], ids=['default-server', 'unsafe-fields-env'])
def test_the_report_names_created_users_and_the_user_without_e_mail_the_sync_skipped(
        sandbox_clean, slapd, unsafe_fields):
    sandbox = sandbox_clean
    configure(sandbox)
    if unsafe_fields:
        sandbox.config(allow_unsafe_query_and_fields=True)
    secret = slapd.info['ldap_bind_password']
    run = run_playbook([{SYNC: {}}], module_defaults=connection_vars(sandbox))
    result = run.results[0]
    report = result['report']
    assert result['synced'] and not result.get('failed'), run
    assert report['skipped'] == [{'username': 'oscar', 'dn': 'uid=oscar,%s' % sandbox.env['users_dn'],
                                  'reason': NO_EMAIL}]
    assert report['skipped_count'] == 1
    if unsafe_fields:  # `ldap: true` is listed: the users' LDAP links are known
        assert 'skipped_note' not in report, report['skipped_note']
    else:
        assert report['skipped_note'] == LINKS_UNKNOWN
    created = [u['username'] for u in report['created']]
    assert len(created) == 31 and 'oscar' not in created and {'victor', 'walter', 'alice'} <= set(created)
    assert created == sorted(created)
    assert report['omitted'] == dict((key, 0) for key in (
        'created', 'updated', 'deactivated', 'reactivated', 'removed', 'roles_changed', 'roles_added',
        'roles_removed', 'skipped'))
    # summary and msg (the same in one line) carry counts only, never the names.
    assert result['summary'] == {'created': 31, 'updated': 0, 'deactivated': 0, 'reactivated': 0, 'removed': 0,
                                 'roles_added': 0, 'roles_removed': 0, 'users_before': 3, 'users_after': 34,
                                 'skipped': 1}
    assert result['msg'].endswith('(3 users before, 34 after); 1 skipped')
    assert result['msg'].startswith('31 created, 0 updated') and 'oscar' not in result['msg']
    assert secret not in run.output and secret not in json.dumps(run.results)


def test_the_group_filter_bounds_the_skipped_users_and_role_changes_are_named(sandbox_clean, slapd):
    sandbox = sandbox_clean
    # Only members of ROCKET_CHAT (everyone but victor and walter) match the sync's search.
    configure(sandbox, LDAP_Group_Filter_Enable=True, LDAP_Group_Filter_Group_Member_Format='#{userdn}')
    conn = connection_vars(sandbox)
    first = run_playbook([{SYNC: {}}], module_defaults=conn).results[0]
    created = [u['username'] for u in first['report']['created']]
    assert 'victor' not in created and 'walter' not in created and len(created) == 29, first
    # victor and walter are outside the sync's search: not skipped, just not considered.
    assert [s['username'] for s in first['report']['skipped']] == ['oscar']

    # Role sync on: the default map gives rocket-admin -> admin (alice, bob), tech-support -> support.
    configure(sandbox, LDAP_Group_Filter_Enable=True, LDAP_Group_Filter_Group_Member_Format='#{userdn}',
              LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=sandbox.env['groups_dn'])
    second = run_playbook([{SYNC: {}}], module_defaults=conn).results[0]
    report = second['report']
    changed = dict((item['username'], item) for item in report['roles_changed'])
    assert changed['alice'] == {'username': 'alice', 'added': ['admin'], 'removed': []}, report
    assert changed['bob'] == {'username': 'bob', 'added': ['admin'], 'removed': []}
    assert report['roles_added']['alice'] == ['admin'] and report['totals']['created'] == 0
    assert [s['username'] for s in report['skipped']] == ['oscar'] and report['skipped_count'] == 1


def test_skipped_users_that_cannot_be_determined_warn_and_the_sync_still_succeeds(sandbox_clean, slapd):
    sandbox = sandbox_clean
    configure(sandbox)
    sandbox.config(mask_secrets=True)  # the service account's DN and password are not disclosed
    run = run_playbook([{SYNC: {}}], module_defaults=connection_vars(sandbox))
    result = run.results[0]
    assert result['synced'] and not result.get('failed') and result['report']['totals']['created'] == 31, run
    report = result['report']
    assert report['skipped'] == [] and report['skipped_count'] is None
    assert report['skipped_note'].startswith('skipped users could not be determined: the server does not disclose ')
    assert 'LDAP_Authentication_Password' in report['skipped_note']
    assert any(w.startswith('skipped users could not be determined') for w in result.get('warnings', []))
    assert result['msg'].endswith('; skipped users not determined')

    off = run_playbook([{SYNC: {'report_skipped': False}}], module_defaults=connection_vars(sandbox)).results[0]
    assert 'skipped' not in off['report'] and 'skipped_count' not in off['report']
    # the sandbox speaks plain HTTP, which is warned about; nothing about skipped users
    assert off.get('warnings') == ['api_url uses plain HTTP: the token and password travel unencrypted'], off
