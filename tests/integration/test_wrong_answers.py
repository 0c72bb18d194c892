"""Wrong answers issue 13 found, kept answered right: the role on a workspace that still holds Rocket.Chat's
default role map (``tech-support: support``, a role that does not exist) re-runs cleanly with the preflight on."""

from tests.integration.helpers import run_collection_playbook, writes
from tests.integration.test_playbooks import write_inventory
from tests.integration.test_role_ldap import role_vars


def test_the_role_reruns_with_the_preflight_on_rocket_chats_default_role_map(sandbox_clean, slapd, tmp_path):
    """Promise: a group the role does not manage, mapped to a role that does not exist (the server's default
    map), is a warning, not a failure: the first run configures, the second changes nothing and passes."""
    sandbox = sandbox_clean
    stored = [s for s in sandbox.state()['settings'] if s['_id'] == 'LDAP_Sync_User_Data_RolesMap'][0]['value']
    assert '"tech-support"' in stored and '"support"' in stored  # the default map is there
    variables = role_vars(sandbox, slapd, tmp_path / 'report.md', ldap_preflight=True, ldap_sync_mode='never')
    variables['ldap_role_mapping'].update(exclusive=False, mappings=[{'group': 'rocket-admin', 'roles': ['admin']}])
    inventory = write_inventory(tmp_path, variables)
    first = run_collection_playbook('configure', inventory)
    assert first.returncode == 0, first
    sandbox.clear_requests()
    second = run_collection_playbook('configure', inventory)
    assert second.returncode == 0, second
    assert writes(sandbox) == []
    assert "maps to unknown role 'support'" in ' '.join(second.output.split()), second  # wrapped by older cores
