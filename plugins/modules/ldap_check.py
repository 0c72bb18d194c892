#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_check
short_description: Check Rocket.Chat's LDAP settings directly against the directory
version_added: 0.1.0
description:
  - Connects to the LDAP directory from the host that runs the task (delegate it to a host in the
    Rocket.Chat server's network to see what the server sees) and checks, the way Rocket.Chat itself
    works, whether logins and syncs will do what the settings suggest.
  - "Checks, each returned as an item with a status V(ok), V(warn) or V(fail):
    host name resolution and TCP reachability; TLS as C(LDAP_Encryption) demands (chain against the
    CA certificate, host name, expiry, protocol; a warning for plain LDAP, which sends passwords in
    clear, and for disabled certificate checks); the service bind; that every base DN exists (users,
    roles, channels, teams); the syntax of every filter and its C(#{...}) placeholders (a role or
    channel filter without C(#{groupName}) while several groups are mapped grants every mapped role
    to every matching user: a failure); the role, channel and team maps (JSON, base DN, roles the
    server does not have); filters with a matching rule the directory does not support, such as Active
    Directory's nested-group rule C(1.2.840.113556.1.4.1941) (C(LDAP_MATCHING_RULE_IN_CHAIN)) on OpenLDAP,
    where the filter matches nothing (a failure; the root DSE, and unless it shows Active Directory the
    subschema's C(matchingRules), are read once, only when a filter names a matching rule); with
    O(source=workspace), channel-map entries that name a team's main room, which the server's channel sync
    never joins (a warning; at most 10 rooms are looked up, one C(channels.info) request each); how many
    users a sync would import (the user search, the group filter and the e-mail rule), against the server's
    search size limit and page size, naming the users a sync would skip because they have no e-mail address
    (a warning)."
  - "For each user in O(users): that exactly one entry matches the server's user search; the
    Rocket.Chat user it becomes (username, e-mail, name, unique identifier and its attribute; no e-mail
    is a failure, since the server rejects such users); the group filter's verdict; whether the
    directory reports the account disabled; the roles, channels and teams the maps would grant; and,
    with a O(users[].password), the user's own bind (the LDAP login)."
  - The settings come from the same options as M(chatops.rocketchat.ldap_settings), so one variable
    can feed both modules and candidate settings can be checked before they are saved, or from the
    workspace (O(source=workspace)), where the options given override the saved values.
  - The role, channel and team maps come from O(role_mapping), O(channel_mapping) and O(team_mapping), which
    take the options of M(chatops.rocketchat.ldap_role_mapping), M(chatops.rocketchat.ldap_channel_mapping) and
    M(chatops.rocketchat.ldap_team_mapping); the maps those modules would leave are checked, not the saved ones.
  - Group memberships of a user are resolved with one search for all mapped groups where the filter
    allows it, not one search per group.
  - Nothing is written anywhere; C(changed) is always false. The task fails according to O(fail_on).
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.READ_ONLY
  - chatops.rocketchat.ldap_settings_options
requirements:
  - ldap3
options:
  api_url:
    required: false
  source:
    description:
      - Where the settings come from.
      - V(options) uses only the options of this task; settings not given have the server's
        defaults. No request is sent to Rocket.Chat, so the connection options are not needed.
      - V(workspace) reads the workspace's saved LDAP settings (the bind password included; it is never
        shown) and the role list, then applies the options given on top. It needs O(api_url) and credentials.
    type: str
    choices: [options, workspace]
    default: options
  settings:
    description:
      - Setting ids and values, for settings the typed options do not cover, for example the role,
        channel and team maps (C(LDAP_Sync_User_Data_RolesMap) and its filter and base DN).
      - An id must not also be set through a typed option.
      - This map is not kept out of logs (Ansible logs module arguments before the module runs). The bind
        password is therefore refused here; give it with O(authentication.bind_password), which is kept out of logs.
    type: dict
  users:
    description:
      - Users to preview, by the name they would type at login.
    type: list
    elements: dict
    default: []
    suboptions:
      username:
        description: The login name, searched with the server's user search.
        type: str
        required: true
      password:
        description:
          - The user's password. When given, the module binds as the user, as an LDAP login does.
          - Never shown in results.
        type: str
  role_mapping:
    description:
      - The role map and settings that M(chatops.rocketchat.ldap_role_mapping) with these options would leave, checked
        instead of the saved ones. It takes that module's options (those that only matter when writing are
        ignored; connection settings are taken from this task, not from this option).
      - The map is planned as that module plans it (O(role_mapping.state), O(role_mapping.exclusive),
        O(role_mapping.allow_empty)), from the saved map with O(source=workspace), or from an empty map (or the one
        given in O(settings)) with O(source=options). The other options given override the saved settings.
      - An empty dictionary (or leaving the option out) means the role map is not managed; the saved map and
        settings are checked.
      - A setting must not also be set through O(settings) or a typed option.
    type: dict
    suboptions:
      mappings:
        description:
          - Groups and the roles their members get, as in M(chatops.rocketchat.ldap_role_mapping).
        type: list
        elements: dict
        default: []
        suboptions:
          group:
            description: LDAP group name.
            type: str
            required: true
          roles:
            description:
              - Role names. A single name may be given as a string.
              - Required with O(role_mapping.state=present).
            type: list
            elements: str
      state:
        description:
          - V(present) adds or updates the listed mappings, V(absent) removes them, as the mapping module does.
        type: str
        choices: [present, absent]
        default: present
      exclusive:
        description:
          - With V(true), groups not listed in O(role_mapping.mappings) are left out of the previewed map.
        type: bool
        default: false
      allow_empty:
        description:
          - Allow O(role_mapping.exclusive=true) with no mappings to empty a map that has groups.
        type: bool
        default: false
      validate_groups:
        description:
          - Accepted and ignored. It only matters to M(chatops.rocketchat.ldap_role_mapping), which looks the
            groups up before writing; ldap_check resolves the mapped groups of each user in O(users).
        type: bool
        default: false
      enabled:
        description: Overrides C(LDAP_Sync_User_Data_Roles) (I(Sync LDAP groups) in the admin UI).
        type: bool
      auto_remove:
        description: Overrides C(LDAP_Sync_User_Data_Roles_AutoRemove) (I(Auto remove user roles) in the admin UI; not
          used by the checks).
        type: bool
      base_dn:
        description: Overrides C(LDAP_Sync_User_Data_Roles_BaseDN) (I(LDAP group BaseDN) in the admin UI).
        type: str
      filter:
        description: Overrides C(LDAP_Sync_User_Data_Roles_Filter) (I(User group filter) in the admin UI).
        type: str
      validation_strategy:
        description: Overrides C(LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy)
          (I(Group membership validation strategy) in the admin UI).
        type: str
        choices: [each_group, once]
  channel_mapping:
    description:
      - The channel map and settings that M(chatops.rocketchat.ldap_channel_mapping) with these options would leave,
        checked instead of the saved ones. It takes that module's options (those that only matter when writing are
        ignored; connection settings are taken from this task, not from this option).
      - The map is planned as that module plans it (O(channel_mapping.state), O(channel_mapping.exclusive),
        O(channel_mapping.allow_empty)), from the saved map with O(source=workspace), or from an empty map (or the one
        given in O(settings)) with O(source=options). The other options given override the saved settings.
      - An empty dictionary (or leaving the option out) means the channel map is not managed; the saved map and
        settings are checked.
      - A setting must not also be set through O(settings) or a typed option.
    type: dict
    suboptions:
      mappings:
        description:
          - Groups and the channels their members get, as in M(chatops.rocketchat.ldap_channel_mapping).
        type: list
        elements: dict
        default: []
        suboptions:
          group:
            description: LDAP group name.
            type: str
            required: true
          channels:
            description:
              - Channel names. A single name may be given as a string.
              - Required with O(channel_mapping.state=present).
            type: list
            elements: str
      state:
        description:
          - V(present) adds or updates the listed mappings, V(absent) removes them, as the mapping module does.
        type: str
        choices: [present, absent]
        default: present
      exclusive:
        description:
          - With V(true), groups not listed in O(channel_mapping.mappings) are left out of the previewed map.
        type: bool
        default: false
      allow_empty:
        description:
          - Allow O(channel_mapping.exclusive=true) with no mappings to empty a map that has groups.
        type: bool
        default: false
      validate_groups:
        description:
          - Accepted and ignored. It only matters to M(chatops.rocketchat.ldap_channel_mapping), which looks the
            groups up before writing; ldap_check resolves the mapped groups of each user in O(users).
        type: bool
        default: false
      enabled:
        description: Overrides C(LDAP_Sync_User_Data_Channels) (I(Auto sync LDAP groups to channels) in the admin UI).
        type: bool
      admin_user:
        description: Overrides C(LDAP_Sync_User_Data_Channels_Admin) (I(Channel admin) in the admin UI; not used by
          the checks).
        type: str
      auto_remove:
        description: Overrides C(LDAP_Sync_User_Data_Channels_Enforce_AutoChannels)
          (I(Auto remove users from channels) in the admin UI; not used by the checks).
        type: bool
      base_dn:
        description: Overrides C(LDAP_Sync_User_Data_Channels_BaseDN) (I(LDAP group BaseDN) in the admin UI).
        type: str
      filter:
        description: Overrides C(LDAP_Sync_User_Data_Channels_Filter) (I(User group filter) in the admin UI).
        type: str
      validation_strategy:
        description: Overrides C(LDAP_Sync_User_Data_Channels_GroupMembershipValidationStrategy)
          (I(Group membership validation strategy) in the admin UI).
        type: str
        choices: [each_group, once]
  team_mapping:
    description:
      - The team map and settings that M(chatops.rocketchat.ldap_team_mapping) with these options would leave, checked
        instead of the saved ones. It takes that module's options (those that only matter when writing are
        ignored; connection settings are taken from this task, not from this option).
      - The map is planned as that module plans it (O(team_mapping.state), O(team_mapping.exclusive),
        O(team_mapping.allow_empty)), from the saved map with O(source=workspace), or from an empty map (or the one
        given in O(settings)) with O(source=options). The other options given override the saved settings.
      - An empty dictionary (or leaving the option out) means the team map is not managed; the saved map and
        settings are checked.
      - A setting must not also be set through O(settings) or a typed option.
    type: dict
    suboptions:
      mappings:
        description:
          - Groups and the teams their members get, as in M(chatops.rocketchat.ldap_team_mapping).
        type: list
        elements: dict
        default: []
        suboptions:
          group:
            description: LDAP group name.
            type: str
            required: true
          teams:
            description:
              - Team names. A single name may be given as a string.
              - Required with O(team_mapping.state=present).
            type: list
            elements: str
      state:
        description:
          - V(present) adds or updates the listed mappings, V(absent) removes them, as the mapping module does.
        type: str
        choices: [present, absent]
        default: present
      exclusive:
        description:
          - With V(true), groups not listed in O(team_mapping.mappings) are left out of the previewed map.
        type: bool
        default: false
      allow_empty:
        description:
          - Allow O(team_mapping.exclusive=true) with no mappings to empty a map that has groups.
        type: bool
        default: false
      validate_groups:
        description:
          - Accepted and ignored. It only matters to M(chatops.rocketchat.ldap_team_mapping), which looks the
            groups up before writing; ldap_check resolves the mapped groups of each user in O(users).
        type: bool
        default: false
      enabled:
        description: Overrides C(LDAP_Enable_LDAP_Groups_To_RC_Teams) (I(Enable team mapping from LDAP to Rocket.Chat)
          in the admin UI).
        type: bool
      validate_each_login:
        description: Overrides C(LDAP_Validate_Teams_For_Each_Login) (I(Validate mapping for each login) in the admin
          UI; not used by the checks).
        type: bool
      base_dn:
        description: Overrides C(LDAP_Teams_BaseDN) (I(LDAP teams BaseDN) in the admin UI).
        type: str
      name_attributes:
        description: Overrides C(LDAP_Teams_Name_Field) (I(LDAP team name attribute) in the admin UI).
        type: list
        elements: str
      query:
        description: Overrides C(LDAP_Query_To_Get_User_Teams) (I(LDAP query to get user groups) in the admin UI).
        type: str
  fail_on:
    description:
      - When the task fails. V(fail) when a check fails, V(warn) when a check warns or fails,
        V(never) to only report.
    type: str
    choices: [fail, warn, never]
    default: fail
