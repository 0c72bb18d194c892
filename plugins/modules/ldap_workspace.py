#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_workspace
short_description: Configure and verify a Rocket.Chat workspace's whole LDAP integration in one task
version_added: 0.1.0
description:
  - Does in one task, with one read of the workspace and at most one write, what
    M(chatops.rocketchat.ldap_settings), M(chatops.rocketchat.ldap_role_mapping),
    M(chatops.rocketchat.ldap_channel_mapping), M(chatops.rocketchat.ldap_team_mapping),
    M(chatops.rocketchat.ldap_test_connection) and M(chatops.rocketchat.ldap_test_search) do one by one.
    It is what the role C(chatops.rocketchat.ldap) runs for its configure and verify phases; across a fleet it
    costs one module process and about eight requests per workspace instead of six processes and twenty requests.
  - Each section takes the options of its own module, validated as that module validates them, and returns
    what that module returns. A section left out is not managed.
  - Every section is planned and validated before anything is written. When one fails (a bad option, an
    unknown role, a group missing from the directory), nothing is written, also for the sections that passed.
    The changes of all sections are then written in one request and read back.
  - Then, with O(verify=true), the server's connection test runs, and one search test per user of
    O(canary_users). In check mode with pending changes they are left out, because the server would test its
    saved settings, not those the task would write.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.WRITES
options:
  ldap_settings:
    description:
      - The LDAP settings, with the options of M(chatops.rocketchat.ldap_settings) (its typed sections, its raw
        C(settings) map, C(reset_unspecified) and C(bind_password_update)).
      - The group mappings in this task are checked against these settings (what this task leaves on the
        server), as the mapping modules' own C(ldap_settings) option does.
      - Left out, the settings are not managed.
    type: dict
  role_mapping:
    description:
      - The group-to-role map and its settings, with the options of M(chatops.rocketchat.ldap_role_mapping)
        (but its C(ldap_settings), which is O(ldap_settings) here).
      - Left out, the role map is not managed.
    type: dict
  channel_mapping:
    description:
      - The group-to-channel map and its settings, with the options of
        M(chatops.rocketchat.ldap_channel_mapping) (but its C(ldap_settings), which is O(ldap_settings) here).
      - Left out, the channel map is not managed.
    type: dict
  team_mapping:
    description:
      - The group-to-team map and its settings, with the options of M(chatops.rocketchat.ldap_team_mapping)
        (but its C(ldap_settings), which is O(ldap_settings) here).
      - Left out, the team map is not managed.
    type: dict
  verify:
    description:
      - Run the server's connection test (the admin UI's C(Test Connection)) after writing, and the search test
        (C(Test LDAP Search)) for each of O(canary_users).
      - The task fails when a test fails, after the changes were written.
    type: bool
    default: true
  canary_users:
    description:
      - Users the server's user search must find (or, with C(expect=not_found), must not find), as
        M(chatops.rocketchat.ldap_test_search)'s O(chatops.rocketchat.ldap_test_search#module:users).
      - Only with O(verify=true).
    type: list
    elements: dict
    default: []
    suboptions:
      username:
        description: The login name the server searches for.
        type: str
        required: true
      expect:
        description: Whether the search must find the user.
        type: str
        choices: [found, not_found]
        default: found
  require_license:
    description:
      - The Enterprise features the caller asks for, as it names them (for example C(ldap_role_mapping)).
      - When the list is not empty and the workspace lacks the C(ldap-enterprise) licence module, the task
        fails before anything is read or written, naming them all at once; without the licence the server
        would ignore or refuse them.
    type: list
    elements: str
    default: []
notes:
  - In check mode nothing is written; with O(ldap_settings) or a map that would change, the server tests are
    left out (the result says C(skipped)).
seealso:
  - module: chatops.rocketchat.ldap_settings
  - module: chatops.rocketchat.ldap_role_mapping
  - module: chatops.rocketchat.ldap_channel_mapping
  - module: chatops.rocketchat.ldap_team_mapping
  - module: chatops.rocketchat.ldap_test_connection
  - module: chatops.rocketchat.ldap_test_search
  - module: chatops.rocketchat.ldap_check
    description: Checks the same settings and maps directly against the directory, from where the task runs.
'''

EXAMPLES = r'''
- name: The LDAP settings, the role map and the server's tests, in one task
  chatops.rocketchat.ldap_workspace:
    api_url: https://chat.example.org
    api_user_id: "{{ vault_rocketchat_user_id }}"
    api_token: "{{ vault_rocketchat_token }}"
    ldap_settings:
      enabled: true
      server_type: openldap
      connection:
        host: ldap.example.org
        port: 636
        encryption: ssl
      authentication:
        enabled: true
        bind_dn: cn=rocketchat,ou=services,dc=example,dc=org
        bind_password: "{{ vault_ldap_bind_password }}"
      user_search:
        base_dn: ou=people,dc=example,dc=org
    role_mapping:
      enabled: true
      base_dn: ou=groups,dc=example,dc=org
      filter: (&(cn=#{groupName})(memberUid=#{username}))
      mappings:
        - group: chat-admins
          roles: [admin]
    canary_users:
      - username: alice
      - username: former.employee
        expect: not_found

- name: Only the server's tests (nothing managed, nothing written)
  chatops.rocketchat.ldap_workspace:
    canary_users:
      - username: alice
'''

RETURN = r'''
settings:
  description:
    - What M(chatops.rocketchat.ldap_settings) returns for O(ldap_settings) (C(changed), C(changed_ids),
      C(drift_ids), C(unverified_ids), C(previous), C(changes), C(diff) in diff mode), or C(skipped) when not
      given; C(failed) and C(msg) when this section failed.
  returned: always
  type: dict
  sample: {changed: true, changed_ids: [LDAP_Port], drift_ids: [LDAP_Port], unverified_ids: [],
           previous: {LDAP_Port: 389}, changes: ["set connection.port (LDAP_Port): 389 -> 636"]}
mappings:
  description:
    - For each map (C(roles), C(channels), C(teams)), what its mapping module returns, or C(skipped) when not
      given; C(failed) and C(msg) when that section failed.
  returned: always
  type: dict
  contains:
    roles:
      description: The result of the role map, as M(chatops.rocketchat.ldap_role_mapping) returns it.
      type: dict
    channels:
      description: The result of the channel map, as M(chatops.rocketchat.ldap_channel_mapping) returns it.
      type: dict
    teams:
      description: The result of the team map, as M(chatops.rocketchat.ldap_team_mapping) returns it.
      type: dict
test_connection:
  description:
    - What M(chatops.rocketchat.ldap_test_connection) returns, or C(skipped) when the test did not run
      (O(verify=false), or check mode with pending changes); C(failed) and C(msg) when it failed.
  returned: always
  type: dict
  sample: {changed: false, bind_verified: true, message: Connection_success, server_version: 8.6.0}
test_search:
  description:
    - What M(chatops.rocketchat.ldap_test_search) returns for O(canary_users), or C(skipped) when no search
      ran; C(failed) and C(msg) when a user was not as expected.
  returned: always
  type: dict
  sample: {changed: false, results: [{username: alice, expect: found, result: found, ok: true, verified: true}]}
failed_phase:
  description: When the task failed, whether it failed while configuring (V(configure)) or in a server test (V(verify)).
  returned: on failure
  type: str
  sample: configure
server_version:
  description: The Rocket.Chat version the workspace reports.
  returned: success
  type: str
  sample: 8.6.0
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._workspace import argument_spec, reconcile_workspace


def main():
    run_module(argument_spec(), reconcile_workspace)


if __name__ == '__main__':
    main()
