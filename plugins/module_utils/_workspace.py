# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of ``ldap_workspace``: a whole workspace's LDAP integration in one process.

The settings and the three maps are planned as ``ldap_settings`` and the mapping modules plan them, on one
read of the workspace (version, licence, settings and their metadata), validated all together before
anything is written, and written in one request; then the server's own tests run once (the connection
test, then one search test per canary user). Each section's result is the one its own module returns, so
a caller (the role's report) reads them the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import LDAP_ENTERPRISE
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import (
    CHANNELS, ROLES, TEAMS, ldap_settings_option_spec,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._mapping import plan_mapping
from ansible_collections.chatops.rocketchat.plugins.module_utils._server_tests import connection_test, search_test
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import (
    SettingsApi, plan_settings, settings_argument_spec,
)

# The options naming each map, and the result key of its section (as the role's report names them).
MAPS = (('role_mapping', ROLES), ('channel_mapping', CHANNELS), ('team_mapping', TEAMS))
SKIPPED = dict(skipped=True, changed=False)
# Each section's option and where its result goes.
SECTIONS = (('ldap_settings', ('settings',)),) + tuple((option, ('mappings', family.plural)) for option, family in MAPS)
SECTION_KEYS = dict(SECTIONS)
# As the role's report marks a task that never ran.
NOT_REACHED = dict(skipped=True, not_reached=True, changed=False)


def argument_spec():
    return dict(
        ldap_settings=dict(type='dict'),
        role_mapping=dict(type='dict'),
        channel_mapping=dict(type='dict'),
        team_mapping=dict(type='dict'),
        verify=dict(type='bool', default=True),
        canary_users=dict(type='list', elements='dict', default=[], options=dict(
            username=dict(type='str', required=True),
            expect=dict(type='str', choices=['found', 'not_found'], default='found'),
        )),
        require_license=dict(type='list', elements='str', default=[]),
    )


def _section_spec(option):
    """The options a section takes: those of its own module, without the connection (and, for a map,
    without ``ldap_settings``: it is this module's own ``ldap_settings``)."""
    if option == 'ldap_settings':
        return settings_argument_spec()
    spec = dict(MAPS)[option].argument_spec()
    del spec['ldap_settings']
    return spec


def _validated(module, option):
    """The section ``option`` as its module would receive it (defaults filled in), or None when not given.

    Ansible checks the nested options of a module's own options; a section's are its module's, checked here
    with the same validator and masked the same way (its ``no_log`` options)."""
    given = module.params[option]
    if given is None:
        return None
    result = ArgumentSpecValidator(_section_spec(option)).validate(given)
    module.no_log_values.update(result._no_log_values)
    if result.error_messages:
        # as AnsibleModule words them: an unknown option's error is only its name and the accepted ones
        raise ModuleFailure('; '.join(('Unsupported parameters: %s' if isinstance(error, UnsupportedError) else '%s')
                                      % error.msg for error in result.errors), invalid=[option])
    return result.validated_parameters


class _Run(object):

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.api = SettingsApi(client)
        params = module.params
        # A section given but not done (a section before it failed) is not_reached; one not given is skipped.
        state = dict((option, dict(NOT_REACHED if params[option] is not None else SKIPPED)) for option, _key in SECTIONS)
        tests = dict(NOT_REACHED if params['verify'] else SKIPPED)
        self.result = dict(changed=False, settings=state['ldap_settings'],
                           mappings=dict((family.plural, state[option]) for option, family in MAPS),
                           test_connection=tests,
                           test_search=dict(tests if params['canary_users'] else SKIPPED))

    def fail(self, exc, section, option, phase):
        """Fail the module with ``exc`` of the section at ``section`` (a key path), named by ``option``; a section
        failing while the sections are planned (``option`` given) has kept every section from being written."""
        self.put(section, dict(exc.extra, failed=True, msg=exc.msg))
        extra = dict(self.result, failed_phase=phase)
        extra.update((key, value) for key, value in exc.extra.items() if key not in self.result)
        extra['changed'] = bool(exc.extra.get('changed')) or self.result['changed']
        raise ModuleFailure('%s: %s (nothing was written)' % (option, exc.msg) if option else exc.msg, **extra)

    def run(self):
        params = self.module.params
        sections = {}
        for option, key in SECTIONS:
            try:
                sections[option] = _validated(self.module, option)
            except ModuleFailure as exc:
                self.fail(exc, key, option, 'configure')
        if params['require_license'] and LDAP_ENTERPRISE not in self.client.licensed_modules():
            licence = self.client.licence_info()
            raise ModuleFailure(
                'the workspace has no active %r licence module (%s edition; active modules: %s), but the task asks '
                'for these Enterprise features, which the server would ignore or refuse: %s. Add the licence, or '
                'remove them.' % (LDAP_ENTERPRISE, 'enterprise' if licence.get('hasValidLicense') else 'community',
                                  ', '.join(sorted(self.client.licensed_modules())) or 'none',
                                  ', '.join(params['require_license'])),
                invalid=['require_license'], licensed=False, **self.result)
        planned = self.plan(sections)
        self.write(planned)
        if params['verify'] and not (self.client.check_mode and any(plan.drift_ids for _key, _r, plan in planned)):
            self.verify()
        else:
            self.result.update(test_connection=dict(SKIPPED), test_search=dict(SKIPPED))
        self.result['server_version'] = self.client.server_version_string
        if self.module._diff:
            self.result['diff'] = [result['diff'] for _key, result, _plan in planned
                                   if result.get('changed') and result.get('diff')]
        return self.result

    def plan(self, sections):
        """``[(result key path, result, Plan)]`` of every section given, nothing written; the first failing
        section fails the run, and then nothing is written (the others stay not_reached)."""
        planned = []
        settings = sections['ldap_settings']
        if settings is not None:
            try:
                plan = plan_settings(self.api, settings)
                result = plan.apply(want_diff=self.module._diff, warn=self.module.warn, write=False)
            except ModuleFailure as exc:
                self.fail(exc, SECTION_KEYS['ldap_settings'], 'ldap_settings', 'configure')
            result['server_version'] = self.client.server_version_string
            planned.append((SECTION_KEYS['ldap_settings'], result, plan))
        # The maps are checked against the settings this run leaves: those of ldap_settings (typed options and
        # raw settings only; the rest only matters to writing them).
        candidate = dict((key, value) for key, value in (settings or {}).items()
                         if key in ldap_settings_option_spec()['options'])
        for option, family in MAPS:
            if sections[option] is None:
                continue
            try:
                result, plan = plan_mapping(self.module, self.client, family,
                                            dict(sections[option], ldap_settings=candidate or None), self.api)
            except ModuleFailure as exc:
                self.fail(exc, SECTION_KEYS[option], option, 'configure')
            planned.append((SECTION_KEYS[option], result, plan))
        return planned

    def write(self, planned):
        """All changes in one request (the sections' ids never overlap: each id has one owner), then each
        section's result takes its place."""
        changes = {}
        for _key, _result, plan in planned:
            changes.update(plan.changes)
        if changes and not self.client.check_mode:
            try:
                self.api.write(changes)
            except ModuleFailure as exc:
                # not_stored names the ids; a write whose reply never came may have been stored (changed)
                raise ModuleFailure(exc.msg, **dict(self.result, **dict(exc.extra, failed_phase='configure')))
        self.result['changed'] = bool(changes)
        for key, result, _plan in planned:
            self.put(key, result)

    def put(self, key, result):
        """Set the result of the section at ``key`` (a path: ``('settings',)``, ``('mappings', 'roles')``)."""
        target = self.result
        for part in key[:-1]:
            target = target[part]
        target[key[-1]] = result

    def verify(self):
        try:
            self.result['test_connection'] = connection_test(self.client, self.module.warn)
        except ModuleFailure as exc:
            self.fail(exc, ('test_connection',), None, 'verify')
        users = self.module.params['canary_users']
        if users:
            try:
                self.result['test_search'] = search_test(self.client, users, self.module.warn, connection_tested=True)
            except ModuleFailure as exc:
                self.fail(exc, ('test_search',), None, 'verify')


def reconcile_workspace(module, client):
    """Run ``ldap_workspace`` (``run`` for ``base.run_module``)."""
    return _Run(module, client).run()
