"""ldap_sync with `report: false` through real ansible-playbook runs against the sandbox and slapd: only
the sync request is sent (no users.list before or after), and what it returns."""

from tests.integration.helpers import connection_vars, run_playbook
from tests.integration.test_ldap_role_mapping import SYNC, configure, sent, writes
from tests.integration.test_ldap_sync import SYNC_NOW, USERS_LIST


def ldap_usernames(sandbox):
    return sorted(user['username'] for user in sandbox.state()['users'] if user.get('ldap'))


def test_without_report_only_the_sync_is_sent_and_changed_means_a_sync_ran(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox)
    run = run_playbook([{SYNC: {'report': False}}, {SYNC: {'report': False}}],
                       module_defaults=connection_vars(sandbox))
    first, second = run.results
    for result in (first, second):
        assert result.get('failed') is not True, run
        assert result['synced'] is True and result['background_sync_enabled'] is False
        assert 'report' not in result and 'summary' not in result, result
        # without the before/after comparison the module cannot tell whether anything changed
        assert result['changed'] is True
    assert first['preconditions']['background_sync'] is True
    assert len(ldap_usernames(sandbox)) == 31  # the sync did run: every importable sample user
    assert sent(sandbox, USERS_LIST) == []
    assert len(sent(sandbox, SYNC_NOW)) == 2


def test_without_report_background_sync_is_still_turned_on_first(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox, LDAP_Background_Sync=False)
    conn = connection_vars(sandbox)
    planned = run_playbook([{SYNC: {'report': False, 'ensure_background_sync': True}}], module_defaults=conn,
                           check=True).results[0]
    assert planned['changed'] is True and planned['background_sync_enabled'] is True and planned['synced'] is False
    assert 'report' not in planned
    assert writes(sandbox) == [] and sent(sandbox, SYNC_NOW) == [] and sent(sandbox, USERS_LIST) == []

    ran = run_playbook([{SYNC: {'report': False, 'ensure_background_sync': True}}], module_defaults=conn).results[0]
    assert ran['changed'] is True and ran['background_sync_enabled'] is True and ran['synced'] is True
    assert 'report' not in ran and 'summary' not in ran
    assert len(ldap_usernames(sandbox)) == 31
    assert sent(sandbox, USERS_LIST) == [] and len(sent(sandbox, SYNC_NOW)) == 1
    # the only write before the sync is the Background Sync setting
    assert [path for method, path in writes(sandbox) if path != SYNC_NOW] == ['/api/v1/settings']
