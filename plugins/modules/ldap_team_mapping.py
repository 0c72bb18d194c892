#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_team_mapping
short_description: Map LDAP groups to Rocket.Chat teams
version_added: 0.1.0
description:
  - Reconciles the map of LDAP groups to teams (C(LDAP_Groups_To_Rocket_Chat_Teams)) and the team
    sync settings (enable, validate on each login, base DN, name attributes, query).
  - The map is compared by meaning; it is always written with lists as values, the only form the
    server accepts (a stored map with a plain string value is rewritten).
  - Users are added to the teams of the groups the query finds for them, and removed from mapped
    teams they no longer match; this happens for new users, or at every login with
    O(validate_each_login=true). The server never creates teams; the module warns about mapped
    teams that do not exist. The server has no list route for teams, so each name costs one
    C(teams.info) request; at most the first 10 distinct teams of the map are looked up per run
    (the rest are returned as RV(teams.unchecked), with a warning).
  - The team base DN falls back to the user base DN (C(LDAP_BaseDN)) when empty; enabling team
    sync needs one of them and a query that mentions C(#{userdn}) or C(#{username}).
  - A group written as a DN gets a warning with the name to use (the server compares the values of
    O(name_attributes), never DNs), and with O(exclusive=true) a group only the server has is reported as
    drift, as in M(chatops.rocketchat.ldap_role_mapping).
  - Team sync is an Enterprise feature (C(ldap-enterprise) licence module).
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
      - Groups and the teams their members join. With O(state=present), each listed group maps to
        exactly the listed teams; with O(state=absent), listed groups (or only the listed teams of
        them) are removed.
    type: list
    elements: dict
    default: []
    suboptions:
      group:
        description: LDAP group name, as read from O(name_attributes) of the entries O(query) finds.
        type: str
        required: true
      teams:
        description: Team names. A single team may be given as a string.
        type: list
        elements: str
  enabled:
    description: Sync teams from LDAP groups (C(LDAP_Enable_LDAP_Groups_To_RC_Teams),
      I(Enable team mapping from LDAP to Rocket.Chat) in the admin UI).
    type: bool
  validate_each_login:
    description: Check team membership at every login, not only for new users
      (C(LDAP_Validate_Teams_For_Each_Login), I(Validate mapping for each login) in the admin UI).
    type: bool
  base_dn:
    description: Where the team groups are searched (C(LDAP_Teams_BaseDN), I(LDAP teams BaseDN) in the admin UI);
      empty means the user base DN.
    type: str
  name_attributes:
    description: Attributes holding a group's name (C(LDAP_Teams_Name_Field), I(LDAP team name attribute) in the
      admin UI, server default C(ou), C(cn)).
    type: list
    elements: str
  query:
    description:
      - Query that finds a user's groups (C(LDAP_Query_To_Get_User_Teams), I(LDAP query to get user groups) in the
        admin UI, server default
        C((&(ou=*)(uniqueMember=#{userdn})))). Placeholders C(#{userdn}) and C(#{username}).
    type: str
  validate_groups:
    description:
      - Check that every group listed in O(mappings) exists in the directory before writing, with ldap3 from the
        controller and the workspace's LDAP connection settings.
      - With O(ldap_settings), the candidate LDAP settings of the run are used on top of the saved ones,
        also in check mode, so a preview checks what Git says (also the user base DN the team base DN falls
        back to).
      - A group exists when an entry matches O(query) (with any member) and one of its
        O(name_attributes) holds the group name.
    type: bool
    default: false
requirements:
  - ldap3 (only for O(validate_groups=true))
seealso:
  - module: chatops.rocketchat.ldap_role_mapping
'''

EXAMPLES = r'''
- name: OpenLDAP groupOfUniqueNames to teams
  chatops.rocketchat.ldap_team_mapping:
    enabled: true
    validate_each_login: true
    base_dn: ou=teams,dc=example,dc=org
    name_attributes: [cn]
    query: (&(objectClass=groupOfUniqueNames)(uniqueMember=#{userdn}))
    mappings:
      - group: platform
        teams: [Platform]
      - group: sre
        teams: [Platform, On-call]

- name: Active Directory, nested groups
  chatops.rocketchat.ldap_team_mapping:
    enabled: true
    base_dn: OU=Teams,DC=corp,DC=example,DC=com
    name_attributes: [cn]
    query: (&(objectCategory=group)(member:1.2.840.113556.1.4.1941:=#{userdn}))
    mappings:
      - group: Team-Platform
        teams: Platform
'''

RETURN = r'''
mappings:
  description: The map after the run (or as it would be, in check mode).
  returned: success
  type: list
  elements: dict
  sample: [{"group": "sre", "teams": ["Platform", "On-call"]}]
drift_ids:
  description:
    - The ids of the settings (the map setting included) whose stored value differed from the task's, so that the
      task wrote them (or would, in check mode); settings written only because the server does not disclose them
      are left out. The C(chatops.rocketchat.ldap) role counts drift from this.
  returned: success
  type: list
  elements: str
  sample: [LDAP_Groups_To_Rocket_Chat_Teams]
mapping_changes:
  description: Groups added, removed and changed.
  returned: success
  type: dict
changes:
  description: The changes, one line each.
  returned: success
  type: list
  elements: str
teams:
  description: Mapped teams that do not exist (a sync adds nobody to them).
  returned: success
  type: dict
  contains:
    missing:
      description: Team names not found.
      type: list
      elements: str
    unchecked:
      description: Mapped teams not looked up, past the first 10 (one request per name).
      type: list
      elements: str
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
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import TEAMS
from ansible_collections.chatops.rocketchat.plugins.module_utils._mapping import reconcile_mapping


def main():
    run_module(TEAMS.argument_spec(),
               lambda module, client: reconcile_mapping(module, client, TEAMS))


if __name__ == '__main__':
    main()