notes:
  - ldap3 validates host names with OpenSSL here, so a certificate whose subject alternative names
    hold the IP address the settings use is accepted, as Rocket.Chat accepts it.
  - The username preview follows the server's slug rules (C(UTF8_Names_Slugify), on by default) and
    assumes that setting is on.
seealso:
  - module: chatops.rocketchat.ldap_settings
  - module: chatops.rocketchat.ldap_test_connection
  - module: chatops.rocketchat.ldap_test_search
'''

EXAMPLES = r'''
- name: Check candidate settings before saving them (the same variable feeds ldap_settings)
  chatops.rocketchat.ldap_check:
    enabled: true
    server_type: other
    connection: "{{ ldap.connection }}"
    authentication: "{{ ldap.authentication }}"
    user_search: "{{ ldap.user_search }}"
    data_sync: "{{ ldap.data_sync }}"
    users:
      - username: alice
        password: "{{ vault_alice_password }}"
      - username: oscar
  delegate_to: rocketchat-host

- name: Check the saved configuration, roles included, and only report
  chatops.rocketchat.ldap_check:
    source: workspace
    fail_on: never
    users:
      - username: alice
  register: check

- name: Show the failed checks
  ansible.builtin.debug:
    msg: "{{ check.checks | selectattr('status', 'equalto', 'fail') | map(attribute='detail') | list }}"

