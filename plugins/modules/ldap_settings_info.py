#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_settings_info
short_description: Read the LDAP configuration of a Rocket.Chat workspace
version_added: 0.1.0
description:
  - Returns the workspace's LDAP settings as raw setting ids and in the option format of
    M(chatops.rocketchat.ldap_settings), ready to paste into a vars file (an export to Git).
  - Also returns the server version, the edition and licence, and which settings are blocked on the
    server or set by environment variables.
  - Secrets (the bind password) are left out unless O(include_secrets=true).
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.READ_ONLY
options:
  include_secrets:
    description:
      - Also return secret values (the bind password), in clear.
      - The task must then have C(no_log) set to V(true), so the values stay out of logs and output
        while a registered variable still holds them; the module fails otherwise.
    type: bool
    default: false
  only_non_default:
    description:
      - Leave settings that hold their default value out of RV(ldap_settings), for a short export.
    type: bool
    default: false
  license_only:
    aliases: [licence_only]
    description:
      - Return only the server version, the edition and the licence (RV(server_version), RV(edition),
        RV(license)), without reading the settings. It costs two small requests instead of the settings read;
        the C(chatops.rocketchat.ldap) role sends it up front to name every Enterprise feature a run asks for
        on a workspace without the licence.
    type: bool
    default: false
seealso:
  - module: chatops.rocketchat.ldap_settings
'''

EXAMPLES = r'''
- name: Read the LDAP configuration
  chatops.rocketchat.ldap_settings_info:
    api_url: https://chat.example.org
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"
  register: ldap_info

- name: Export it as input for ldap_settings (without secrets)
  ansible.builtin.copy:
    content: "{{ {'ldap': ldap_info.ldap_settings} | to_nice_yaml }}"
    dest: "group_vars/{{ inventory_hostname }}/ldap.yml"
    mode: "0644"
  delegate_to: localhost

- name: Fail when an environment variable owns a setting
  ansible.builtin.assert:
    that: ldap_info.env_owned | length == 0
    fail_msg: "Set by OVERWRITE_SETTING_*: {{ ldap_info.env_owned | join(', ') }}"
'''

RETURN = r'''
server_version:
  description: Version of the Rocket.Chat server.
  returned: always
  type: str
  sample: 8.8.1
edition:
  description: V(enterprise) when the workspace has a valid licence, else V(community).
  returned: always
  type: str
  sample: enterprise
license:
  description: The licence as far as the LDAP integration is concerned (named as the API names it, C(licenses.info)).
  returned: always
  type: dict
  contains:
    valid:
      description: Whether the workspace has a valid licence.
      type: bool
      returned: always
    active_modules:
      description: Licence modules that are active.
      type: list
      elements: str
      returned: always
    ldap_enterprise:
      description: Whether the C(ldap-enterprise) module (background sync, mappings, ...) is active.
      type: bool
      returned: always
settings:
  description:
    - All LDAP settings the server lists, by id, in the admin UI's order. Secrets show as C(********) unless
      O(include_secrets=true); a secret the server does not disclose shows as C((not readable)).
    - The CA certificate (C(LDAP_CA_Cert)) shows as C(CA certificate <subject>, SHA-256 <fingerprint>) per
      certificate, never as PEM text; RV(ldap_settings) holds the text itself (C(connection.ca_cert)), as
      M(chatops.rocketchat.ldap_settings) takes it.
    - Enterprise settings read as their fallback value while the licence is missing.
  returned: unless O(license_only=true)
  type: dict
  sample: {LDAP_Enable: true, LDAP_Host: ldap.example.org, LDAP_Authentication_Password: "********"}
ldap_settings:
  description:
    - The settings M(chatops.rocketchat.ldap_settings) owns, in its option format. Enterprise settings are left
      out while the licence is missing (the server only reports their fallback values then).
  returned: unless O(license_only=true)
  type: dict
  sample: {enabled: true, server_type: other, connection: {host: ldap.example.org, port: 389, encryption: tls}}
