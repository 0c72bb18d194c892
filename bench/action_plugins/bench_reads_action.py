# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark prototype (bench/ only, not shipped): a drift's server reads, each once, in the CONTROLLER (the
"controller-side action plugin" design's floor): the same calls as bench/library/bench_reads_module.py,
with the collection's client built from the same options, and no module process."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.chatops.rocketchat.plugins.module_utils._client import RocketChatClient
from ansible_collections.chatops.rocketchat.plugins.module_utils._server_tests import (
    TEST_CONNECTION, TEST_SEARCH, run_test,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import SettingsApi


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        client = RocketChatClient(args['api_url'], user_id=args.get('api_user_id'), token=args.get('api_token'),
                                  username=args.get('api_username'), password=args.get('api_password'),
                                  check_mode=True, warn=self._display.warning)
        try:
            snapshot = SettingsApi(client).read()
            roles = client.get('roles.list').get('roles') or []
            tests = [run_test(client, TEST_CONNECTION)[1] is None]
            tests += [run_test(client, TEST_SEARCH, {'username': name})[1] is None for name in args.get('canaries', [])]
        finally:
            client.close()
        result.update(changed=False, settings=len(snapshot.values), roles=len(roles), tests_passed=tests)
        return result
