"""Secret scan (issue 13): a representative subset of the collection run at -vvv with
ANSIBLE_INJECT_INVOCATION=1 (how AWX/AAP and -vvv users run it) and --diff; every output, registered
result, report and export file is searched for every secret the test world knows.

The secrets: the Rocket.Chat admin's and user's passwords, the admin's bypass token and TOTP seed, the
directory's service, admin and sample-user passwords, a new bind password, a password written into a
raw settings map, a password inside an api_url, the directory server's private key (pasted into a CA
field), each also as its SHA-256 hex digest (what the 2FA password fallback sends). Promise: 0 hits.
"""

import hashlib
import json
import pathlib

from tests.integration.helpers import connection_vars, run_collection_playbook, run_playbook
from tests.integration.test_playbooks import write_inventory
from tests.integration.test_role_ldap import role_vars

VERBOSE = dict(verbosity=3, extra_env={'ANSIBLE_INJECT_INVOCATION': '1'})
NEW_BIND_PASSWORD = 'scan-new-bind-Pa55!'
RAW_MAP_PASSWORD = 'scan-raw-map-Pa55!'
URL_PASSWORD = 'scan-url-Pa55!'


def world_secrets(sandbox, slapd):
    """{label: secret text}, digests included."""
    env, info = sandbox.env, slapd.info
    key = (pathlib.Path(info['ca_cert_path']).parent / 'server.key').read_text(encoding='utf-8').strip()
    plain = {
        'admin password': env['admin_password'], 'user password': env['user_password'],
        'admin token': env['admin_token'], 'admin TOTP seed': env['admin_totp_secret'],
        'bind password': info['ldap_bind_password'], 'directory admin password': info['ldap_admin_password'],
        'sample user password': info['sample_password'], 'new bind password': NEW_BIND_PASSWORD,
        'raw map password': RAW_MAP_PASSWORD, 'api_url password': URL_PASSWORD, 'private key': key,
    }
    # The key's base64 lines too: a masked block must not leave its body behind in another form.
    body = [line for line in key.splitlines() if not line.startswith('-----')]
    plain['private key, first line'] = body[0]
    plain['private key, last full line'] = body[-2]
    secrets = dict(plain)
    for label, value in plain.items():
        secrets[label + ' (SHA-256)'] = hashlib.sha256(value.encode('utf-8')).hexdigest()
    return secrets


def module_tasks(sandbox, slapd, key):
    info = slapd.info
    ca = pathlib.Path(info['ca_cert_path']).read_text(encoding='utf-8')
    settings = role_vars(sandbox, slapd, 'unused')['ldap_settings']
    with_new_password = dict(settings, authentication=dict(settings['authentication'], bind_password=NEW_BIND_PASSWORD))
    # a login instead of the group's token (module_defaults): the token's options left out of the task
    login = dict(connection_vars(sandbox, login=True), api_user_id='{{ omit }}', api_token='{{ omit }}')
    return [
        {'chatops.rocketchat.ldap_settings': with_new_password},
        {'chatops.rocketchat.ldap_settings': with_new_password},
        # a write answered through the password second factor (the client sends the password's SHA-256)
        {'chatops.rocketchat.ldap_settings': dict(login, user_search={'size_limit': 5000})},
        {'chatops.rocketchat.ldap_settings': {'settings': {'LDAP_Authentication_Password': RAW_MAP_PASSWORD}}},
        {'chatops.rocketchat.ldap_settings': {'connection': {'ca_cert': ca + key}}},
        {'chatops.rocketchat.ldap_settings': {'settings': {'LDAP_CA_Cert': key}}},
        {'chatops.rocketchat.ldap_check': {'settings': {'LDAP_Authentication_Password': RAW_MAP_PASSWORD,
                                                        'LDAP_CA_Cert': key}}},
        {'chatops.rocketchat.ldap_check': dict(settings, users=[
            {'username': info['sample_user'], 'password': info['sample_password']},
            {'username': info['sample_user'], 'password': 'a-wrong-password'}])},
        {'chatops.rocketchat.ldap_check': {'source': 'workspace', 'users': [
            {'username': info['sample_user'], 'password': info['sample_password']}]}},
        {'chatops.rocketchat.ldap_settings_info': {}},
        {'chatops.rocketchat.ldap_settings_info': {'include_secrets': True}},
        {'chatops.rocketchat.ldap_test_connection': {}},
        {'chatops.rocketchat.ldap_test_search': {'usernames': [info['sample_user'], 'nobody']}},
        {'chatops.rocketchat.ldap_role_mapping': {'validate_groups': True, 'base_dn': info['groups_dn'],
                                                  'filter': '(&(cn=#{groupName})(memberUid=#{username}))',
                                                  'mappings': [{'group': 'rocket-admin', 'roles': ['admin']}]}},
        {'chatops.rocketchat.ldap_sync': {'ensure_background_sync': True}},
        {'chatops.rocketchat.ldap_settings_info': {'api_url': sandbox.url.replace('://', '://admin:%s@' % URL_PASSWORD)}},
        {'chatops.rocketchat.ldap_settings_info': dict(login, api_password='a-wrong-password')},
        {'chatops.rocketchat.ldap_settings_info': dict(login, api_totp_secret=sandbox.env['admin_totp_secret'])},
        # the same secrets inside ldap_workspace's sections, which it checks itself (nested no_log, raw maps)
        {'chatops.rocketchat.ldap_workspace': {'ldap_settings': with_new_password, 'verify': False}},
        {'chatops.rocketchat.ldap_workspace': {'ldap_settings': {
            'settings': {'LDAP_Authentication_Password': RAW_MAP_PASSWORD}}, 'verify': False}},
        {'chatops.rocketchat.ldap_workspace': {'ldap_settings': {'connection': {'ca_cert': ca + key}},
                                               'role_mapping': {'mappings': [{'group': 'g', 'roles': ['admin']}]}}},
    ]


