"""The collection's playbooks, run by FQCN (`ansible-playbook chatops.rocketchat.<name>`) with an
inventory of one workspace (the sandbox) against the session's slapd: the GitOps cycle configure ->
a change behind Ansible's back -> drift -> export -> drift with the exported vars; verify and sync;
the report; and a failing phase that still logs out and writes the report."""

import socket

import pytest
import requests
import yaml

from tests.integration.helpers import custom_stats, run_collection_playbook, stored_settings, writes
from tests.integration.test_ldap_channel_team_mapping import save_settings_without_validation_rules
from tests.integration.test_role_ldap import ldap_users, requests_to, role_vars
from tests.sandbox.rocketchat.launcher import SandboxClient, SandboxProcess, environment

WORKSPACE = 'ws1'


def write_inventory(tmp_path, variables, **more_workspaces):
    """An inventory whose `rocketchat` group (the playbooks' default hosts) holds the workspace
    WORKSPACE with `variables`, and the workspaces of `more_workspaces` (name=variables)."""
    hosts = dict((name, dict(host_vars, ansible_connection='local'))
                 for name, host_vars in dict(more_workspaces, **{WORKSPACE: variables}).items())
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump({'rocketchat': {'hosts': hosts}}), encoding='utf-8')
    return path


@pytest.fixture(scope='module')
def second_sandbox(slapd, tmp_path_factory):
    """Another workspace: a second sandbox process, on an older version (8.5.0)."""
    process = SandboxProcess(tmp_path_factory.mktemp('rocketchat-2'), version='8.5.0')
    process.start()
    try:
        yield SandboxClient(environment(process.info, slapd.info))
    finally:
        process.stop()


def change_behind_ansibles_back(sandbox, setting_id, value):
    """What an administrator does in the admin UI: one setting saved through the REST API."""
    reply = requests.post('%s/api/v1/settings/%s' % (sandbox.url, setting_id), json={'value': value},
                          headers=sandbox.admin_headers, timeout=30)
    assert reply.status_code == 200, reply.text


def assert_no_secret(text, sandbox, slapd):
    for secret in (slapd.info['ldap_bind_password'], sandbox.env['admin_password'], sandbox.env['admin_token']):
        assert secret not in text


def logins_and_logouts(sandbox):
    return len(requests_to(sandbox, '/api/v1/login')), len(requests_to(sandbox, '/api/v1/logout'))


def test_configure_then_drift_is_caught_exported_and_the_export_matches(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report, ldap_sync_mode='never',
                          ldap_team_mapping={'base_dn': slapd.info['teams_dn'], 'name_attributes': ['cn']})
    # 'once' reads every group of the user with one search: a filter without #{groupName}
    variables['ldap_role_mapping'].update(validation_strategy='once', filter='(memberUid=#{username})')
    inventory = write_inventory(tmp_path, variables)

    configure = run_collection_playbook('configure', inventory)
    assert configure.returncode == 0, configure
    assert stored_settings(sandbox)['LDAP_User_Search_Filter'] == '(objectClass=inetOrgPerson)'
    assert '| %s | changed |' % WORKSPACE in report.read_text(encoding='utf-8')

    change_behind_ansibles_back(sandbox, 'LDAP_User_Search_Filter', '(objectClass=person)')
    sandbox.clear_requests()
    drift = run_collection_playbook('drift', inventory)
    assert drift.returncode != 0, drift
    assert "%s drifted from the inventory: ['LDAP_User_Search_Filter']" % WORKSPACE in drift.output
    assert writes(sandbox) == [] and stored_settings(sandbox)['LDAP_User_Search_Filter'] == '(objectClass=person)'
    assert logins_and_logouts(sandbox) == (1, 1)
    text = report.read_text(encoding='utf-8')
    assert text.startswith('# Rocket.Chat LDAP: 1 workspace')
    assert 'Check mode: nothing was changed' in text
    assert '| %s | would change | 1 |' % WORKSPACE in text
    assert '| `LDAP_User_Search_Filter` | `(objectClass=person)` | `(objectClass=inetOrgPerson)` |' in text
    assert_no_secret(text + drift.output, sandbox, slapd)

    # Bring the workspace as it is now into Git: the exported vars describe it, so drift passes.
    export_dir = tmp_path / 'exported'  # the playbook creates it
    export = run_collection_playbook('export', inventory, extra_vars={'export_dir': str(export_dir)})
    assert export.returncode == 0, export
    exported_text = (export_dir / ('%s.yml' % WORKSPACE)).read_text(encoding='utf-8')
    assert_no_secret(exported_text, sandbox, slapd)
    exported = yaml.safe_load(exported_text)
    assert exported['ldap_settings']['user_search']['filter'] == '(objectClass=person)'
    assert exported['ldap_settings']['connection']['port'] == slapd.info['port']
    assert 'bind_password' not in exported['ldap_settings'].get('authentication', {})
    assert sorted((m['group'], m['roles']) for m in exported['ldap_role_mapping']['mappings']) == [
        ('rocket-admin', ['admin']), ('tech-support', ['livechat-agent'])]
    assert exported['ldap_role_mapping']['validation_strategy'] == 'once'
    assert exported['ldap_channel_mapping']['validation_strategy'] == 'each_group'
    assert exported['ldap_team_mapping']['name_attributes'] == ['cn']
    assert 'was NOT exported' not in exported_text and 'was not exported' not in export.output

    matches = run_collection_playbook('drift', inventory, extra_vars=exported)
    assert matches.returncode == 0, matches
    assert '%s matches the inventory' % WORKSPACE in matches.output
    assert '| %s | in sync | 0 |' % WORKSPACE in report.read_text(encoding='utf-8')


