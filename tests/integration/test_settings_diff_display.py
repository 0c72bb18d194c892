"""How ldap_settings and ldap_settings_info show settings, through real ansible-playbook runs against the
sandbox: the admin UI's order in changed_ids, diff and changes; the CA certificate by subject and
SHA-256 fingerprint, never as PEM text; and the export, which writes the certificate as a YAML literal
block that loads back exactly."""

import json
import pathlib

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from tests.integration.helpers import connection_vars, run_collection_playbook, run_playbook, stored_settings
from tests.integration.test_ldap_role_mapping import configure
from tests.integration.test_playbooks import WORKSPACE, write_inventory

LDAP_SETTINGS = 'chatops.rocketchat.ldap_settings'
LDAP_SETTINGS_INFO = 'chatops.rocketchat.ldap_settings_info'


def shown(pem_text):
    """What the collection must show for a PEM text, computed here with `cryptography`."""
    certs = x509.load_pem_x509_certificates(pem_text.encode('ascii'))
    return '; '.join('CA certificate %s, SHA-256 %s' % (c.subject.rfc4514_string(),
                                                        c.fingerprint(hashes.SHA256()).hex(':').upper())
                     for c in certs)


def without_invocation(results):
    """The results as a module returns them (the invocation echoes the module's arguments)."""
    return json.dumps([dict((k, v) for k, v in r.items() if k != 'invocation') for r in results])


def pem_lines(pem_text):
    return [line for line in pem_text.splitlines() if line and not line.startswith('-----')]


def test_ca_certificate_is_shown_by_subject_and_fingerprint_in_diff_changes_previous_and_info(sandbox_clean):
    sandbox = sandbox_clean
    conn = connection_vars(sandbox)
    ca = sandbox.env['ca_cert_pem']
    other = pathlib.Path(sandbox.env['wrong_ca_cert_path']).read_text(encoding='ascii')
    bundle = ca + other
    run = run_playbook([
        {LDAP_SETTINGS: {'connection': {'host': 'ldap.example.org', 'ca_cert': ca}}},
        {LDAP_SETTINGS: {'connection': {'ca_cert': bundle}}},
        {LDAP_SETTINGS_INFO: {}},
    ], module_defaults=conn, diff=True)
    first, second, info = run.results
    assert first['changed'] and first['changed_ids'] == ['LDAP_Host', 'LDAP_CA_Cert'], run
    assert first['diff']['after']['LDAP_CA_Cert'] == shown(ca) and shown(ca).startswith('CA certificate CN=')
    assert first['changes'] == ['set connection.host (LDAP_Host): "" -> "ldap.example.org"',
                                'set connection.ca_cert (LDAP_CA_Cert): "" -> %s' % json.dumps(shown(ca))]
    # Two PEM blocks: each certificate, in order; the previous value by its fingerprint too.
    assert second['diff']['after']['LDAP_CA_Cert'] == shown(bundle) == '%s; %s' % (shown(ca), shown(other))
    assert second['diff']['before']['LDAP_CA_Cert'] == shown(ca) == second['previous']['LDAP_CA_Cert']
    assert info['settings']['LDAP_CA_Cert'] == shown(bundle)
    # The export format keeps the text itself: ldap_settings takes it back as it is.
    assert info['ldap_settings']['connection']['ca_cert'] == bundle == stored_settings(sandbox)['LDAP_CA_Cert']
    displayed = without_invocation(run.results[:2]) + json.dumps(dict(info, ldap_settings=None)) + run.output
    for line in pem_lines(bundle):
        assert line not in displayed
    assert 'BEGIN CERTIFICATE' not in displayed
    assert shown(bundle) in run.output  # the printed diff


def test_unreadable_ca_text_already_stored_is_shown_by_length_and_hash(sandbox_clean):
    sandbox = sandbox_clean
    configure(sandbox, LDAP_CA_Cert='garbage that is not a certificate')  # the server does not validate it
    run = run_playbook([{LDAP_SETTINGS: {'connection': {'ca_cert': sandbox.env['ca_cert_pem']}}}],
                       module_defaults=connection_vars(sandbox), check=True, diff=True)
    before = run.results[0]['diff']['before']['LDAP_CA_Cert']
    assert before.startswith('unreadable CA certificate text (33 characters, SHA-256 of the text ')
    assert 'garbage' not in without_invocation(run.results) and 'garbage' not in run.output


def test_changed_ids_diff_and_changes_follow_the_admin_ui_sections(sandbox_clean):
    sandbox = sandbox_clean
    run = run_playbook([{LDAP_SETTINGS: {
        'server_type': 'ad',
        'data_sync': {'name_field': 'displayName', 'default_domain': 'example.org'},
        'user_search': {'page_size': 500, 'search_field': 'userPrincipalName'},
        'group_filter': {'enabled': True},
        'connection': {'timeout': 30000, 'host': 'ldap.example.org'},
        'authentication': {'enabled': True},
        'background_sync': {'interval': 'every_6_hours'},
    }}], module_defaults=connection_vars(sandbox), check=True, diff=True)
    result = run.results[0]
    # Connection (its own settings, then Authentication, then Timeouts), User Search (Filter, then Group
    # Filter), Data Sync (its own settings, then Data Map), Background Sync; not by name.
    order = ['LDAP_Host', 'LDAP_Authentication', 'LDAP_Timeout', 'LDAP_AD_User_Search_Field',
             'LDAP_Search_Page_Size', 'LDAP_Group_Filter_Enable', 'LDAP_Default_Domain', 'LDAP_AD_Name_Field',
             'LDAP_Background_Sync_Interval']
    assert result['changed_ids'] == order, result
    assert list(result['diff']['before']) == order and list(result['diff']['after']) == order
    assert [line.split(' (')[1].split(')')[0] for line in result['changes']] == order
    assert result['changes'][2] == 'set connection.timeout (LDAP_Timeout): 60000 -> 30000'


def test_export_writes_the_ca_certificate_as_a_literal_block_that_loads_back_exactly(sandbox_clean, tmp_path):
    sandbox = sandbox_clean
    bundle = sandbox.env['ca_cert_pem'] + pathlib.Path(sandbox.env['wrong_ca_cert_path']).read_text(encoding='ascii')
    configure(sandbox, LDAP_CA_Cert=bundle, LDAP_Encryption='tls')
    env = sandbox.env
    inventory = write_inventory(tmp_path, {'ldap_api_url': sandbox.url, 'ldap_api_user_id': env['admin_user_id'],
                                           'ldap_api_token': env['admin_token']})
    export_dir = tmp_path / 'exported'
    export = run_collection_playbook('export', inventory, extra_vars={'export_dir': str(export_dir)})
    assert export.returncode == 0, export
    text = (export_dir / ('%s.yml' % WORKSPACE)).read_text(encoding='utf-8')
    exported = yaml.safe_load(text)
    assert exported['ldap_settings']['connection']['ca_cert'] == stored_settings(sandbox)['LDAP_CA_Cert'] == bundle
    assert exported['ldap_settings']['connection']['encryption'] == 'tls'
    # A literal block: the header, then the PEM lines as they are, indented, with no blank line between them.
    block = text.split('    ca_cert: |\n', 1)[1].splitlines()
    expected = ['      ' + line for line in bundle.splitlines()]
    assert block[:len(expected)] == expected, text
    assert '\n\n      ' not in text
