"""A user's day with the example inventory (playbooks/inventories/example), the way README.md,
docs/gitops.md and the inventory's README tell a user to work with it.

The user copies the inventory and edits what the docs say to edit - the workspaces (staging and prod;
no dev), the directory's host, port and service account, the CA certificate (the documented
`inventory_dir` line, uncommented), the canary users and the secrets, re-encrypted with ansible-vault -
and keeps everything else, `ldap_settings_reset_unspecified: true` and the role and channel maps
included. Then: configure -> rerun -> verify -> drift -> a change by hand -> drift fails naming it ->
configure repairs it -> sync -> export -> the export re-applied. After every step the sandboxes'
request logs give the exact writes; each read-only step must send none.
"""

import pathlib
import shutil
import subprocess
import sys

import pytest
import requests
import yaml

from tests.integration.helpers import ROOT, run_collection_playbook, stored_settings
from tests.integration.test_playbooks import write_inventory
from tests.integration.test_role_ldap import role_vars
from tests.sandbox.rocketchat.launcher import SandboxClient, SandboxProcess, environment

EXAMPLE = ROOT / 'playbooks' / 'inventories' / 'example'
VAULT_PASSWORD = 'example-only-vault-password'  # published in the inventory's README.md
STAGING, PROD = 'chat-staging.example.org', 'chat.example.org'
# The documented way to give the directory's CA certificate from the inventory (commented out in the
# example's group_vars/rocketchat/main.yml): the test uncomments exactly that line.
CA_LINE = "# ca_cert: \"{{ lookup('ansible.builtin.file', inventory_dir ~ '/files/corp-ca.pem') }}\""


@pytest.fixture(scope='module')
def prod_sandbox(slapd, tmp_path_factory):
    """The prod workspace: a second sandbox process (staging is the session's sandbox)."""
    process = SandboxProcess(tmp_path_factory.mktemp('rocketchat-prod'))
    process.start()
    try:
        yield SandboxClient(environment(process.info, slapd.info))
    finally:
        process.stop()


def _load(path):
    return yaml.safe_load(path.read_text(encoding='utf-8'))


def _dump(path, data):
    path.write_text('---\n' + yaml.safe_dump(data, sort_keys=False), encoding='utf-8')


def copy_and_edit_the_example(tmp_path, workspaces, slapd):
    """The example inventory as a user makes it theirs: copied, then edited where the docs say."""
    inventory = tmp_path / 'inventory'
    shutil.copytree(EXAMPLE, inventory)
    info = slapd.info

    # hosts.yml: the user's two workspaces (their API URL next to each, since these are not at
    # https://<inventory_hostname>); the dev environment is dropped.
    hosts = _load(inventory / 'hosts.yml')
    children = hosts['rocketchat']['children']
    del children['dev']
    shutil.rmtree(inventory / 'group_vars' / 'dev')
    for environment_name, host in (('staging', STAGING), ('prod', PROD)):
        children[environment_name]['hosts'] = {host: {'ldap_api_url': workspaces[host].url}}
    _dump(inventory / 'hosts.yml', hosts)

    # The shared settings: the directory's service account and the canary users are the user's;
    # the CA certificate line is uncommented and the PEM file put where it names.
    shared_path = inventory / 'group_vars' / 'rocketchat' / 'main.yml'
    shared_text = shared_path.read_text(encoding='utf-8')
    assert CA_LINE in shared_text, 'the example no longer documents the CA line this test runs'
    shared_text = shared_text.replace(CA_LINE, CA_LINE[2:])
    shared_path.write_text(shared_text, encoding='utf-8')
    (inventory / 'files').mkdir()
    shutil.copy(info['ca_cert_path'], inventory / 'files' / 'corp-ca.pem')
    shared = _load(shared_path)
    assert shared['ldap_settings_reset_unspecified'] is True
    assert shared['ldap_shared_settings']['connection']['encryption'] == 'tls'
    shared['ldap_shared_settings']['authentication']['bind_dn'] = info['ldap_bind_dn']
    shared['ldap_canary_users'] = [{'username': 'alice'}, {'username': 'nobody', 'expect': 'not_found'}]
    _dump(shared_path, shared)

    # Each environment's directory host and port; its secrets re-encrypted with ansible-vault.
    for environment_name, host in (('staging', STAGING), ('prod', PROD)):
        env_path = inventory / 'group_vars' / environment_name / 'main.yml'
        env_vars = _load(env_path)
        env_vars['ldap_environment_settings']['connection'].update(host='localhost', port=info['port'])
        _dump(env_path, env_vars)
        workspace = workspaces[host]
        vault = inventory / 'group_vars' / environment_name / 'vault.yml'
        _dump(vault, {'vault_rocketchat_user_id': workspace.env['admin_user_id'],
                      'vault_rocketchat_token': workspace.env['admin_token'],
                      'vault_ldap_bind_password': info['ldap_bind_password']})
        encrypted = subprocess.run(
            [str(pathlib.Path(sys.executable).parent / 'ansible-vault'), 'encrypt', str(vault),
             '--vault-password-file', str(tmp_path / 'vault-password')],
            capture_output=True, text=True, check=False, cwd=tmp_path, timeout=60)
        assert encrypted.returncode == 0, encrypted.stderr
        assert vault.read_text(encoding='utf-8').startswith('$ANSIBLE_VAULT;1.1;AES256')
    return inventory


