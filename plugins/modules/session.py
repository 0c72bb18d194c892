#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to chatops.rocketchat
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: session
short_description: Log in to Rocket.Chat once for a whole play, and log out at its end
version_added: 0.1.0
description:
  - Every module of the collection logs in and out by itself when it is given a username and a
    password. A play that runs ten modules against a workspace then logs in ten times. This module
    logs in once and returns the login token, so that later tasks can use it as O(api_user_id) and
    O(api_token); with O(state=absent) it logs that token out again.
  - With O(state=present) and a token (a personal access token) instead of a password, nothing is
    done and RV(logged_in) is false; keep using the token as before.
  - The result holds a live login token, so the task must have C(no_log) set to V(true); the module
    fails otherwise.
  - "This module changes the server's state: a login (O(state=present)) creates a login token for the user on the
    server (Rocket.Chat stores it with the user's login tokens, as for a login in the web client), and a logout
    (O(state=absent)) deletes that token. Workspace settings, users and roles stay as they are."
  - It does so in check mode as well, for both states, because the tasks after it need a token that works. In a
    run with C(--check), the other modules still read the workspace with that token to report what they would
    change. Log out at the end of the play (also in check mode) so that no token is left behind.
  - C(changed) is always V(false), in check mode too. It tells whether the workspace's configuration changed, and
    a login token is not configuration; RV(logged_in) tells whether a login or a logout was done.
  - The role C(chatops.rocketchat.ldap) uses this module to log in once per workspace.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
attributes:
  check_mode:
    description: Can run in check mode and return the same result as a normal run.
    support: full
    details: Logs in or out in check mode too (a login token is created or deleted on the server), because later tasks need the token.
  diff_mode:
    description: Would return details on what has changed in diff mode.
    support: none
  action_group:
    description: Use C(group/chatops.rocketchat.rocketchat) in C(module_defaults) to set the connection options.
    support: full
    membership:
      - chatops.rocketchat.rocketchat
options:
  state:
    description:
      - V(present) logs in with O(api_username) and O(api_password) and returns the token.
      - V(absent) logs out the token given as O(api_user_id) and O(api_token).
    type: str
    choices: [present, absent]
    default: present
notes:
  - When the server asks for the password as second factor (the 2FA password fallback, Rocket.Chat's
    default), a login token alone cannot answer it; give later tasks O(api_password) next to
    O(api_user_id) and O(api_token) (it then only answers that challenge), or use a personal access
    token created with C(Ignore Two Factor Authentication). A TOTP seed (O(api_totp_secret)) works
    with the token too.
seealso:
  - module: chatops.rocketchat.ldap_settings
'''

EXAMPLES = r'''
- name: Log in once
  chatops.rocketchat.session:
    api_url: https://chat.example.org
    api_username: automation
    api_password: "{{ vault_rocketchat_password }}"
  register: rocketchat_session
  no_log: true

- name: Work with the token
  chatops.rocketchat.ldap_settings_info:
    api_url: https://chat.example.org
    api_user_id: "{{ rocketchat_session.user_id }}"
    api_token: "{{ rocketchat_session.token }}"

- name: Log out
  chatops.rocketchat.session:
    api_url: https://chat.example.org
    api_user_id: "{{ rocketchat_session.user_id }}"
    api_token: "{{ rocketchat_session.token }}"
    state: absent
  no_log: true
'''

RETURN = r'''
logged_in:
  description:
    - Whether this run logged in (V(present)) or out (V(absent)).
    - A failed logout is a warning, not a failure, and returns V(false).
  returned: always
  type: bool
user_id:
  description: Id of the user who logged in.
  returned: when O(state=present) and it logged in
  type: str
token:
  description: The login token. A secret; the task must have C(no_log) set.
  returned: when O(state=present) and it logged in
  type: str
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import RocketChatError


def run(module, client):
    if not module.no_log:
        raise ModuleFailure('this module handles a login token: set "no_log: true" on the task.')
    params = module.params
    if params['state'] == 'absent':
        if not params['api_token']:
            raise ModuleFailure('state=absent logs out a token: give api_user_id and api_token.')
        try:
            # read_only=True: sent in check mode too, as the login that created the token was.
            client.post('logout', read_only=True)
        except RocketChatError as exc:
            # The play's work is done; a failed logout must not stop what follows it (the role's report).
            module.warn('Logout failed, so the login token stays valid until it expires: %s' % exc)
            return dict(changed=False, logged_in=False)
        return dict(changed=False, logged_in=True)
    if params['api_token']:
        return dict(changed=False, logged_in=False)
    # The token outlives this run: run_module's close() must not log it out. A login in check mode too:
    # the later tasks of a --check run read the workspace with it.
    user_id, token = client.detach_login()
    return dict(changed=False, logged_in=True, user_id=user_id, token=token)


def main():
    run_module(dict(state=dict(type='str', choices=['present', 'absent'], default='present')), run)


if __name__ == '__main__':
    main()