- name: Would a new role map over-grant?
  chatops.rocketchat.ldap_check:
    source: workspace
    settings:
      LDAP_Sync_User_Data_Roles: true
      LDAP_Sync_User_Data_Roles_BaseDN: ou=groups,dc=example,dc=org
      LDAP_Sync_User_Data_Roles_Filter: (&(objectClass=posixGroup)(memberUid=#{username}))
      LDAP_Sync_User_Data_RolesMap: {"rocket-admin": "admin", "support": "livechat-agent"}

- name: Preview the maps from Git before the mapping modules write them (the role's preflight)
  chatops.rocketchat.ldap_check:
    source: workspace
    role_mapping: "{{ ldap_role_mapping }}"        # the options of ldap_role_mapping; {} = the saved map
    channel_mapping:
      enabled: true
      base_dn: ou=groups,dc=example,dc=org
      filter: (&(cn=#{groupName})(member=#{userdn}))
      mappings:
        - group: developers
          channels: [dev, general]
    team_mapping: {}
    users:
      - username: alice
'''

RETURN = r'''
checks:
  description: Every check that ran, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: "What was checked, for example C(encryption), C(bind), C(base DN: users), C(user alice: mapping)."
      type: str
      sample: "encryption"
    status:
      description: V(ok), V(warn) or V(fail).
      type: str
      sample: ok
    detail:
      description: What was found and, for a problem, what the server will do because of it.
      type: str
    elapsed_ms:
      description: How long the check took.
      type: int
      sample: 4
summary:
  description: How many checks ended with each status.
  returned: always
  type: dict
  sample: {ok: 18, warn: 1, fail: 0}
import_count:
  description: What a sync of all users would do with the directory.
  returned: when the directory could be searched
  type: dict
  sample: {matching: 32, importable: 29, skipped_count: 1,
           skipped: [{username: oscar, dn: "uid=oscar,ou=people,dc=example,dc=org", reason: no e-mail}]}
  contains:
    matching:
      description: Entries the user search finds.
      type: int
    importable:
      description:
        - Users a sync would import, those of C(matching) that the group filter admits and that have an e-mail
          address. Null when the directory stopped the search at its own size limit.
      type: int
    skipped_count:
      description: Users the group filter admits but the server rejects (no e-mail address).
      type: int
    skipped:
      description: The first 100 of those users, each with C(username) (as the sync would name the user), C(dn)
        and C(reason) (V(no e-mail)).
      type: list
      elements: dict
maps:
  description:
    - The role, channel and team maps the checks used (after O(role_mapping), O(channel_mapping) and
      O(team_mapping)), each a list of C({group, roles}), C({group, channels}) or C({group, teams}). A map that
      cannot be read is left out (its check says why).
  returned: always
  type: dict
  sample: {roles: [{group: rocket-admin, roles: [admin]}], channels: [], teams: []}
users:
  description: The preview of each user in O(users).
  returned: always
  type: list
  elements: dict
  contains:
    username:
      description: The login name given.
      type: str
    found:
      description: Whether exactly one entry matched.
      type: bool
    dn:
      description: The entry's DN.
      type: str
      returned: when found
    rocketchat:
      description: The Rocket.Chat user the entry becomes (C(username), C(email), C(name), C(unique_id), C(unique_id_attribute)).
      type: dict
      returned: when found
    group_filter:
      description: The group filter's verdict (null when the filter is off).
      type: bool
      returned: when found
    disabled:
      description:
        - Why Rocket.Chat treats the account as disabled (C(userAccountControl), C(lockoutTime),
          C(pwdAccountLockedTime), C(loginDisabled)), or null when it is enabled.
        - A sync deactivates such a user unless C(LDAP_Sync_User_Active_State) is C(none).
      type: str
      returned: when found
    roles:
      description: Roles the role map grants (when role sync is on).
      type: list
      elements: str
      returned: when found and role sync is on
    channels:
      description: Channels the channel map grants (when channel sync is on).
      type: list
      elements: str
      returned: when found and channel sync is on
    teams:
      description: Teams the team map grants (when team sync is on).
      type: list
      elements: str
      returned: when found and team sync is on
    login:
      description: Whether the user's own bind succeeded and the group filter admits the user.
      type: bool
      returned: when a password was given and the user was found
invalid:
  description: The options whose values were refused (the message names each one and what it accepts).
  returned: when the task fails on an invalid option
  type: list
  elements: str
  sample: [settings.LDAP_Port]
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import require_client, run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import (
    SETTINGS, in_admin_ui_order, ldap_settings_argument_spec, option_of,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import HAS_LDAP3, LDAP3_IMPORT_ERROR
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_checks import (
    WARN, apply_mapping_options, describe, lookup_mapped_channels, mapping_options_argument_spec, previewed_maps,
    run_checks, should_fail,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import UNREADABLE, checked_settings
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import SettingsApi

PASSWORD_ID = 'LDAP_Authentication_Password'


def argument_spec():
    spec = ldap_settings_argument_spec()
    spec.update(
        source=dict(type='str', choices=['options', 'workspace'], default='options'),
        settings=dict(type='dict'),
        users=dict(type='list', elements='dict', default=[], options=dict(
            username=dict(type='str', required=True),
            password=dict(type='str', no_log=True),
        )),
        fail_on=dict(type='str', choices=['fail', 'warn', 'never'], default='fail'),
    )
    spec.update(mapping_options_argument_spec())
    return spec


def given_settings(params, current_server_type):
    """``{id: native value}`` of the typed options and the raw ``settings`` map (each id given once)."""
    return given_settings_and_options(params, current_server_type)[0]


def given_settings_and_options(params, current_server_type):
    """``({id: native value}, {id: the option that set it})`` of the typed options and the raw ``settings`` map,
    validated as ldap_settings validates them (a port out of range, a CA that is no certificate, ...)."""
    return checked_settings(params, current_server_type)


def declared_groups(mapping_params):
    """The groups a mapping option declares with state=present, or None when it declares none (then the
    whole map is the task's to check)."""
    mapping_params = mapping_params or {}
    if (mapping_params.get('state') or 'present') != 'present' or not mapping_params.get('mappings'):
        return None
    return set((entry.get('group') or '').strip() for entry in mapping_params['mappings'])


def run(module, client):
    params = module.params
    notes = []
    roles = None
    values = {}
    server_type = SETTINGS['LDAP_Server_Type'].default
    hidden = []
    if params['source'] == 'workspace':
        client = require_client(client, 'source=workspace')
        snapshot = SettingsApi(client).read()
        values = dict((k, v) for k, v in snapshot.values.items() if v is not UNREADABLE)
        roles = client.get('roles.list').get('roles')
        server_type = snapshot.value('LDAP_Server_Type', server_type)
        hidden = in_admin_ui_order(i for i, value in snapshot.values.items() if value is UNREADABLE)
    given, given_by = given_settings_and_options(params, server_type)
    # A value the server masks is unknown, not empty: never checked as if it were "".
    hidden = [i for i in hidden if i not in given]
    if hidden:
        notes.append(('workspace', WARN, 'the server does not disclose %s (it masks secret settings): give %s to '
                      'check with them' % (', '.join(hidden), ', '.join(option_of(i) for i in hidden))))
    values.update(given)
    if values.get(PASSWORD_ID):
        # Read from the workspace it is no option Ansible knows to hide: mask it everywhere.
        module.no_log_values.add(values[PASSWORD_ID])
    notes.extend(apply_mapping_options(values, given_by, params))
    channel_rooms = lookup_mapped_channels(client, values) if params['source'] == 'workspace' else None

    report, found = run_checks(values, users=params['users'], roles=roles, notes=notes, channel_rooms=channel_rooms,
                               hidden=hidden, managed_roles=declared_groups(params.get('role_mapping')))
    summary = describe(report)
    result = dict(changed=False, checks=report.items, summary=report.summary(), users=found['users'],
                  maps=previewed_maps(values))
    if found['import_count'] is not None:
        result['import_count'] = found['import_count']
    if should_fail(report, params['fail_on']):
        raise ModuleFailure(summary, **result)
    result['msg'] = summary
    return result


def main():
    run_module(argument_spec(), run, requirements=[('ldap3', HAS_LDAP3, LDAP3_IMPORT_ERROR)], connection='optional')


if __name__ == '__main__':
    main()
