"""The role's list of Enterprise ldap_settings options (roles/ldap/vars/main.yml) against the settings
catalog: an option is listed exactly when every setting behind it is an Enterprise setting, so the
role's up-front licence check names what the modules would refuse or the server would ignore."""

import collections
import pathlib

import yaml

from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import LDAP_SETTINGS_OPTIONS, SETTINGS

ROLE_VARS = pathlib.Path(__file__).resolve().parents[3] / 'roles' / 'ldap' / 'vars' / 'main.yml'


def role_vars():
    return yaml.safe_load(ROLE_VARS.read_text(encoding='utf-8'))


def ids_per_top_level_option():
    """{top-level option of ldap_settings: [its setting ids]} (a section is one top-level option)."""
    ids = collections.OrderedDict()
    for section, option, setting_id in LDAP_SETTINGS_OPTIONS:
        ids.setdefault(section or option, []).append(setting_id)
    return ids


def test_the_listed_options_are_exactly_those_all_of_whose_settings_are_enterprise():
    expected = [key for key, ids in ids_per_top_level_option().items() if all(SETTINGS[i].enterprise for i in ids)]
    assert sorted(role_vars()['ldap__enterprise_setting_options']) == sorted(expected)


def test_the_one_enterprise_option_inside_a_community_section_is_named_in_the_check():
    partly = ['%s.%s' % (section, option) for section, option, setting_id in LDAP_SETTINGS_OPTIONS
              if section and SETTINGS[setting_id].enterprise
              and not all(SETTINGS[i].enterprise for i in ids_per_top_level_option()[section])]
    assert partly == ['user_search.attributes_to_query']
    assert "'ldap_settings.user_search.attributes_to_query'" in role_vars()['ldap__enterprise_asked']