class Day:
    """Runs the collection's playbooks against the edited inventory and reads the request logs."""

    def __init__(self, tmp_path, inventory, workspaces):
        self.tmp_path = tmp_path
        self.inventory = inventory
        self.workspaces = workspaces
        self.report = tmp_path / 'report.md'

    def run(self, playbook, check=False, diff=False, **extra_vars):
        for workspace in self.workspaces.values():
            workspace.clear_requests()
        extra_vars.setdefault('ldap_report_path', str(self.report))
        run = run_collection_playbook(playbook, self.inventory, check=check, diff=diff, extra_vars=extra_vars,
                                      extra_args=['--vault-password-file', str(self.tmp_path / 'vault-password')])
        run.writes, run.syncs = {}, {}
        for host, workspace in self.workspaces.items():
            logged = workspace.requests()
            # Sync Now is counted apart: whether it changed stored state depends on the directory.
            run.writes[host] = ['%s %s' % (r['method'], r['path']) for r in logged
                                if r['wrote'] and r['path'] != SYNC_NOW]
            run.syncs[host] = len([r for r in logged if r['path'] == SYNC_NOW])
        return run

    def report_text(self):
        return self.report.read_text(encoding='utf-8')


NO_WRITES = {STAGING: [], PROD: []}
NO_SYNC = {STAGING: 0, PROD: 0}
SYNC_NOW = '/api/v1/ldap.syncNow'
# The settings, the role map and the channel map: all in one bulk write.
CONFIGURE_WRITES = ['POST /api/v1/settings']


def assert_no_secret(text, workspaces, slapd):
    secrets = [slapd.info['ldap_bind_password']]
    for workspace in workspaces.values():
        secrets += [workspace.env['admin_token'], workspace.env['admin_password']]
    for secret in secrets:
        assert secret not in text