def test_export_says_which_maps_it_could_not_read(sandbox_clean, slapd, tmp_path):
    # Without the Enterprise licence the mapping modules refuse to run: the maps are not readable.
    sandbox = sandbox_clean
    sandbox.config(license='none')
    export_dir = tmp_path / 'exported'
    inventory = write_inventory(tmp_path, role_vars(sandbox, slapd, tmp_path / 'report.md'))
    export = run_collection_playbook('export', inventory, extra_vars={'export_dir': str(export_dir)})
    assert export.returncode == 0, export

    exported_text = (export_dir / ('%s.yml' % WORKSPACE)).read_text(encoding='utf-8')
    for name in ('ldap_role_mapping', 'ldap_channel_mapping', 'ldap_team_mapping'):
        assert '# WARNING: %s was NOT exported: reading it failed: ' % name in exported_text
        assert 'WARNING: %s of %s was not exported, reading it failed:' % (name, WORKSPACE) in export.output
        assert yaml.safe_load(exported_text)[name] == {}
    assert_no_secret(exported_text + export.output, sandbox, slapd)


def test_verify_tests_only_and_sync_imports_users_with_their_roles(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    inventory = write_inventory(tmp_path, role_vars(sandbox, slapd, report, ldap_sync_mode='never', ldap_preflight=True,
                                                    ldap_preflight_users=[{'username': 'alice'}, {'username': 'carol'}]))
    configure = run_collection_playbook('configure', inventory)
    assert configure.returncode == 0, configure
    assert ldap_users(sandbox) == {}

    sandbox.clear_requests()
    verify = run_collection_playbook('verify', inventory)
    assert verify.returncode == 0, verify
    assert writes(sandbox) == [] and logins_and_logouts(sandbox) == (1, 1)
    # the preflight reads the saved settings; nothing posts them
    assert [r['method'] for r in requests_to(sandbox, '/api/v1/settings')] == ['GET']
    assert requests_to(sandbox, '/api/v1/ldap.syncNow') == []
    text = report.read_text(encoding='utf-8')
    assert '| %s | not compared | 0 | passed | not run |' % WORKSPACE in text
    assert 'No setting or map was compared or written (this run: preflight, verify).' in text
    assert 'Search `alice`: found (as expected)' in text and 'Search `nobody`: not_found (as expected)' in text
    assert text.count('Not run: this run does not include the configure phase.') == 2  # settings, mappings
    assert 'Not run: this run does not include the sync phase.' in text
    # the preflight's preview of each user: what the sync would make of them
    assert '| alice | yes | alice | alice@example.org |  | admin |  |  |' in text, text
    assert '| carol | yes | carol | carol@example.org |  | livechat-agent |  |  |' in text

    sandbox.clear_requests()
    sync = run_collection_playbook('sync', inventory)
    assert sync.returncode == 0, sync
    # one Sync Now, answered like every write on the production default (2FA with the password
    # fallback): the login token is challenged (400 totp-required), the password answers it (200)
    assert [r['status'] for r in requests_to(sandbox, '/api/v1/ldap.syncNow')] == [400, 200]
    assert logins_and_logouts(sandbox) == (1, 1)
    users = ldap_users(sandbox)
    assert len(users) == 31
    assert users['alice'] == ['admin', 'user'] and users['carol'] == ['livechat-agent', 'user']
    text = report.read_text(encoding='utf-8')
    assert '31 created' in text and '| alice | admin, user | yes |' in text
    assert 'Sync Now ran on 1 workspace: see Sync below.' in text
    assert '| %s | not compared | 0 | not run |' % WORKSPACE in text
    assert_no_secret(text + verify.output + sync.output, sandbox, slapd)


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_a_failing_phase_still_logs_out_and_writes_the_report(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report)
    variables['ldap_role_mapping']['mappings'][1]['roles'] = ['no-such-role']
    run = run_collection_playbook('configure', write_inventory(tmp_path, variables))

    assert run.returncode != 0, run
    assert logins_and_logouts(sandbox) == (1, 1)
    assert 'no-such-role' in run.output
    # the settings and the maps are validated together before the one write: nothing was written, and no
    # sync follows a failure
    assert writes(sandbox) == [] and stored_settings(sandbox)['LDAP_Enable'] is False
    assert requests_to(sandbox, '/api/v1/ldap.syncNow') == []
    text = report.read_text(encoding='utf-8')
    assert '| %s | failed | 0 | not run | not run |' % WORKSPACE in text
    assert ('**Failed** in the configure phase: Configure and verify: role_mapping: mappings[1].roles: unknown roles'
            in text) and '(nothing was written)' in text
    assert '- roles: **failed**: mappings[1].roles: unknown roles' in text and 'no-such-role' in text
    assert 'A phase failed: only the changes listed below were made' in text and 'Applied:' not in text
    assert '- **%s: the configure phase failed.**' % WORKSPACE in text
    assert '`LDAP_Enable`' not in text
    assert text.count('Not run: the configure phase failed first.') == 3  # settings, server tests, sync
    assert_no_secret(text + run.output, sandbox, slapd)


def test_a_failed_settings_phase_is_reported_with_its_message(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report)
    variables['ldap_settings']['connection']['encryption'] = 'carrier-pigeon'
    run = run_collection_playbook('configure', write_inventory(tmp_path, variables))
    assert run.returncode != 0, run
    assert writes(sandbox) == []

    text = report.read_text(encoding='utf-8')
    settings = text[text.index('### Settings'):text.index('### Mappings')]
    assert settings.startswith('### Settings\n\n**Failed:** ') and 'carrier-pigeon' in settings, text
    assert 'No change.' not in text and 'Applied:' not in text
    assert '- **%s: the configure phase failed.**' % WORKSPACE in text
    # the role map, given, was not reached: the settings failed first and nothing was written
    assert '- roles: not reached (the configure phase failed first)' in text, text
    assert text.count('Not run: the configure phase failed first.') == 2  # server tests, sync
    assert_no_secret(text + run.output, sandbox, slapd)


def test_an_unreachable_directory_stops_at_the_preflight_before_any_write(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report, ldap_preflight=True)
    port = variables['ldap_settings']['connection']['port'] = closed_port()
    run = run_collection_playbook('configure', write_inventory(tmp_path, variables))

    assert run.returncode != 0, run
    assert writes(sandbox) == [] and logins_and_logouts(sandbox) == (1, 1)
    text = report.read_text(encoding='utf-8')
    assert '| %s | failed |' % WORKSPACE in text
    assert '**Failed** in the preflight phase: Check the settings directly against the directory, ' in text
    assert 'Applied:' not in text and '- **%s: the preflight phase failed.**' % WORKSPACE in text
    # settings, mappings, server tests and sync: none ran after the preflight
    assert text.count('Not run: the preflight phase failed first.') == 4
    assert '### Preflight (directory checks from the controller)' in text
    assert '- **fail** tcp: cannot connect to localhost:%d' % port in text
    assert_no_secret(text + run.output, sandbox, slapd)


def test_phase_tags_select_what_runs(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    inventory = write_inventory(tmp_path, role_vars(sandbox, slapd, report))

    # --skip-tags sync: configured (so a sync would be due) but not synced
    no_sync = run_collection_playbook('configure', inventory, extra_env={'ANSIBLE_SKIP_TAGS': 'sync'})
    assert no_sync.returncode == 0, no_sync
    assert stored_settings(sandbox)['LDAP_Enable'] is True
    assert requests_to(sandbox, '/api/v1/ldap.syncNow') == [] and ldap_users(sandbox) == {}
    text = report.read_text(encoding='utf-8')
    assert '| %s | changed | 14 | passed | not run |' % WORKSPACE in text
    assert 'Not run: the sync phase was not selected (tags).' in text

    # --tags verify: the server tests only (and the report, tagged always); nothing is written
    change_behind_ansibles_back(sandbox, 'LDAP_User_Search_Filter', '(objectClass=person)')
    sandbox.clear_requests()
    verify_only = run_collection_playbook('configure', inventory, extra_env={'ANSIBLE_RUN_TAGS': 'verify'})
    assert verify_only.returncode == 0, verify_only
    assert writes(sandbox) == [] and logins_and_logouts(sandbox) == (1, 1)
    assert stored_settings(sandbox)['LDAP_User_Search_Filter'] == '(objectClass=person)'
    assert requests_to(sandbox, '/api/v1/ldap.testConnection') and requests_to(sandbox, '/api/v1/ldap.testSearch')
    text = report.read_text(encoding='utf-8')
    # the configure phase did not run: the workspace was not compared with the inventory
    assert '| %s | not compared | 0 | passed | not run |' % WORKSPACE in text
    assert 'Not run: the configure phase was not selected (tags).' in text


def test_one_report_for_two_workspaces(sandbox_clean, second_sandbox, slapd, tmp_path):
    second_sandbox.reset(startup=True)
    report = tmp_path / 'report.md'
    first_vars = role_vars(sandbox_clean, slapd, report, ldap_sync_mode='never')
    second_vars = role_vars(second_sandbox, slapd, report, ldap_sync_mode='never', ldap_role_mapping={})
    second_vars['ldap_settings']['user_search']['filter'] = '(objectClass=person)'
    inventory = write_inventory(tmp_path, first_vars, ws2=second_vars)

    run = run_collection_playbook('configure', inventory)
    assert run.returncode == 0, run
    assert stored_settings(sandbox_clean)['LDAP_User_Search_Filter'] == '(objectClass=inetOrgPerson)'
    assert stored_settings(second_sandbox)['LDAP_User_Search_Filter'] == '(objectClass=person)'

    text = report.read_text(encoding='utf-8')
    assert text.startswith('# Rocket.Chat LDAP: 2 workspaces')
    assert '| ws1 | changed |' in text and '| ws2 | changed |' in text
    assert '## ws1 (Rocket.Chat 8.8.1)' in text and '## ws2 (Rocket.Chat 8.5.0)' in text
    second_section = text[text.index('## ws2'):]
    assert '| `LDAP_User_Search_Filter` | `(objectclass=*)` | `(objectClass=person)` |' in second_section
    assert 'rocket-admin' not in second_section  # ws2 has no role map
    assert_no_secret(text + run.output, sandbox_clean, slapd)



def test_the_preview_of_a_new_workspace_checks_the_groups_with_the_settings_from_git(sandbox_clean, slapd, tmp_path):
    # A blank workspace (no LDAP host saved): the preview searches the directory with Git's settings.
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report, ldap_preflight=True,
                          ldap_preflight_users=[{'username': 'alice'}, {'username': 'carol'}])
    variables['ldap_role_mapping']['validate_groups'] = True
    preview = run_collection_playbook('configure', write_inventory(tmp_path, variables), check=True, diff=True)
    assert preview.returncode == 0, preview
    assert writes(sandbox) == []
    text = report.read_text(encoding='utf-8')
    assert '| %s | would change |' % WORKSPACE in text
    # the preflight previews the role map from Git (the workspace has none saved)
    assert '| alice | yes | alice | alice@example.org |  | admin |  |  |' in text, text
    assert '| carol | yes | carol | carol@example.org |  | livechat-agent |  |  |' in text

    # A wrong bind password in Git fails the preview, before anything is written.
    variables['ldap_settings']['authentication']['bind_password'] = 'not-the-password'
    variables['ldap_preflight'] = False  # the mapping module's own search must catch it
    wrong = run_collection_playbook('configure', write_inventory(tmp_path, variables), check=True, diff=True)
    assert wrong.returncode != 0, wrong
    assert 'validate_groups' in wrong.output, wrong
    assert writes(sandbox) == []
    assert_no_secret(report.read_text(encoding='utf-8') + wrong.output + preview.output, sandbox, slapd)
    assert 'not-the-password' not in wrong.output


def test_a_workspace_without_the_licence_is_told_every_enterprise_feature_up_front(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    sandbox.config(license='none')
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report,
                          ldap_channel_mapping={'enabled': True, 'base_dn': slapd.info['groups_dn'],
                                                'filter': '(&(cn=#{groupName})(memberUid=#{username}))',
                                                'mappings': [{'group': 'developers', 'channels': ['dev']}]})
    variables['ldap_settings']['active_state'] = 'disable'
    inventory = write_inventory(tmp_path, variables)
    for check in (True, False):
        sandbox.clear_requests()
        run = run_collection_playbook('configure', inventory, check=check)
        assert run.returncode != 0, run
        assert writes(sandbox) == []
        # one message, before anything is written, naming every Enterprise feature of the inventory
        expected = ('the workspace has no active \'ldap-enterprise\' licence module (community edition; active modules: '
                    'none), but the task asks for these Enterprise features, which the server would ignore or refuse: '
                    'ldap_settings.active_state, ldap_settings.background_sync, ldap_role_mapping, '
                    'ldap_channel_mapping.')
        assert expected in ' '.join(run.output.split()), run
        text = report.read_text(encoding='utf-8')
        assert '**Failed** in the configure phase: Configure and verify: the workspace has no active' in text
        assert requests_to(sandbox, '/api/v1/settings') == []  # the settings were not even read

    # licensed, the same inventory passes the check without a word about it
    sandbox.config(license='ldap-enterprise')
    run = run_collection_playbook('configure', inventory, check=True)
    assert run.returncode == 0, run
    assert 'has no active \'ldap-enterprise\' licence module' not in run.output


class Unsafe(str):
    """A string the YAML file tagged !unsafe."""

    def __eq__(self, other):
        return isinstance(other, Unsafe) and str.__eq__(self, other)

    __hash__ = str.__hash__


class UnsafeTagLoader(yaml.SafeLoader):
    """yaml.safe_load, plus Ansible's !unsafe tag (as Unsafe)."""


UnsafeTagLoader.add_constructor('!unsafe', lambda loader, node: Unsafe(loader.construct_scalar(node)))


def test_jinja_in_workspace_data_stays_data_through_export_and_reapply(sandbox_clean, slapd, tmp_path):
    # Anyone who may edit LDAP settings can store text that Ansible would evaluate on the controller
    # once the export is used as vars: the export must keep it as the server stores it.
    sandbox = sandbox_clean
    marker = tmp_path / 'evaluated'
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report, ldap_sync_mode='never')
    inventory = write_inventory(tmp_path, variables)
    assert run_collection_playbook('configure', inventory).returncode == 0
    domain = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker
    group = '{{ 40 + 9 }}-group'
    change_behind_ansibles_back(sandbox, 'LDAP_Default_Domain', domain)
    change_behind_ansibles_back(sandbox, 'LDAP_Sync_User_Data_RolesMap',
                                '{"rocket-admin": ["admin"], "tech-support": ["livechat-agent"], "%s": ["admin"]}'
                                % group)

    export_dir = tmp_path / 'exported'
    export = run_collection_playbook('export', inventory, extra_vars={'export_dir': str(export_dir)})
    assert export.returncode == 0, export
    text = (export_dir / ('%s.yml' % WORKSPACE)).read_text(encoding='utf-8')
    exported = yaml.load(text, Loader=UnsafeTagLoader)
    assert exported['ldap_settings']['data_sync']['default_domain'] == Unsafe(domain), text
    assert {'group': Unsafe(group), 'roles': ['admin']} in exported['ldap_role_mapping']['mappings'], text
    assert exported['ldap_settings']['connection']['host'] == 'localhost'  # text without Jinja: no tag
    assert not marker.exists()

    # the export as host_vars: nothing evaluated, nothing to change (the values are the stored ones)
    host_vars = tmp_path / 'host_vars'
    host_vars.mkdir()
    (host_vars / ('%s.yml' % WORKSPACE)).write_text(text, encoding='utf-8')
    sandbox.clear_requests()
    drift = run_collection_playbook('drift', inventory)
    assert drift.returncode == 0, drift
    assert '%s matches the inventory' % WORKSPACE in drift.output
    assert writes(sandbox) == [] and not marker.exists()
    assert stored_settings(sandbox)['LDAP_Default_Domain'] == domain
    assert '"%s"' % group in stored_settings(sandbox)['LDAP_Sync_User_Data_RolesMap']


