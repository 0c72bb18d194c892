#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark prototype (bench/ only, not shipped): a drift's server reads, each once, in ONE module process
(the "one workspace-reconcile module" design's floor): version, licence, the settings and their metadata
(SettingsApi.read), the roles (for the role map), the server's connection test and one search test per canary
user, with one client. No comparison or report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._server_tests import (
    TEST_CONNECTION, TEST_SEARCH, run_test,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import SettingsApi


def run(module, client):
    snapshot = SettingsApi(client).read()
    roles = client.get('roles.list').get('roles') or []
    tests = [run_test(client, TEST_CONNECTION)[1] is None]
    tests += [run_test(client, TEST_SEARCH, {'username': name})[1] is None for name in module.params['canaries']]
    return dict(changed=False, settings=len(snapshot.values), roles=len(roles), tests_passed=tests)


def main():
    run_module(dict(canaries=dict(type='list', elements='str', default=[])), run)


if __name__ == '__main__':
    main()