def test_a_day_with_the_example_inventory(sandbox_clean, prod_sandbox, slapd, tmp_path):
    prod_sandbox.reset(startup=True)
    workspaces = {STAGING: sandbox_clean, PROD: prod_sandbox}
    (tmp_path / 'vault-password').write_text(VAULT_PASSWORD + '\n', encoding='utf-8')
    inventory = copy_and_edit_the_example(tmp_path, workspaces, slapd)
    day = Day(tmp_path, inventory, workspaces)
    outputs = []

    # 1. The merge-request preview of two new workspaces: nothing is written.
    preview = day.run('configure', check=True, diff=True)
    outputs.append(preview.output)
    assert preview.returncode == 0, preview
    assert preview.writes == NO_WRITES and preview.syncs == NO_SYNC
    text = day.report_text()
    assert 'Check mode: nothing was changed' in text
    # settings in the admin UI's order; the CA certificate by its subject and fingerprint, not its PEM
    positions = [text.index('| `%s` |' % i) for i in ('LDAP_Enable', 'LDAP_Host', 'LDAP_Authentication_UserDN',
                                                       'LDAP_CA_Cert', 'LDAP_BaseDN', 'LDAP_Background_Sync')]
    assert positions == sorted(positions), text
    assert '`CA certificate CN=chatops sandbox test CA,' in text and 'BEGIN CERTIFICATE' not in text

    # 2. configure: one settings write and one write per map on each workspace, then Sync Now.
    configure = day.run('configure')
    outputs.append(configure.output)
    assert configure.returncode == 0, configure
    assert configure.writes == {STAGING: CONFIGURE_WRITES, PROD: CONFIGURE_WRITES}, configure.writes
    assert configure.syncs == {STAGING: 1, PROD: 1}
    text = day.report_text()
    assert 'Applied: the changes below were made.' in text
    assert '| %s | changed |' % STAGING in text and '| %s | changed |' % PROD in text

    # 3. configure again: idempotent, no write at all (no sync either: nothing changed).
    rerun = day.run('configure')
    outputs.append(rerun.output)
    assert rerun.returncode == 0, rerun
    assert rerun.writes == NO_WRITES and rerun.syncs == NO_SYNC, rerun.writes
    assert 'No change: the settings and maps compared already matched the inventory.' in day.report_text()

    # 4. verify and drift: read-only, whatever the inventory holds (reset_unspecified: true).
    verify = day.run('verify')
    outputs.append(verify.output)
    assert verify.returncode == 0, verify
    assert verify.writes == NO_WRITES and verify.syncs == NO_SYNC, verify.writes
    text = day.report_text()
    assert 'Applied' not in text and 'No setting or map was compared or written' in text
    assert 'Search `alice`: found (as expected)' in text

    drift = day.run('drift')
    outputs.append(drift.output)
    assert drift.returncode == 0, drift
    assert drift.writes == NO_WRITES and drift.syncs == NO_SYNC
    assert '%s matches the inventory' % PROD in drift.output

    # 5. Someone changes prod by hand: a setting in the admin UI and a group in the role map.
    for setting_id, value in (('LDAP_Background_Sync_Interval', 'every_1_hour'),
                              ('LDAP_Sync_User_Data_RolesMap',
                               '{"rocket-admin": ["admin"], "tech-support": ["livechat-agent"], '
                               '"manager": ["admin"]}')):
        reply = requests.post('%s/api/v1/settings/%s' % (prod_sandbox.url, setting_id), json={'value': value},
                              headers=prod_sandbox.admin_headers, timeout=30)
        assert reply.status_code == 200, reply.text
    # ... and presses Sync Now: the manager group's members become admins.
    reply = requests.post('%s/api/v1/ldap.syncNow' % prod_sandbox.url, headers=prod_sandbox.admin_headers, timeout=60)
    assert reply.status_code == 200, reply.text

    # 6. drift fails, naming the setting and the group; it writes nothing.
    drift = day.run('drift')
    outputs.append(drift.output)
    assert drift.returncode != 0, drift
    assert drift.writes == NO_WRITES and drift.syncs == NO_SYNC
    assert '%s drifted from the inventory' % PROD in drift.output
    assert 'LDAP_Background_Sync_Interval' in drift.output and 'manager' in drift.output
    assert '%s matches the inventory' % STAGING in drift.output

    # 7. configure puts Git's values back on prod only, and syncs there.
    repair = day.run('configure')
    outputs.append(repair.output)
    assert repair.returncode == 0, repair
    # the settings and the role map, in one write
    assert repair.writes == {STAGING: [], PROD: CONFIGURE_WRITES}, repair.writes
    assert repair.syncs == {STAGING: 0, PROD: 1}
    text = day.report_text()
    prod_section = text[text.index('## %s' % PROD):]
    # the sync after the repair names whom it changed, and the user it skipped
    assert '- Roles changed: frank (-admin); grace (-admin).' in prod_section, prod_section
    assert '| oscar | no e-mail attribute' in prod_section, prod_section

    # 8. sync: Sync Now and nothing else.
    sync = day.run('sync')
    outputs.append(sync.output)
    assert sync.returncode == 0, sync
    assert sync.writes == NO_WRITES and sync.syncs == {STAGING: 1, PROD: 1}

    # 9. export, as docs/gitops.md runs it: read-only, one vars file per workspace.
    exported = tmp_path / 'exported'
    export = day.run('export', export_dir=str(exported))
    outputs.append(export.output)
    assert export.returncode == 0, export
    assert export.writes == NO_WRITES and export.syncs == NO_SYNC
    files = sorted(path.name for path in exported.iterdir())
    assert files == ['%s.yml' % STAGING, '%s.yml' % PROD]
    for name in files:
        assert_no_secret((exported / name).read_text(encoding='utf-8'), workspaces, slapd)

    # 10. The export re-applied as host_vars (the bind password stays in the vault): nothing to do.
    shutil.copytree(exported, inventory / 'host_vars')
    reapply = day.run('configure')
    outputs.append(reapply.output)
    assert reapply.returncode == 0, reapply
    assert reapply.writes == NO_WRITES and reapply.syncs == NO_SYNC, reapply.writes
    drift = day.run('drift')
    outputs.append(drift.output)
    assert drift.returncode == 0, drift
    assert drift.writes == NO_WRITES and drift.syncs == NO_SYNC

    assert_no_secret('\n'.join(outputs) + day.report_text(), workspaces, slapd)