def test_drift_passes_on_a_server_that_masks_secrets_and_names_only_real_drift(sandbox_clean, slapd, tmp_path):
    """The bind DN and password of a server that masks secrets are written on every run (they cannot be
    compared): the drift playbook applies the role's own drift rule and does not count them."""
    sandbox = sandbox_clean
    sandbox.config(mask_secrets=True)
    variables = role_vars(sandbox, slapd, tmp_path / 'report.md', ldap_sync_mode='never')
    inventory = write_inventory(tmp_path, variables)
    configure = run_collection_playbook('configure', inventory)
    assert configure.returncode == 0, configure

    drift = run_collection_playbook('drift', inventory)
    assert drift.returncode == 0, drift
    assert '%s matches the inventory' % WORKSPACE in drift.output

    change_behind_ansibles_back(sandbox, 'LDAP_User_Search_Filter', '(objectClass=person)')
    drift = run_collection_playbook('drift', inventory)
    assert drift.returncode != 0, drift
    assert "%s drifted from the inventory: ['LDAP_User_Search_Filter']" % WORKSPACE in drift.output


def test_a_backtick_in_a_stored_value_stays_inside_the_reports_code_span(sandbox_clean, slapd, tmp_path):
    """A value someone stored with a backtick cannot end the report's code span and become Markdown."""
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report, ldap_sync_mode='never')
    inventory = write_inventory(tmp_path, variables)
    assert run_collection_playbook('configure', inventory).returncode == 0
    stored = '(cn=x`[link](https://evil.example/)`)'
    change_behind_ansibles_back(sandbox, 'LDAP_User_Search_Filter', stored)
    drift = run_collection_playbook('drift', inventory)
    assert drift.returncode != 0, drift
    text = report.read_text(encoding='utf-8')
    row = next(line for line in text.splitlines() if line.startswith('| `LDAP_User_Search_Filter`'))
    assert '| ``%s`` |' % stored in row, row


