#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_check
short_description: Check Rocket.Chat's LDAP settings directly against the directory
version_added: 1.0.0
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
    server does not have); how many users a sync would import (the user search and the group filter),
    against the server's search size limit and page size."
  - "For each user in O(users): that exactly one entry matches the server's user search; the
    Rocket.Chat user it becomes (username, e-mail, name, unique identifier and its attribute; no e-mail
    is a failure, since the server rejects such users); the group filter's verdict; whether the
    directory reports the account disabled; the roles, channels and teams the maps would grant; and,
    with a O(users[].password), the user's own bind (the LDAP login)."
  - The settings come from the same options as M(chatops.rocketchat.ldap_settings), so one variable
    can feed both modules and candidate settings can be checked before they are saved, or from the
    workspace (O(source=workspace)), where the options given override the saved values.
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
  description: Users a sync would find (C(matching)) and import after the group filter (C(importable)).
  returned: when the directory could be searched
  type: dict
  sample: {matching: 32, importable: 30}
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

from ansible_collections.chatops.rocketchat.plugins.module_utils.base import (
    ModuleFailure, require_client, run_module,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils.catalog import (
    SETTINGS, ldap_settings_argument_spec,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils.directory import HAS_LDAP3, LDAP3_IMPORT_ERROR
from ansible_collections.chatops.rocketchat.plugins.module_utils.ldap_checks import (
    WARN, describe, run_checks, should_fail,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils.reconcile import (
    UNREADABLE, merge_raw_settings, settings_from_options,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils.settings_api import SettingsApi

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
    return spec


def given_settings(params, current_server_type):
    """``{id: native value}`` of the typed options and the raw ``settings`` map (each id given once)."""
    desired, names = settings_from_options(params, current_server_type)
    return merge_raw_settings(desired, names, params['settings'], coerce_values=True)[0]


def run(module, client):
    params = module.params
    notes = []
    roles = None
    values = {}
    server_type = SETTINGS['LDAP_Server_Type'].default
    password_hidden = False
    if params['source'] == 'workspace':
        client = require_client(client, 'source=workspace')
        snapshot = SettingsApi(client).read()
        values = dict((k, v) for k, v in snapshot.values.items() if v is not UNREADABLE)
        roles = client.get('roles.list').get('roles')
        server_type = snapshot.value('LDAP_Server_Type', server_type)
        password_hidden = snapshot.values.get(PASSWORD_ID) is UNREADABLE
    given = given_settings(params, server_type)
    if password_hidden and PASSWORD_ID not in given:
        notes.append(('workspace', WARN, 'the server does not disclose the bind password: give '
                      'authentication.bind_password to check the service bind'))
    values.update(given)
    if values.get(PASSWORD_ID):
        # Read from the workspace it is no option Ansible knows to hide: mask it everywhere.
        module.no_log_values.add(values[PASSWORD_ID])

    report, found = run_checks(values, users=params['users'], roles=roles, notes=notes)
    summary = describe(report)
    result = dict(changed=False, checks=report.items, summary=report.summary(), users=found['users'])
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
