#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_role_mapping
short_description: Map LDAP groups to Rocket.Chat roles
version_added: 0.1.0
description:
  - Reconciles the map of LDAP groups to Rocket.Chat roles (C(LDAP_Sync_User_Data_RolesMap)) and the
    settings of role sync (enable, auto-remove, group base DN, membership filter, validation strategy).
  - The map is compared by meaning, never as text; key order, JSON formatting, and a single role
    versus a one-item list make no difference. Only the difference is written, in one request.
  - Everything is validated before anything is written. Every role must exist (C(roles.list), by id
    or by name; the server only reads the text before the first C(.) of a role). Enabling role sync
    needs a group base DN (the server has no fallback to the user base DN) and a membership filter.
    A filter without C(#{groupName}) is refused while more than one group is mapped, since it would
    give every mapped role to every matching user. A filter that mentions neither C(#{username})
    nor C(#{userdn}) is refused, since every user would match it.
  - Role sync is an Enterprise feature; the module fails when the workspace has no C(ldap-enterprise)
    licence module.
  - A group written as a DN (C(cn=admins,ou=groups,dc=example,dc=org)) gets a warning with the name to use
    (C(admins)), since the server substitutes group names for C(#{groupName}) and reads C(ou)/C(cn) values, so a
    DN never matches, unless O(filter) compares C(#{groupName}) with a DN-valued attribute such as C(memberOf).
  - With O(exclusive=true), a group the server has and O(mappings) does not (drift, for example added by
    hand) is reported in RV(changes) as drift, with the words C(is on the server but not in the inventory)
    and C(removed), or C(would be removed) in check mode.
  - Roles are assigned when users log in with LDAP and by each sync; use M(chatops.rocketchat.ldap_sync)
    to apply a new map at once.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.WRITES
  - chatops.rocketchat.mapping
  - chatops.rocketchat.mapping.LDAP_SETTINGS
options:
  mappings:
    description:
      - Groups and the roles their members get.
      - With O(state=present), each listed group maps to exactly the listed roles; groups that are
        not listed are kept unless O(exclusive=true).
      - With O(state=absent), listed groups without O(mappings[].roles) are removed from the map;
        with roles, only those roles are removed from the group (and the group when none is left).
    type: list
    elements: dict
    default: []
    suboptions:
      group:
        description:
          - LDAP group name, as substituted for C(#{groupName}) in O(filter) (or, with
            O(validation_strategy=once), the C(ou) or C(cn) of the group entry).
          - A name holding C(*) is refused - the server puts it into the filter unescaped, where it
            matches every group.
        type: str
        required: true
      roles:
        description:
          - Role ids or names. A single role may be given as a string.
          - Required with O(state=present).
        type: list
        elements: str
  enabled:
    description:
      - Sync roles from LDAP groups (C(LDAP_Sync_User_Data_Roles), I(Sync LDAP groups) in the admin UI). Left
        unchanged when not set.
    type: bool
  auto_remove:
    description:
      - Remove roles that appear in the map from users who are no longer in the matching groups
        (C(LDAP_Sync_User_Data_Roles_AutoRemove), I(Auto remove user roles) in the admin UI). Roles that are not in
        the map are never removed.
    type: bool
  base_dn:
    description:
      - Where the groups are searched (C(LDAP_Sync_User_Data_Roles_BaseDN), I(LDAP group BaseDN) in the admin UI).
        Required once role
        sync is enabled; the server does not fall back to the user base DN.
    type: str
  filter:
    description:
      - The membership filter (C(LDAP_Sync_User_Data_Roles_Filter), I(User group filter) in the admin UI).
        Placeholders are
        C(#{groupName}) (each mapped group), C(#{username}) (the Rocket.Chat username) and C(#{userdn})
        (the user's DN).
      - The server's default, C((&(cn=#{groupName})(memberUid=#{username}))), suits C(posixGroup);
        use C((&(cn=#{groupName})(member=#{userdn}))) for C(groupOfNames).
    type: str
  validation_strategy:
    description:
      - V(each_group) runs the filter once per mapped group (C(#{groupName}) is replaced).
      - V(once) runs it once per user with only C(#{username}) and C(#{userdn}) replaced, and reads the
        group name from the C(ou), else the C(cn), of each entry found; the filter must not use
        C(#{groupName}) then.
      - Stored in C(LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy)
        (I(Group membership validation strategy) in the admin UI).
    type: str
    choices: [each_group, once]
  validate_groups:
    description:
      - Check that every group listed in O(mappings) exists in the directory before writing, with
        ldap3 from the controller and the LDAP connection settings of the workspace (host, port,
        encryption, CA, service bind), using O(base_dn) and O(filter) with any member.
      - With O(ldap_settings), the candidate LDAP settings of the run are used on top of the saved ones,
        also in check mode, so a preview checks what Git says.
    type: bool
    default: false
requirements:
  - ldap3 (only for O(validate_groups=true))
seealso:
  - module: chatops.rocketchat.ldap_channel_mapping
  - module: chatops.rocketchat.ldap_team_mapping
  - module: chatops.rocketchat.ldap_sync
'''

EXAMPLES = r'''
# OpenLDAP: posixGroup entries (memberUid holds usernames) and groupOfNames entries (member holds
# DNs) cannot share one filter; this example uses groupOfNames for every mapped group.
- name: Map OpenLDAP groups to roles
  chatops.rocketchat.ldap_role_mapping:
    api_url: https://chat.example.org
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"
    enabled: true
    auto_remove: true
    base_dn: ou=groups,dc=example,dc=org
    filter: (&(objectClass=groupOfNames)(cn=#{groupName})(member=#{userdn}))
    validation_strategy: each_group
    validate_groups: true
    exclusive: true
    mappings:
      - group: rocket-admins
        roles: admin
      - group: support
        roles: [livechat-agent, moderator]

- name: OpenLDAP posixGroup (the server's default filter)
  chatops.rocketchat.ldap_role_mapping:
    enabled: true
    base_dn: ou=groups,dc=example,dc=org
    filter: (&(cn=#{groupName})(memberUid=#{username}))
    mappings:
      - group: developers
        roles: [leader]

# Active Directory: LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941) also finds members of
# nested groups.
- name: Map Active Directory groups, nested membership included
  chatops.rocketchat.ldap_role_mapping:
    enabled: true
    auto_remove: true
    base_dn: OU=Groups,DC=corp,DC=example,DC=com
    filter: (&(objectCategory=group)(cn=#{groupName})(member:1.2.840.113556.1.4.1941:=#{userdn}))
    validation_strategy: each_group
    mappings:
      - group: RC-Admins
        roles: [admin]
      - group: RC-Moderators
        roles: [moderator]

- name: Active Directory, one search per user for all (nested) groups
  chatops.rocketchat.ldap_role_mapping:
    enabled: true
    base_dn: OU=Groups,DC=corp,DC=example,DC=com
    filter: (&(objectCategory=group)(member:1.2.840.113556.1.4.1941:=#{userdn}))
    validation_strategy: once
    mappings:
      - group: RC-Admins
        roles: [admin]

- name: Stop mapping a group
  chatops.rocketchat.ldap_role_mapping:
    state: absent
    mappings:
      - group: support

- name: Review a change on a merge request
  chatops.rocketchat.ldap_role_mapping:
    mappings:
      - group: auditors
        roles: [auditor]
  check_mode: true
  diff: true

# The same variable feeds chatops.rocketchat.ldap_settings earlier in the play: the preview searches the
# directory with the host and bind password in Git, even before they are saved.
- name: Preview the map with the candidate LDAP settings
  chatops.rocketchat.ldap_role_mapping:
    enabled: true
    base_dn: ou=groups,dc=example,dc=org
    validate_groups: true
    ldap_settings: "{{ ldap_settings }}"
    mappings:
      - group: rocket-admins
        roles: admin
  check_mode: true
'''

RETURN = r'''
mappings:
  description: The map after the run (or as it would be, in check mode).
  returned: success
  type: list
  elements: dict
  sample: [{"group": "rocket-admins", "roles": ["admin"]}]
drift_ids:
  description:
    - The ids of the settings (the map setting included) whose stored value differed from the task's, so that the
      task wrote them (or would, in check mode); settings written only because the server does not disclose them
      are left out. The C(chatops.rocketchat.ldap) role counts drift from this.
  returned: success
  type: list
  elements: str
  sample: [LDAP_Sync_User_Data_RolesMap]
mapping_changes:
  description: Groups added, removed and changed (with the roles added and removed).
  returned: success
  type: dict
  sample:
    added: [{"group": "support", "values": ["moderator"]}]
    removed: []
    changed: [{"group": "rocket-admins", "before": ["admin"], "after": ["admin", "leader"],
               "added": ["leader"], "removed": []}]
changes:
  description: The changes, one line each, for a person.
  returned: success
  type: list
  elements: str
  sample: ["add group support -> roles moderator", "set LDAP_Sync_User_Data_Roles: false -> true",
           "group old-admins (roles admin) is on the server but not in the inventory: removed (exclusive)"]
unknown_roles:
  description: Roles that do not exist on the server (the module fails).
  returned: failure because of unknown roles
  type: list
  elements: dict
  sample: [{"group": "support", "role": "helpdesk"}]
missing_groups:
  description: Mapped groups not found in the directory, with O(validate_groups=true).
  returned: when O(validate_groups=true)
  type: list
  elements: str
invalid:
  description: The options whose values were refused (the message names each one and what it accepts); nothing was written.
  returned: when the task fails on an invalid option
  type: list
  elements: str
  sample: [mappings]
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import ROLES
from ansible_collections.chatops.rocketchat.plugins.module_utils._mapping import reconcile_mapping


def main():
    run_module(ROLES.argument_spec(), lambda module, client: reconcile_mapping(module, client, ROLES))


if __name__ == '__main__':
    main()