def scan(texts, secrets):
    """[(secret label, artefact name)] for every secret found in an artefact."""
    return [(label, name) for name, text in texts.items() for label, secret in secrets.items() if secret in text]


def test_no_secret_reaches_output_results_diffs_reports_or_exports(sandbox_clean, slapd, tmp_path, promise):
    sandbox = sandbox_clean
    secrets = world_secrets(sandbox, slapd)
    artefacts = {}

    modules = run_playbook(module_tasks(sandbox, slapd, secrets['private key']),
                           module_defaults=connection_vars(sandbox), diff=True, **VERBOSE)
    artefacts['modules: output'] = modules.output
    artefacts['modules: results'] = json.dumps(modules.results)
    # the subset did run: writes with a diff, refusals, a preview that bound as the user
    assert modules.results[0]['changed'] and 'diff' in modules.results[0], modules.results[0]
    assert modules.results[3]['failed'] and modules.results[4]['failed'] and modules.results[5]['failed']
    assert 'private key' in modules.results[4]['msg'] or 'certificate' in modules.results[4]['msg']
    assert 'invalidCredentials' in modules.results[7]['msg'], modules.results[7]  # it bound as the user
    assert modules.results[2]['changed'] and not modules.results[2].get('failed'), modules.results[2]
    assert 'api_username/api_password' in modules.results[16]['msg'], modules.results[16]
    assert not modules.results[17].get('failed'), modules.results[17]
    assert 'x-2fa-code' not in modules.output  # the second factor's header is not logged either

    report = tmp_path / 'report.md'
    inventory = write_inventory(tmp_path, role_vars(sandbox, slapd, report, ldap_preflight=True,
                                                   ldap_preflight_users=[{'username': slapd.info['sample_user'],
                                                                          'password': slapd.info['sample_password']}]))
    configure = run_collection_playbook('configure', inventory, diff=True, **VERBOSE)
    assert configure.returncode == 0, configure
    artefacts['configure: output'] = configure.output
    export_dir = tmp_path / 'exported'
    export = run_collection_playbook('export', inventory, extra_vars={'export_dir': str(export_dir)}, **VERBOSE)
    assert export.returncode == 0, export
    artefacts['export: output'] = export.output
    drift = run_collection_playbook('drift', inventory, diff=True, **VERBOSE)
    artefacts['drift: output'] = drift.output
    artefacts['report'] = report.read_text(encoding='utf-8')
    for path in sorted(export_dir.iterdir()):
        artefacts['export file ' + path.name] = path.read_text(encoding='utf-8')
    assert len(artefacts) >= 7

    found = scan(artefacts, secrets)
    promise.secrets(searched=len(secrets), found=len(set(label for label, _name in found)))
    assert found == []
