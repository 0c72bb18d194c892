#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_settings
short_description: Configure the LDAP settings of a Rocket.Chat workspace declaratively
version_added: 0.1.0
description:
  - Sets the LDAP settings of a Rocket.Chat workspace from typed, nested options that follow the
    sections of the admin UI, plus a raw O(settings) map for setting ids.
  - Only the options given are managed; an option left out (or V(null)) keeps its current value,
    unless O(reset_unspecified=true).
  - Reads all LDAP settings once, writes only the settings that differ in a single request
    (the bulk settings endpoint on Rocket.Chat 8.6 and newer, the C(saveSettings) method before),
    then reads them back and fails if the server did not store a value. The number of requests does
    not grow with the number of settings.
  - Every input is validated before anything is written (types and accepted values, intervals, the
    CA certificate, DN and LDAP filter syntax, Enterprise settings on a workspace without the
    C(ldap-enterprise) licence, setting ids this server version does not have, and settings blocked
    on the server). Settings that an environment variable (C(OVERWRITE_SETTING_<id>)) sets are
    written, with a warning that the next restart reverts them.
  - The role, channel and team mapping settings belong to
    M(chatops.rocketchat.ldap_role_mapping), M(chatops.rocketchat.ldap_channel_mapping) and
    M(chatops.rocketchat.ldap_team_mapping); this module refuses them.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.WRITES
  - chatops.rocketchat.ldap_settings_options
options:
  settings:
    description:
      - Raw setting ids and values, for example C(LDAP_Port) V(636), validated against the setting's
        type like the typed options. An id may not also be set by a typed option.
      - Only ids this module owns are accepted (all C(LDAP_*) settings except the role, channel and team mapping ones).
      - This map is not kept out of logs (Ansible logs module arguments before the module runs). The bind
        password is therefore refused here; use O(authentication.bind_password), which is kept out of logs.
    type: dict
  reset_unspecified:
    description:
      - Put every setting this module owns that is not given back to its default, so the workspace
        matches the play exactly (the declarative mode for GitOps).
      - Enterprise settings without the licence, and blocked settings (with a warning), are left alone.
      - The bind password (C(LDAP_Authentication_Password), I(Password) in the admin UI) is never reset when it is
        not given, because an export
        (M(chatops.rocketchat.ldap_settings_info)) never contains it, and resetting it would silently break the
        service bind. To clear it, give O(authentication.bind_password) as an empty string (a server that masks
        secrets ignores that).
      - Settings the server does not disclose (a server that masks secrets hides the bind DN and the CA
        certificate) are left alone when not given, since their value cannot be compared.
    type: bool
    default: false
  bind_password_update:
    description:
      - What to do with O(authentication.bind_password) when the server does not disclose the stored
        value, so it cannot be compared.
      - V(always) sends it on every run (reported as changed, with a warning); V(on_create) sends it
        only when no value is stored yet.
      - Servers that disclose the value (Rocket.Chat 8.x, to admins) are compared and written only when it differs.
      - Applies only to password settings. A server that masks secrets also hides the bind DN
        (O(authentication.bind_dn)) and the CA certificate (O(connection.ca_cert)); those are compared when
        the server shows them, and otherwise written on every run when given, with a warning that the stored
        value cannot be verified. Such writes are listed in RV(unverified_ids).
    type: str
    choices: [always, on_create]
    default: always
notes:
  - A run costs a constant number of HTTP requests (server info, licence, one read of the settings and their
    metadata, at most one write and one read-back).
  - Writes are protected by two-factor authentication on the server; see the connection options for how
    challenges are answered.
seealso:
  - module: chatops.rocketchat.ldap_settings_info
  - module: chatops.rocketchat.ldap_test_connection
  - module: chatops.rocketchat.ldap_role_mapping
'''

EXAMPLES = r'''
- name: Connect Rocket.Chat to OpenLDAP over StartTLS
  chatops.rocketchat.ldap_settings:
    api_url: https://chat.example.org
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"
    enabled: true
    server_type: other
    connection:
      host: ldap.example.org
      port: 389
      encryption: tls
      ca_cert: "{{ lookup('ansible.builtin.file', 'files/ldap-ca.pem') }}"
      reject_unauthorized: true
    authentication:
      enabled: true
      bind_dn: cn=rocketchat,ou=services,dc=example,dc=org
      bind_password: "{{ vault_ldap_bind_password }}"
    user_search:
      base_dn: ou=people,dc=example,dc=org
      filter: (objectClass=inetOrgPerson)
      scope: sub
      search_field: uid
    data_sync:
      username_field: uid
      email_field: mail
      name_field: cn

