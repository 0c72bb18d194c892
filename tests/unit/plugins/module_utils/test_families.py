"""The family declarations (_families) and what is derived from them, including the role: its variables
(meta/argument_specs.yml) take exactly the options the modules have, and its configure task passes them whole
to ldap_workspace's sections, which check them with those modules' options."""
import pathlib

import pytest
import yaml

from ansible_collections.chatops.rocketchat.plugins.module_utils import _catalog as catalog
from ansible_collections.chatops.rocketchat.plugins.module_utils import _families as families
from ansible_collections.chatops.rocketchat.plugins.module_utils import _workspace as workspace
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import DirectorySettings, MembershipSpec
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import CHANNELS, FAMILIES, ROLES, TEAMS

ROLE = pathlib.Path(__file__).resolve().parents[4] / 'roles' / 'ldap'


def _yaml(name):
    return yaml.safe_load((ROLE / name).read_text(encoding='utf-8'))


def _configure_tasks():
    """{module name: the task's options} of roles/ldap/tasks/configure.yml."""
    tasks = {}
    for task in _yaml('tasks/configure.yml'):
        for key, value in task.items():
            if key.startswith('chatops.rocketchat.'):
                tasks[key.split('.')[-1]] = value
    return tasks


def _role_options():
    return _yaml('meta/argument_specs.yml')['argument_specs']['main']['options']


def test_each_setting_is_owned_once_and_the_families_do_not_overlap():
    seen = {}
    for family in FAMILIES:
        for setting_id in family.setting_ids:
            assert setting_id in catalog.SETTINGS, setting_id
            assert setting_id not in seen, '%s in %s and %s' % (setting_id, seen.get(setting_id), family)
            seen[setting_id] = family
    assert set(families.OWNER) == set(catalog.SETTING_IDS)
    assert families.OWNER['LDAP_Sync_User_Data_ChannelsMap'] == 'ldap_channel_mapping'
    assert families.OWNER['LDAP_BaseDN'] == 'ldap_settings'


@pytest.mark.parametrize('family', FAMILIES, ids=lambda f: f.plural)
def test_each_family_names_its_parts_among_its_options(family):
    for option in (family.enabled, family.base_dn, family.filter) + ((family.strategy,) if family.strategy else ()):
        assert option in family.settings
    spec = family.argument_spec()
    assert family.plural in spec['mappings']['options']
    assert set(family.settings) <= set(spec)


@pytest.mark.parametrize('family', (ROLES, CHANNELS), ids=lambda f: f.plural)
def test_the_directory_membership_view_reads_the_family_settings(family):
    values = dict((family.setting(option), 'x-' + option) for option in ('base_dn', 'filter'))
    values[family.setting('enabled')] = True
    values[family.setting('validation_strategy')] = 'once'
    spec = MembershipSpec(DirectorySettings(values), family)
    assert (spec.enabled, spec.base_dn, spec.filter, spec.strategy) == (True, 'x-base_dn', 'x-filter', 'once')
    assert spec.map_id == family.map_setting and spec.kind == family.plural


@pytest.mark.parametrize('family', FAMILIES, ids=lambda f: f.owner)
def test_the_role_passes_each_map_variable_whole_to_the_section_that_takes_its_module_options(family):
    task = _configure_tasks()['ldap_workspace']
    variable = family.owner  # the role variable is named after the module
    option = dict((f.owner, o) for o, f in workspace.MAPS)[family.owner]
    assert variable in task[option] and 'ldap__selected.configure' in task[option], task[option]
    # the section is checked with the module's own options, but ldap_settings: the task's own
    module_options = set(family.argument_spec())
    assert set(workspace._section_spec(option)) == module_options - {'ldap_settings'}
    # the variable declares exactly those options (meta/argument_specs.yml): the role's own argument check
    # refuses another family's option (admin_user in the role map), naming it, before anything runs
    role_options = set(_role_options()[variable]['options'])
    assert role_options == module_options - {'ldap_settings'}, 'meta/argument_specs.yml %s: missing %s, extra %s' % (
        variable, sorted(module_options - {'ldap_settings'} - role_options),
        sorted(role_options - module_options))


def test_the_role_passes_ldap_settings_whole_to_the_section_that_takes_the_module_options():
    task = _configure_tasks()['ldap_workspace']
    assert 'ldap_settings | combine(' in task['ldap_settings']
    for variable in ('ldap_settings_reset_unspecified', 'ldap_settings_bind_password_update'):
        assert variable in task['ldap_settings'], variable
    options = set(catalog.ldap_settings_argument_spec()) | {'settings'}
    assert set(workspace._section_spec('ldap_settings')) == options | {'reset_unspecified', 'bind_password_update'}
    assert set(_role_options()['ldap_settings']['options']) == options


@pytest.mark.parametrize('family', FAMILIES, ids=lambda f: f.plural)
def test_module_options_give_back_the_settings_they_were_read_from(family):
    from collections import OrderedDict
    from ansible_collections.chatops.rocketchat.plugins.module_utils._maps import (
        desired_settings, module_options, normalize_entries, serialize_map,
    )
    values = dict((setting_id, catalog.SETTINGS[setting_id].default) for setting_id in family.setting_ids)
    values[family.setting(family.base_dn)] = 'ou=groups,dc=example,dc=org'
    values[family.map_setting] = serialize_map(OrderedDict([('g1', ('a', 'b')), ('g2', ('c',))]), family)
    options = module_options(family, values)
    assert options['mappings'] == [{'group': 'g1', family.plural: ['a', 'b']}, {'group': 'g2', family.plural: ['c']}]
    again = dict(desired_settings(family, options))
    again[family.map_setting] = serialize_map(normalize_entries(options['mappings'], family), family)
    assert again == values
