#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_channel_mapping
short_description: Map LDAP groups to Rocket.Chat channels
version_added: 0.1.0
description:
  - Reconciles the map of LDAP groups to channels (C(LDAP_Sync_User_Data_ChannelsMap)) and the
    settings of channel sync (enable, channel admin, auto-remove, group base DN, membership filter,
    validation strategy). Members of a mapped group are added to its channels by each LDAP login
    and sync.
  - The map is compared by meaning (key order, JSON formatting, a single channel versus a one-item
    list make no difference); only the difference is written, in one request.
  - Reports the mapped channels that do not exist yet, which a sync would create as public channels
    owned by the channel admin user, and whether that user exists (if not, the server skips
    those channels; the module warns). The server has no list route for channels, so each name
    costs one C(channels.info) request; at most the first 10 distinct channels of the map are looked
    up per run (the rest are returned as RV(channels.unchecked), with a warning).
  - Enabling channel sync needs a group base DN (no fallback to the user base DN) and a filter;
    the filter rules are those of M(chatops.rocketchat.ldap_role_mapping).
  - Warns about every mapped channel that is a team's main room (C(channels.info) says C(teamMain)), since the
    server's channel sync never adds anyone to such a room (it only logs it), so map the group to the team
    with M(chatops.rocketchat.ldap_team_mapping) instead. They are returned as RV(channels.team_main_rooms).
  - A group written as a DN gets a warning with the name to use, and with O(exclusive=true) a group only the
    server has is reported as drift, as in M(chatops.rocketchat.ldap_role_mapping).
  - Channel sync is an Enterprise feature (C(ldap-enterprise) licence module).
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
      - Groups and the channels their members join.
      - With O(state=present), each listed group maps to exactly the listed channels; other groups
        are kept unless O(exclusive=true). With O(state=absent), listed groups without channels are
        removed; with channels, only those channels are removed from the group.
    type: list
    elements: dict
    default: []
    suboptions:
      group:
        description:
          - LDAP group name (C(#{groupName}) in O(filter)).
          - A name holding C(*) is refused - the server puts it into the filter unescaped, where it
            matches every group.
        type: str
        required: true
      channels:
        description: Channel names, without C(#). A single channel may be given as a string.
        type: list
        elements: str
  enabled:
    description: Sync channels from LDAP groups (C(LDAP_Sync_User_Data_Channels),
      I(Auto sync LDAP groups to channels) in the admin UI).
    type: bool
  admin_user:
    description:
      - Username that owns the channels a sync creates (C(LDAP_Sync_User_Data_Channels_Admin), I(Channel admin) in
        the admin UI,
        server default C(rocket.cat)).
    type: str
  auto_remove:
    description:
      - Remove users from mapped channels whose groups they left
        (C(LDAP_Sync_User_Data_Channels_Enforce_AutoChannels), I(Auto remove users from channels) in the admin UI).
    type: bool
  base_dn:
    description:
      - Where the groups are searched (C(LDAP_Sync_User_Data_Channels_BaseDN), I(LDAP group BaseDN) in the admin
        UI); required once
        channel sync is enabled.
    type: str
  filter:
    description:
      - Membership filter (C(LDAP_Sync_User_Data_Channels_Filter), I(User group filter) in the admin UI) with the
        placeholders
        C(#{groupName}), C(#{username}) and C(#{userdn}).
    type: str
  validation_strategy:
    description:
      - V(each_group) (one search per group) or V(once) (one search per user; group names from C(ou)
        or C(cn); no C(#{groupName})). Stored in
        C(LDAP_Sync_User_Data_Channels_GroupMembershipValidationStrategy).
    type: str
    choices: [each_group, once]
  validate_groups:
    description:
      - Check that every group listed in O(mappings) exists in the directory before writing (ldap3 from the
        controller, with the workspace's LDAP connection settings).
      - With O(ldap_settings), the candidate LDAP settings of the run are used on top of the saved ones,
        also in check mode, so a preview checks what Git says.
    type: bool
    default: false
requirements:
  - ldap3 (only for O(validate_groups=true))
seealso:
  - module: chatops.rocketchat.ldap_role_mapping
  - module: chatops.rocketchat.ldap_sync
'''

EXAMPLES = r'''
- name: OpenLDAP groupOfNames groups to channels
  chatops.rocketchat.ldap_channel_mapping:
    enabled: true
    admin_user: rocket.cat
    auto_remove: true
    base_dn: ou=groups,dc=example,dc=org
    filter: (&(objectClass=groupOfNames)(cn=#{groupName})(member=#{userdn}))
    mappings:
      - group: developers
        channels: [dev, releases]
      - group: support
        channels: helpdesk
  register: channels

- name: Say which channels the next sync creates
  ansible.builtin.debug:
    msg: "{{ channels.channels.to_create }}"

- name: Active Directory, nested groups
  chatops.rocketchat.ldap_channel_mapping:
    enabled: true
    base_dn: OU=Groups,DC=corp,DC=example,DC=com
    filter: (&(objectCategory=group)(cn=#{groupName})(member:1.2.840.113556.1.4.1941:=#{userdn}))
    mappings:
      - group: Engineering
        channels: [engineering]
'''

RETURN = r'''
mappings:
  description: The map after the run (or as it would be, in check mode).
  returned: success
  type: list
  elements: dict
  sample: [{"group": "developers", "channels": ["dev", "releases"]}]
drift_ids:
  description:
    - The ids of the settings (the map setting included) whose stored value differed from the task's, so that the
      task wrote them (or would, in check mode); settings written only because the server does not disclose them
      are left out. The C(chatops.rocketchat.ldap) role counts drift from this.
  returned: success
  type: list
  elements: str
  sample: [LDAP_Sync_User_Data_ChannelsMap]
mapping_changes:
  description: Groups added, removed and changed.
  returned: success
  type: dict
changes:
  description: The changes, one line each.
  returned: success
  type: list
  elements: str
channels:
  description: What a sync would do with the mapped channels.
  returned: success
  type: dict
  contains:
    to_create:
      description: Mapped channels that do not exist; a sync creates them (when the admin user exists).
      type: list
      elements: str
    unchecked:
      description: Mapped channels not looked up, past the first 10 (one request per name).
      type: list
      elements: str
    admin_user:
      description: The user that would own them.
      type: str
    admin_user_exists:
      description: Whether that user exists.
      type: bool
    team_main_rooms:
      description: Mapped channels that are the main room of a team; a sync adds nobody to them (a warning says so).
      type: list
      elements: str
      version_added: 0.1.0
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
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import CHANNELS
from ansible_collections.chatops.rocketchat.plugins.module_utils._mapping import reconcile_mapping


def main():
    run_module(CHANNELS.argument_spec(),
               lambda module, client: reconcile_mapping(module, client, CHANNELS))


if __name__ == '__main__':
    main()