@pytest.mark.parametrize('playbook', ['verify', 'drift', 'export', 'sync'])
def test_read_only_playbooks_write_nothing_whatever_the_inventory_holds(sandbox_clean, slapd, tmp_path, playbook):
    sandbox = sandbox_clean
    configured = run_collection_playbook('configure', write_inventory(
        tmp_path, role_vars(sandbox, slapd, tmp_path / 'report.md', ldap_sync_mode='never')))
    assert configured.returncode == 0, configured
    # Background Sync switched off by hand: Sync Now needs it, and only configure may switch it on.
    reply = requests.post('%s/api/v1/settings/LDAP_Background_Sync' % sandbox.url, json={'value': False},
                          headers=sandbox.admin_headers, timeout=30)
    assert reply.status_code == 200, reply.text

    # Now an inventory that asks for everything: every phase, settings that differ with a reset of
    # those not given, a sync on every run that may switch Background Sync on.
    variables = role_vars(sandbox, slapd, tmp_path / 'report.md', ldap_phases=['configure', 'verify', 'sync'],
                          ldap_settings_reset_unspecified=True, ldap_sync_mode='always',
                          ldap_sync_ensure_background_sync=True, ldap_preflight=True)
    variables['ldap_settings']['user_search']['filter'] = '(objectClass=person)'
    before = stored_settings(sandbox)
    sandbox.clear_requests()

    run = run_collection_playbook(playbook, write_inventory(tmp_path, variables),
                                  extra_vars={'export_dir': str(tmp_path / 'exported')})
    assert [r for r in sandbox.requests() if r['wrote']] == []
    assert stored_settings(sandbox) == before
    if playbook == 'sync':
        assert run.returncode != 0, run
        assert 'LDAP_Background_Sync' in run.output, run
        assert '/api/v1/ldap.syncNow' not in [r['path'] for r in sandbox.requests()]
    elif playbook == 'drift':
        assert run.returncode != 0, run
        assert 'drifted from the inventory' in run.output, run
        assert 'LDAP_User_Search_Filter' in run.output and 'LDAP_Background_Sync' in run.output, run
    else:
        assert run.returncode == 0, run
