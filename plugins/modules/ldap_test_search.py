#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_test_search
short_description: Run Rocket.Chat's LDAP "Test LDAP Search" for users and check the answers
version_added: 0.1.0
description:
  - Asks the Rocket.Chat server to search its LDAP directory for each given username, as a login does
    (the admin UI's C(Test LDAP Search), C(POST /api/v1/ldap.testSearch)), and compares each answer
    with what you expect, V(found) or V(not_found).
  - The server reports a user as found only when exactly one entry matches; no match and several
    matches are both a failure. Rocket.Chat 8.x answers every failure, including a failed search
    (a wrong bind password, base DN or filter), with the same code; the module therefore first runs the
    server's connection test once, and M(chatops.rocketchat.ldap_check) gives the details.
  - The task fails when an answer differs from the expectation, or when the test cannot run at all
    (LDAP disabled, missing permission C(test-admin-options), no C(ldap-enterprise) licence on 9.0).
  - Before Rocket.Chat 9.0 a wrong bind DN or password passes the connection test and makes every search
    answer C(LDAP_search_failed), so a V(not_found) answer cannot be told from a broken service bind. Such
    answers are marked unverified (RV(results[].verified) is V(false), with a warning pointing to
    M(chatops.rocketchat.ldap_check)) unless a user of the same task was found, which proves the bind.
    List a user who must exist (a canary) next to the users expected to be absent.
  - The requests write nothing; they are sent in check mode too. C(changed) is always false.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.READ_ONLY
options:
  users:
    description:
      - The users to search for, each with the expected answer.
      - One of O(users) and O(usernames) is required.
    type: list
    elements: dict
    suboptions:
      username:
        description: The name a user would type at login.
        type: str
        required: true
      expect:
        description:
          - V(found) when exactly one entry should match, V(not_found) when none (or several) should.
        type: str
        choices: [found, not_found]
        default: found
  usernames:
    description:
      - Shorthand for O(users) where every user is expected to be V(found).
    type: list
    elements: str
notes:
  - Needs the C(test-admin-options) permission (the C(admin) role has it).
  - One request per user, plus one connection test. Callers without C(api-bypass-rate-limit) may be
    rate limited after ten requests a minute; the client then waits and retries.
seealso:
  - module: chatops.rocketchat.ldap_test_connection
  - module: chatops.rocketchat.ldap_check
'''

EXAMPLES = r'''
- name: Two users must be found
  chatops.rocketchat.ldap_test_search:
    usernames: [alice, bob]

- name: A departed user must no longer be found (alice, who must exist, proves the service bind on 8.x)
  chatops.rocketchat.ldap_test_search:
    users:
      - username: alice
      - username: mallory
        expect: not_found
  register: search

- name: Show the answers
  ansible.builtin.debug:
    msg: "{{ search.results | items2dict(key_name='username', value_name='result') }}"
'''

RETURN = r'''
results:
  description: One item per user, in the order given.
  returned: when the tests ran
  type: list
  elements: dict
  contains:
    username:
      description: The username searched for.
      type: str
      sample: alice
    expect:
      description: The expected answer.
      type: str
      sample: found
    result:
      description: V(found), or V(not_found) (no match, several matches or, on 8.x, a failed search).
      type: str
      sample: found
    ok:
      description: Whether the answer matched the expectation.
      type: bool
      sample: true
    verified:
      description:
        - Whether the answer can be trusted. V(false) for a V(not_found) answer from a server before 9.0 when
          no user of the same task was found, since a broken service bind gives the same answer.
      type: bool
      sample: true
    server_error:
      description: The server's error code when it did not find the user.
      type: str
      sample: LDAP_search_failed
    meaning:
      description: What the error code means.
      type: str
server_version:
  description: The Rocket.Chat version that answered.
  returned: always
  type: str
  sample: 8.8.1
server_error:
  description: The server's error code when the tests could not run at all.
  returned: failure
  type: str
  sample: LDAP_disabled
meaning:
  description: What that error means and what to do about it.
  returned: failure
  type: str
invalid:
  description: The options whose values were refused (the message names each one and what it accepts).
  returned: when the task fails on an invalid option
  type: list
  elements: str
  sample: [users, usernames]
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._server_tests import search_test


def run(module, client):
    params = module.params
    users = [dict(username=user['username'], expect=user['expect']) for user in params['users'] or []]
    users += [dict(username=name, expect='found') for name in params['usernames'] or []]
    if not users:
        raise ModuleFailure('users, usernames: give at least one user in either', invalid=['users', 'usernames'])
    return search_test(client, users, module.warn)


def main():
    run_module(dict(
        users=dict(type='list', elements='dict', options=dict(
            username=dict(type='str', required=True),
            expect=dict(type='str', choices=['found', 'not_found'], default='found'),
        )),
        usernames=dict(type='list', elements='str'),
    ), run, required_one_of=[('users', 'usernames')])


if __name__ == '__main__':
    main()
