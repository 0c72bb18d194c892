"""The role's ldap_sync_timeout reaches ldap_sync's sync_timeout (unset: not passed, the module's default), and
the report's sync line is the module's summary in one line; real runs of the collection's sync playbook (the
role's sync phase only) against the sandbox, whose workspace points at the session's slapd."""

import time

from tests.integration.helpers import run_collection_playbook
from tests.integration.test_ldap_role_mapping import configure, sent

SYNC_NOW = '/api/v1/ldap.syncNow'
# openldap sample directory: 31 users a sync creates, oscar (no mail) skipped; the sandbox starts with 3 users
LINE = '31 created, 0 updated, 0 deactivated, 0 reactivated; 0 roles added, 0 removed (3 users before, 34 after); 1 skipped'


def sync_playbook(sandbox, report, **variables):
    """chatops.rocketchat.sync on localhost with the sandbox admin's personal access token (2FA bypass: one
    Sync Now request, no login)."""
    env = sandbox.env
    extra_vars = dict(variables, rocketchat_workspaces='localhost', ansible_connection='local',
                      ldap_api_url=sandbox.url, ldap_api_user_id=env['admin_user_id'],
                      ldap_api_token=env['admin_token'], ldap_report_path=str(report))
    return run_collection_playbook('sync', 'localhost,', extra_vars=extra_vars)


def test_unset_the_module_default_applies_and_the_report_gives_the_summary_line(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    configure(sandbox)
    report = tmp_path / 'report.md'
    run = sync_playbook(sandbox, report)  # ldap_sync_timeout: null, as the defaults have it
    assert run.returncode == 0, run
    text = report.read_text(encoding='utf-8')
    assert '| localhost | not compared | 0 | not run | %s |' % LINE in text, text
    assert '### Sync\n\n%s\n' % LINE in text, text
    assert len(sent(sandbox, SYNC_NOW)) == 1


def test_a_small_value_is_the_wait_for_sync_now_which_is_never_sent_twice(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    configure(sandbox)
    report = tmp_path / 'report.md'
    sandbox.fault(SYNC_NOW, 'delay', method='POST', seconds=3, times=1)
    run = sync_playbook(sandbox, report, ldap_sync_timeout=1)
    assert run.returncode != 0, run
    text = report.read_text(encoding='utf-8')
    assert '**Failed** in the sync phase: ' in text and 'may still be processing it' in text, text
    assert '| localhost | failed | 0 | not run | failed |' in text, text
    time.sleep(3)  # the server finishes the sync it got; a retry would show up as a second request
    assert len(sent(sandbox, SYNC_NOW)) == 1


def test_zero_is_refused_by_the_module_naming_its_option_and_nothing_is_synced(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    configure(sandbox)
    report = tmp_path / 'report.md'
    run = sync_playbook(sandbox, report, ldap_sync_timeout=0)
    assert run.returncode != 0, run
    text = report.read_text(encoding='utf-8')
    assert 'sync_timeout: 0 is out of range; accepted: a positive number of seconds' in text, text
    assert sent(sandbox, SYNC_NOW) == []