mappings:
  description:
    - The role, channel and team maps and the settings that go with them, in the option format of the module that
      manages each (M(chatops.rocketchat.ldap_role_mapping), M(chatops.rocketchat.ldap_channel_mapping),
      M(chatops.rocketchat.ldap_team_mapping)), by module name, ready to be given back to it (an export to Git).
    - A map is left out while the Enterprise licence is missing (the server neither registers nor applies the maps
      then). A stored map the server cannot use is returned as C(problem), the reason.
  returned: unless O(license_only=true)
  type: dict
  sample:
    ldap_role_mapping:
      enabled: true
      auto_remove: false
      base_dn: ou=groups,dc=example,dc=org
      filter: (&(cn=#{groupName})(memberUid=#{username}))
      validation_strategy: each_group
      mappings: [{group: rocket-admin, roles: [admin]}]
    ldap_team_mapping:
      enabled: false
      name_attributes: [ou, cn]
      mappings: []
blocked:
  description: Setting ids blocked on the server (C(SETTINGS_BLOCKED)); writes to them are ignored.
  returned: unless O(license_only=true)
  type: list
  elements: str
env_owned:
  description: Setting ids set by environment variables (C(OVERWRITE_SETTING_<id>)); a restart reverts changes to them.
  returned: unless O(license_only=true)
  type: list
  elements: str
unavailable:
  description:
    - Setting ids of the catalog the server does not list (not in this version, not registered without the
      Enterprise licence, or hidden with C(SETTINGS_HIDDEN)).
  returned: unless O(license_only=true)
  type: list
  elements: str
metadata_available:
  description: Whether the server answered the metadata read (blocked and environment-owned settings are known).
  returned: unless O(license_only=true)
  type: bool
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import LDAP_ENTERPRISE, SETTING_IDS, SETTINGS, in_admin_ui_order, is_secret
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import FAMILIES, ids_owned_by
from ansible_collections.chatops.rocketchat.plugins.module_utils._maps import MappingError, module_options
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import (
    UNREADABLE, mask, options_from_settings, same,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import SettingsApi


def run(module, client):
    include_secrets = module.params['include_secrets']
    if include_secrets and not module.no_log:
        raise ModuleFailure('include_secrets returns the bind password in clear: set "no_log: true" on the task.')
    licence = client.licence_info()
    about = dict(
        changed=False,
        server_version=client.server_version_string,
        edition='enterprise' if licence.get('hasValidLicense') else 'community',
        license=dict(valid=bool(licence.get('hasValidLicense')),
                     active_modules=sorted(client.licensed_modules()),
                     ldap_enterprise=LDAP_ENTERPRISE in client.licensed_modules()),
    )
    if module.params['license_only']:
        return about
    snapshot = SettingsApi(client).read()
    values = snapshot.values
    shown = dict((setting_id, values[setting_id] if include_secrets and is_secret(setting_id) and
                  values[setting_id] is not UNREADABLE else mask(setting_id, values[setting_id]))
                 for setting_id in in_admin_ui_order(values))
    owned = dict((setting_id, values[setting_id]) for setting_id in ids_owned_by('ldap_settings')
                 if setting_id in values and not snapshot.unlicensed(setting_id) and
                 not (module.params['only_non_default'] and
                      same(setting_id, SETTINGS[setting_id].default, values[setting_id])))
    maps = {}
    for family in FAMILIES:
        if not snapshot.present(family.map_setting) or snapshot.unlicensed(family.map_setting):
            continue  # without the licence the server neither registers nor applies the maps
        try:
            maps[family.owner] = module_options(family, values)
        except MappingError as exc:
            maps[family.owner] = dict(problem=str(exc))
    return dict(
        about,
        settings=shown,
        ldap_settings=options_from_settings(owned, include_secrets=include_secrets),
        mappings=maps,
        blocked=snapshot.blocked_ids(),
        env_owned=snapshot.env_owned_ids(),
        unavailable=[setting_id for setting_id in SETTING_IDS if setting_id not in values],
        metadata_available=snapshot.metadata_available,
    )


def main():
    run_module(dict(include_secrets=dict(type='bool', default=False, no_log=False),
                    only_non_default=dict(type='bool', default=False),
                    license_only=dict(type='bool', default=False, aliases=['licence_only'])), run)


if __name__ == '__main__':
    main()