- name: Nightly background sync (Enterprise), set through module_defaults
  module_defaults:
    group/chatops.rocketchat.rocketchat:
      api_url: https://chat.example.org
      api_user_id: "{{ rocketchat_user_id }}"
      api_token: "{{ rocketchat_token }}"
  block:
    - name: Enable the background sync at 02:30
      chatops.rocketchat.ldap_settings:
        background_sync:
          enabled: true
          interval: 30 2 * * *
          import_new_users: true
          disable_missing_users: true

- name: Exactly this configuration, everything else back to defaults
  chatops.rocketchat.ldap_settings:
    enabled: true
    connection:
      host: ldap.example.org
    settings:
      LDAP_Search_Page_Size: 500
    reset_unspecified: true
  register: ldap

- name: Show what changed
  ansible.builtin.debug:
    var: ldap.changed_ids
'''

RETURN = r'''
changed_ids:
  description:
    - Setting ids that were changed (or would be, in check mode), in the admin UI's order (its sections, and
      the order within them), so the same change always reads the same way.
  returned: always
  type: list
  elements: str
  sample: [LDAP_Host, LDAP_Port]
changes:
  description:
    - One line per changed setting, in the order of RV(changed_ids), with the option that set it and the values
      before and after as RV(diff) shows them.
  returned: always
  type: list
  elements: str
  sample:
    - 'set connection.host (LDAP_Host): "old.example.org" -> "ldap.example.org"'
    - 'set connection.ca_cert (LDAP_CA_Cert): "" -> "CA certificate CN=Corp Root CA,O=Corp, SHA-256 AB:CD:..."'
    - 'set authentication.bind_password (LDAP_Authentication_Password): "********" -> "******** (changed)"'
drift_ids:
  description:
    - The ids of RV(changed_ids) whose stored value differed from the task's (drift), that is RV(changed_ids) less
      RV(unverified_ids). The C(chatops.rocketchat.ldap) role counts drift and decides on Sync Now from this.
  returned: always
  type: list
  elements: str
  sample: [LDAP_Host]
unverified_ids:
  description:
    - The ids of RV(changed_ids) written (or that would be, in check mode) only because the server does not disclose
      their stored value, so it could not be compared (a server that masks secrets hides the bind DN, the CA
      certificate and the bind password). The task reports them as changed on every run.
    - A caller that decides whether the configuration drifted (the C(chatops.rocketchat.ldap) role, which runs Sync
      Now on a change) can leave these out.
  returned: always
  type: list
  elements: str
  sample: [LDAP_Authentication_UserDN]
previous:
  description:
    - The values of the changed settings before the run, secrets masked; enough to roll back with O(settings),
      except the CA certificate, which is shown by subject and fingerprint (as in RV(diff)).
  returned: always
  type: dict
  sample: {LDAP_Host: old.example.org, LDAP_Port: 389, LDAP_Authentication_Password: "********"}
diff:
  description:
    - Before and after of the changed settings (in diff mode), keyed by setting id in the order of RV(changed_ids).
      Secrets are masked. The CA certificate (C(LDAP_CA_Cert)) is never shown as PEM text but as
      C(CA certificate <subject>, SHA-256 <fingerprint>) for each certificate (C(; )-separated), or, for text that
      is not PEM certificates, by its length and the SHA-256 of the text.
    - Ansible's diff output sorts the ids by name when it prints this; RV(changes) keeps the admin UI's order.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Values before.
      type: dict
      returned: when diff mode is on
    after:
      description: Values after; a changed secret shows as C(******** (changed)).
      type: dict
      returned: when diff mode is on
server_version:
  description: Version of the Rocket.Chat server.
  returned: always
  type: str
  sample: 8.8.1
invalid:
  description: The options whose values were refused (the message names each one and what it accepts); nothing was written.
  returned: when the task fails on invalid input
  type: list
  elements: str
  sample: [connection.port, background_sync.interval]
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import (
    SettingsApi, plan_settings, settings_argument_spec as argument_spec,
)


def run(module, client):
    plan = plan_settings(SettingsApi(client), module.params)
    result = plan.apply(want_diff=module._diff, warn=module.warn)
    result['server_version'] = client.server_version_string
    return result


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
