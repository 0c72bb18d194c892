"""The catalog agrees with the project's settings data (and that with the shared contract, when present)."""
import json
import pathlib
import subprocess
import sys

import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils import _catalog as catalog
from ansible_collections.chatops.rocketchat.plugins.module_utils import _families as families

ROOT = pathlib.Path(__file__).resolve().parents[4]
DATA = ROOT / 'tests' / 'data' / 'ldap-settings.json'
SHARED = ROOT.parent / 'shared' / 'rocketchat' / 'ldap-settings.json'


@pytest.fixture(scope='module')
def entries():
    return json.loads(DATA.read_text(encoding='utf-8'))


def test_every_setting_of_the_data_is_in_the_catalog_with_the_same_facts(entries):
    assert list(catalog.SETTING_IDS) == [e['id'] for e in entries]
    for entry in entries:
        setting = catalog.SETTINGS[entry['id']]
        assert setting.type == entry['type']
        assert setting.default == entry['default'] and type(setting.default) is type(entry['default'])
        assert setting.enterprise == entry['enterprise']
        assert setting.modules == tuple(entry['modules'] or ())
        assert setting.values == (tuple(v['key'] for v in entry['values']) if entry['values'] else None)
        assert setting.secret == entry['secret']
        assert (setting.tab, setting.section) == (entry['tab'], entry['section'])


def test_generated_block_is_current():
    result = subprocess.run([sys.executable, str(ROOT / 'tools' / 'generate_catalog.py'), '--check'],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not SHARED.exists(), reason='no ../shared contract next to the repository')
def test_project_copy_equals_the_shared_contract():
    assert json.loads(DATA.read_text(encoding='utf-8')) == json.loads(SHARED.read_text(encoding='utf-8'))


def test_ldap_settings_options_cover_exactly_the_ids_it_owns_once():
    ids = [setting_id for _section, _option, setting_id in catalog.LDAP_SETTINGS_OPTIONS]
    ids += list(catalog.AD_TWINS.values())
    assert len(ids) == len(set(ids))
    assert set(ids) == set(families.ids_owned_by('ldap_settings'))


def test_validation_kinds_name_known_settings():
    assert set(catalog.VALIDATION) <= set(catalog.SETTING_IDS)
    assert catalog.VALIDATION['LDAP_CustomFieldMap'] == 'json'


def test_only_the_password_is_never_shown_but_all_server_secrets_may_be_masked():
    assert [i for i in catalog.SETTING_IDS if catalog.is_secret(i)] == ['LDAP_Authentication_Password']
    assert catalog.may_be_masked('LDAP_Authentication_UserDN') and catalog.may_be_masked('LDAP_CA_Cert')


def test_argument_spec_types_follow_the_catalog():
    spec = catalog.ldap_settings_argument_spec()
    assert spec['connection']['options']['port'] == {'type': 'int'}
    assert spec['connection']['options']['encryption']['choices'] == ['plain', 'tls', 'ssl']
    assert spec['authentication']['options']['bind_password'] == {'type': 'str', 'no_log': True}
    assert spec['server_type']['choices'] == ['ad', 'other']
    assert spec['background_sync']['options']['interval'] == {'type': 'str'}  # keys or cron: checked by coerce
    assert spec['custom_fields']['options']['map'] == {'type': 'raw'}


def test_admin_ui_order_groups_tabs_then_unsectioned_settings_then_sections(entries):
    ordered = catalog.in_admin_ui_order(reversed(catalog.SETTING_IDS))
    tabs = []
    for entry in entries:
        if entry['tab'] not in tabs:
            tabs.append(entry['tab'])
    by_id = dict((e['id'], e) for e in entries)
    seen_sections = {}
    for previous, current in zip(ordered, ordered[1:]):
        a, b = by_id[previous], by_id[current]
        assert tabs.index(a['tab']) <= tabs.index(b['tab'])
        if a['tab'] == b['tab'] and a['section'] != b['section']:
            # a section never resumes once another one started, and settings without one come first
            assert b['section'] not in seen_sections.get(b['tab'], ()) and b['section'] is not None
        seen_sections.setdefault(a['tab'], set()).add(a['section'])
    # The data's own order is the admin UI's; its sections as the UI shows them:
    assert ordered == list(catalog.SETTING_IDS)
    assert ordered.index('LDAP_Port') < ordered.index('LDAP_Authentication') < ordered.index('LDAP_Encryption') \
        < ordered.index('LDAP_Timeout') < ordered.index('LDAP_Find_User_After_Login') < ordered.index('LDAP_BaseDN') \
        < ordered.index('LDAP_Group_Filter_Enable') < ordered.index('LDAP_Unique_Identifier_Field') \
        < ordered.index('LDAP_Background_Sync') < ordered.index('LDAP_Sync_User_Data_Roles')


def test_ids_the_catalog_does_not_know_come_last_by_name():
    assert catalog.in_admin_ui_order(['LDAP_Zz_New', 'LDAP_Port', 'LDAP_Aa_New', 'LDAP_Enable']) == [
        'LDAP_Enable', 'LDAP_Port', 'LDAP_Aa_New', 'LDAP_Zz_New']
