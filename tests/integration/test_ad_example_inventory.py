"""The Active Directory example inventory (playbooks/inventories/active-directory, the README's "Active
Directory" section) run as its README says, against a real AD domain controller (Samba AD DC) and
the Rocket.Chat sandbox (issue 11).

The user copies the inventory, points it at their workspace and domain controller, puts the domain
CA's certificate in files/domain-ca.pem, picks canary users and re-encrypts vault.yml; everything else
- LDAPS with certificate checks, the UPN bind, the nested-group filter, the role, channel and team
maps through nested groups - is the example's own. configure then imports exactly the members of the
chat group (at any depth, not disabled, with an e-mail) with the roles, channels and teams their
nested groups give; verify and drift write nothing.
"""

import pathlib
import re
import shutil
import subprocess
import sys

import yaml

from tests.integration.helpers import ROOT, run_collection_playbook
from tests.sandbox.ldap import samba_data

EXAMPLE = ROOT / 'playbooks' / 'inventories' / 'active-directory'
WORKSPACE = 'chat.corp.example.com'
SYNC_NOW = '/api/v1/ldap.syncNow'
CONTRACTOR = 'kberg'  # in OU=Contractors, not in the chat group


def _first_block_value(text, name, value):
    """Replace `name: <value>` in the inventory's first block, keeping its comment."""
    pattern = re.compile(r'^(%s: )\S+' % re.escape(name), re.MULTILINE)
    assert pattern.search(text), name
    return pattern.sub(lambda found: found.group(1) + value, text, count=1)


def make_it_yours(tmp_path, sandbox, ad):
    inventory = tmp_path / 'inventory'
    shutil.copytree(EXAMPLE, inventory)
    hosts = yaml.safe_load((inventory / 'hosts.yml').read_text(encoding='utf-8'))
    assert list(hosts['rocketchat']['hosts']) == [WORKSPACE]
    hosts['rocketchat']['hosts'] = {WORKSPACE: {'ldap_api_url': sandbox.url}}
    (inventory / 'hosts.yml').write_text('---\n' + yaml.safe_dump(hosts, sort_keys=False), encoding='utf-8')

    main = inventory / 'group_vars' / 'rocketchat' / 'main.yml'
    text = main.read_text(encoding='utf-8')
    example = yaml.safe_load(text)
    # The sample domain is the example's: same base DN, service account and chat group.
    assert example['ad_base_dn'] == ad['ldap_base_dn']
    assert example['ad_service_account'] == ad['ldap_bind_upn']
    assert example['ad_chat_users_group'] == samba_data.group_dn('rocketchat-users')
    # The DC is reached at its address, which its certificate names (the sandbox has no DNS for it).
    text = _first_block_value(text, 'ad_domain_controller', ad['host'])
    # Canaries: a user in the chat group four levels down, and a contractor outside the chat group.
    assert example['ldap_canary_users'] == [{'username': 'chat-canary'},
                                            {'username': 'departed-employee', 'expect': 'not_found'}]
    text = text.replace('username: chat-canary', 'username: %s' % ad['sample_user'])
    text = text.replace('username: departed-employee', 'username: %s' % CONTRACTOR)
    main.write_text(text, encoding='utf-8')
    (inventory / 'files').mkdir()
    shutil.copy(ad['ca_cert_path'], inventory / 'files' / 'domain-ca.pem')

    password_file = tmp_path / 'vault-password'
    password_file.write_text('my-own-vault-password\n', encoding='utf-8')
    vault = inventory / 'group_vars' / 'rocketchat' / 'vault.yml'
    vault.write_text('---\n' + yaml.safe_dump({'vault_rocketchat_user_id': sandbox.env['admin_user_id'],
                                               'vault_rocketchat_token': sandbox.env['admin_token'],
                                               'vault_ldap_bind_password': ad['ldap_bind_password']}),
                     encoding='utf-8')
    encrypted = subprocess.run([str(pathlib.Path(sys.executable).parent / 'ansible-vault'), 'encrypt', str(vault),
                                '--vault-password-file', str(password_file)],
                               capture_output=True, text=True, check=False, timeout=60)
    assert encrypted.returncode == 0, encrypted.stderr
    return inventory, password_file


def run(sandbox, inventory, password_file, playbook, tmp_path, **extra_vars):
    sandbox.clear_requests()
    # -i hosts.yml, as the inventory's README says (the directory would make Ansible parse files/)
    result = run_collection_playbook(playbook, inventory / 'hosts.yml', timeout=600,
                                     extra_vars=dict(extra_vars, ldap_report_path=str(tmp_path / 'report.md')),
                                     extra_args=['--vault-password-file', str(password_file)])
    logged = sandbox.requests()
    result.writes = ['%s %s' % (r['method'], r['path']) for r in logged if r['wrote'] and r['path'] != SYNC_NOW]
    result.syncs = len([r for r in logged if r['path'] == SYNC_NOW])
    return result