def test_a_failed_login_still_writes_the_report_naming_the_login(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    wrong = 'not-the-admin-password'
    variables = role_vars(sandbox, slapd, report, ldap_api_password=wrong)
    run = run_collection_playbook('configure', write_inventory(tmp_path, variables))
    assert run.returncode != 0, run
    assert [r['status'] for r in requests_to(sandbox, '/api/v1/login')] == [401]
    assert writes(sandbox) == [] and requests_to(sandbox, '/api/v1/logout') == []
    text = report.read_text(encoding='utf-8')
    assert '| %s | failed | 0 | not run | not run |' % WORKSPACE in text, text
    assert '- **%s: the login phase failed.**' % WORKSPACE in text
    assert '**Failed** in the login phase: Stop when the login failed: ' in text
    # settings, mappings, server tests and sync: none ran without the login
    assert text.count('Not run: the login phase failed first.') == 4, text
    assert_no_secret(text + run.output, sandbox, slapd)
    assert wrong not in text + run.output


def test_drift_reads_the_roles_outcome_also_with_private_role_vars(sandbox_clean, slapd, tmp_path):
    # With private_role_vars the role's own variables do not reach the play's post_tasks: the drift
    # playbook reads the fact the role sets (ldap_outcome) instead.
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    variables = role_vars(sandbox, slapd, report, ldap_sync_mode='never', ldap_team_mapping={
        'enabled': True, 'base_dn': slapd.info['teams_dn'], 'name_attributes': ['ou'],
        'mappings': [{'group': 'Engineering', 'teams': ['engineering']}]})
    inventory = write_inventory(tmp_path, variables)
    assert run_collection_playbook('configure', inventory).returncode == 0
    private = {'ANSIBLE_PRIVATE_ROLE_VARS': 'True'}

    matches = run_collection_playbook('drift', inventory, extra_env=private)
    assert matches.returncode == 0, matches
    assert '%s matches the inventory' % WORKSPACE in matches.output

    change_behind_ansibles_back(sandbox, 'LDAP_User_Search_Filter', '(objectClass=person)')
    # A team map stored with a plain string (an old server's form; the server reads only lists): the
    # module rewrites it with the same groups, a change without a change line, and drift all the same.
    save_settings_without_validation_rules(sandbox, {'LDAP_Groups_To_Rocket_Chat_Teams': '{"Engineering": "engineering"}'})
    drifted = run_collection_playbook('drift', inventory, extra_env=private)
    assert drifted.returncode != 0, drifted
    assert ("%s drifted from the inventory: ['LDAP_User_Search_Filter', 'teams: the stored map is rewritten "
            "in the form the server reads (same groups)'] (details in %s)" % (WORKSPACE, report)
            in ' '.join(drifted.output.split())), drifted
    assert writes(sandbox) == []
    text = report.read_text(encoding='utf-8')
    assert '| %s | would change | 2 |' % WORKSPACE in text
    assert '- teams: the stored map is rewritten in the form the server reads (same groups)' in text, text


def test_the_report_is_published_with_set_stats_as_well_as_written(sandbox_clean, slapd, tmp_path):
    # AWX/AAP keep a job's set_stats data (its artifacts) and throw its working directory away.
    sandbox = sandbox_clean
    report = tmp_path / 'report.md'
    inventory = write_inventory(tmp_path, role_vars(sandbox, slapd, report, ldap_sync_mode='never'))
    run = run_collection_playbook('configure', inventory, extra_env={'ANSIBLE_SHOW_CUSTOM_STATS': 'True'})
    assert run.returncode == 0, run
    published = custom_stats(run.output)['ldap_report']
    assert published['markdown'] == report.read_text(encoding='utf-8')
    assert published['path'] == str(report) and published['outcome'] == 'applied'
    assert published['failed'] == [] and published['changes'] == 14 and published['check_mode'] is False
    (model,) = published['workspaces']
    assert model['workspace'] == WORKSPACE and model['status'] == 'changed' and model['changes'] == 14
    assert 'LDAP_Enable' in model['drift']
    assert_no_secret(run.output, sandbox, slapd)


def test_the_default_report_path_under_awx_is_a_per_job_file_in_the_temporary_directory(sandbox_clean, slapd, tmp_path):
    sandbox = sandbox_clean
    variables = role_vars(sandbox, slapd, tmp_path / 'unused.md', ldap_verify=False)
    del variables['ldap_report_path']
    inventory = write_inventory(tmp_path, variables)
    run = run_collection_playbook('verify', inventory, extra_vars={'awx_job_id': 4242, 'tower_job_id': 4242},
                                  extra_env={'TMPDIR': str(tmp_path)})
    assert run.returncode == 0, run
    text = (tmp_path / 'rocketchat-ldap-report-4242.md').read_text(encoding='utf-8')
    assert text.startswith('# Rocket.Chat LDAP: 1 workspace')
