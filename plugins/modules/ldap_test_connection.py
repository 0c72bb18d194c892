#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_test_connection
short_description: Run Rocket.Chat's LDAP "Test Connection" and explain the answer
version_added: 0.1.0
description:
  - Asks the Rocket.Chat server to connect to its configured LDAP directory (the admin UI's
    C(Test Connection) button, C(POST /api/v1/ldap.testConnection)) and reports the result.
  - The test uses the settings saved on the server, from the server's network. To test settings
    before saving them, or from the host that runs the task, use M(chatops.rocketchat.ldap_check).
  - A failure says what the server answered and what it means, for example that LDAP is disabled,
    that the API user lacks the C(test-admin-options) permission, or that Rocket.Chat 9.0 needs the
    C(ldap-enterprise) licence for LDAP.
  - On Rocket.Chat 8.x and older a successful test does not prove the bind credentials are right (the
    server ignores a failed service bind here); the module then warns and points to
    M(chatops.rocketchat.ldap_check).
  - The request writes nothing; it is sent in check mode too. C(changed) is always false.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.READ_ONLY
options: {}
notes:
  - Needs the C(test-admin-options) permission (the C(admin) role has it).
seealso:
  - module: chatops.rocketchat.ldap_test_search
  - module: chatops.rocketchat.ldap_check
  - module: chatops.rocketchat.ldap_settings
'''

EXAMPLES = r'''
- name: Test the workspace's LDAP connection
  chatops.rocketchat.ldap_test_connection:
    api_url: https://chat.example.org
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"

- name: Test after applying settings, and keep going when it fails
  chatops.rocketchat.ldap_test_connection:
  register: connection_test
  ignore_errors: true

- name: Show what the server said
  ansible.builtin.debug:
    msg: "{{ connection_test.msg }}"
'''

RETURN = r'''
message:
  description: The server's success message.
  returned: success
  type: str
  sample: LDAP_Connection_successful
bind_verified:
  description:
    - Whether a success also proves that the service bind worked. False on Rocket.Chat 8.x and older,
      whose connection test passes even with a wrong bind password.
  returned: success
  type: bool
  sample: false
server_version:
  description: The Rocket.Chat version that answered.
  returned: always
  type: str
  sample: 8.8.1
server_error:
  description: The server's error code, for example C(LDAP_disabled), C(Connection_failed) or C(error-action-not-allowed).
  returned: failure
  type: str
  sample: Connection_failed
meaning:
  description: What the error means and what to do about it.
  returned: failure
  type: str
details:
  description: The server's C(details) object (9.0 adds C(reason) with the LDAP error).
  returned: failure, when the server sent it
  type: dict
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._server_tests import connection_test


def run(module, client):
    return connection_test(client, module.warn)


def main():
    run_module({}, run)


if __name__ == '__main__':
    main()