def members(state, kind, name):
    ids = {u['_id']: u['username'] for u in state['users']}
    if kind == 'team':
        team = next(t for t in state['teams'] if t['name'] == name)
        return {ids[m] for m in team['members']}
    room = next((r for r in state['channels'] if r.get('name') == name), None)
    assert room is not None, (name, [r.get('name') for r in state['channels']])
    return {ids[m] for m in room['members']}


def expected_members(group):
    """The users in `group` at any depth, from the sample data (not from the DC)."""
    found, pending = set(), [group]
    groups = {name: users for name, _, users, _ in samba_data.GROUPS}
    while pending:
        for member in groups[pending.pop()]:
            if member in groups:
                pending.append(member)
            else:
                found.add(member)
    return found


def test_the_active_directory_example_inventory(sandbox_clean, samba_ad, tmp_path):
    sandbox, ad = sandbox_clean, samba_ad.info
    inventory, password_file = make_it_yours(tmp_path, sandbox, ad)

    # (and, for the report, a preview of the locked account)
    configure = run(sandbox, inventory, password_file, 'configure', tmp_path,
                    ldap_preflight_users=[{'username': ad['locked_user']}])
    assert configure.returncode == 0, configure.output
    assert 'as an inventory source' not in configure.output
    # the settings, the role, channel and team maps in one bulk write; then Sync Now
    assert configure.writes == ['POST /api/v1/settings'], configure.writes
    assert configure.syncs == 1
    report = (tmp_path / 'report.md').read_text(encoding='utf-8')
    assert ad['ldap_bind_password'] not in report + configure.output
    assert '| %s | yes | %s |' % (ad['locked_user'], ad['locked_user']) in report
    assert '| locked out (lockoutTime) |' in report, report

    state = sandbox.state()
    imported = {u['username']: u for u in state['users'] if u.get('services', {}).get('ldap')}
    # the chat group at any depth, less the one without e-mail (the server skips it); the disabled and
    # the locked account are imported inactive (LDAP_Sync_User_Active_State), everyone else active
    admitted = expected_members('rocketchat-users') - {ad['no_mail_user']}
    assert {ad['disabled_user'], ad['locked_user']} <= admitted and CONTRACTOR not in admitted
    assert set(imported) == admitted, sorted(set(imported) ^ admitted)
    inactive = {name for name, user in imported.items() if not user.get('active', True)}
    assert inactive == {ad['disabled_user'], ad['locked_user']}, sorted(inactive)
    # roles through nesting: engineering <- dev-backend <- aadams (and four levels up to the chat group)
    for group, role in (('engineering', 'livechat-monitor'), ('helpdesk-agents', 'livechat-agent'),
                        ('rocketchat-admins', 'admin')):
        holders = {name for name, user in imported.items() if role in user['roles']}
        assert holders == expected_members(group) & admitted, (role, sorted(holders))
    assert 'livechat-monitor' in imported[ad['sample_user']]['roles']
    assert members(state, 'channel', 'engineering-news') >= expected_members('engineering') & admitted
    assert members(state, 'channel', 'sales-floor') >= expected_members('sales') & admitted
    assert members(state, 'team', 'engineering') >= expected_members('team-engineering') & admitted
    assert members(state, 'team', 'support') >= expected_members('team-support') & admitted

    again = run(sandbox, inventory, password_file, 'configure', tmp_path)
    assert again.returncode == 0, again.output
    assert (again.writes, again.syncs) == ([], 0)
    for playbook in ('verify', 'drift'):
        result = run(sandbox, inventory, password_file, playbook, tmp_path)
        assert result.returncode == 0, result.output
        assert (result.writes, result.syncs) == ([], 0), playbook


def test_the_readme_shows_the_inventory_the_test_runs():
    """Every YAML block of the README's "Active Directory" section is a verbatim part of the inventory."""
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    section = readme.split('\n### Active Directory\n', 1)[1].split('\n## ', 1)[0]
    blocks = re.findall(r'```yaml\n(.*?)```', section, re.DOTALL)
    assert len(blocks) >= 2
    inventory = (EXAMPLE / 'group_vars' / 'rocketchat' / 'main.yml').read_text(encoding='utf-8')
    for block in blocks:
        assert block in inventory, block
