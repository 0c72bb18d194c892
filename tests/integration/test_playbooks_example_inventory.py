"""The example inventory (playbooks/inventories/example) as its README documents it: it parses with the
published vault password, its secrets decrypt, and every playbook of the collection passes
`ansible-playbook --syntax-check` against it. No workspace is needed."""

import json
import pathlib
import subprocess
import sys

import pytest

from tests.integration.helpers import COLLECTIONS_PATH, ROOT, ensure_collection_tree

INVENTORY = ROOT / 'playbooks' / 'inventories' / 'example'
VAULT_PASSWORD = 'example-only-vault-password'  # published in the inventory's README.md
PLAYBOOKS = sorted(path.stem for path in (ROOT / 'playbooks').glob('*.yml'))


@pytest.fixture
def ansible(tmp_path):
    """Runs a tool of this Python's venv (ansible-inventory, ansible-playbook) with the vault password."""
    ensure_collection_tree()
    password_file = tmp_path / 'vault-password'
    password_file.write_text(VAULT_PASSWORD + '\n', encoding='utf-8')
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path), 'ANSIBLE_HOME': str(tmp_path / 'home'),
           'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH), 'ANSIBLE_NOCOLOR': '1'}

    def run(tool, *arguments):
        command = [str(pathlib.Path(sys.executable).parent / tool), '-i', str(INVENTORY),
                   '--vault-password-file', str(password_file)] + list(arguments)
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                              check=False)
    return run


def test_the_example_inventory_parses_and_its_vaults_open(ansible):
    listed = ansible('ansible-inventory', '--list')
    assert listed.returncode == 0, listed.stderr
    inventory = json.loads(listed.stdout)
    assert sorted(inventory['rocketchat']['children']) == ['dev', 'prod', 'staging']
    hostvars = inventory['_meta']['hostvars']
    for environment, host in (('dev', 'chat-dev.example.org'), ('staging', 'chat-staging.example.org'),
                              ('prod', 'chat.example.org')):
        assert inventory[environment]['hosts'] == [host]
        assert hostvars[host]['vault_ldap_bind_password'] == 'example-%s-bind-password' % environment
        assert hostvars[host]['ldap_api_token'] == '{{ vault_rocketchat_token }}'
        assert hostvars[host]['ldap_settings_reset_unspecified'] is True


@pytest.mark.parametrize('playbook', PLAYBOOKS)
def test_each_playbook_passes_the_syntax_check_against_the_example(ansible, playbook):
    checked = ansible('ansible-playbook', '--syntax-check', 'chatops.rocketchat.%s' % playbook)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert 'playbook: ' in checked.stdout
