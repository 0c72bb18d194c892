# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chatops.rocketchat.ldap role's report model, computed from the results the role registers.

``ldap_report`` turns what the role collected per workspace (its registered task results) into a plain model that
the report template lays out and that the role publishes with ``set_stats``; its changes are those of the role's
drift rule (ldap_drift.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: ldap_report
short_description: The report model of the chatops.rocketchat.ldap role
version_added: 0.1.0
author: chatops.rocketchat contributors
description:
  - Turns what the C(chatops.rocketchat.ldap) role registered on each workspace (the results of its phase tasks)
    into a plain model of the run - each workspace's status, its changes (the drift rule of
    P(chatops.rocketchat.ldap_drift#filter)), each section's outcome, and which phases a failure cut off.
  - The role's report template lays this model out as Markdown; the role also publishes it with
    C(ansible.builtin.set_stats) and sets it per workspace as the fact C(ldap_outcome).
  - A task that never ran is given as a result with C(skipped) and C(not_reached) both true. Tags and O(_input[].phases) select
    whole phases, so a task not reached in the failed phase or a later one was cut off by the failure, and one of
    an earlier phase was not selected.
  - Phases in their order are V(login), V(preflight), V(configure), V(verify) and V(sync); V(login) is the
    role's one login, which every phase needs.
options:
  _input:
    description:
      - One item per workspace, as the role's C(tasks/report.yml) collects it.
    type: list
    elements: dict
    required: true
    suboptions:
      workspace:
        description: The workspace's name.
        type: str
        required: true
      check_mode:
        description: Whether the run only looked (nothing was written).
        type: bool
        default: false
      phases:
        description: The phases the run included (the role's C(ldap_phases)).
        type: list
        elements: str
        default: [preflight, configure, verify, sync]
      failure:
        description: The failed task's name and message (C(<task name>) colon C(<message>)), or V(null).
        type: str
      failed_phase:
        description: The phase of the task that failed (V(login) for the role's login), or V(null).
        type: str
      report_path:
        description: Where the Markdown report is written, passed through to the model.
        type: str
      settings:
        description: The registered result of M(chatops.rocketchat.ldap_settings).
        type: dict
      mappings:
        description:
          - The registered results of the three mapping modules, keyed V(roles), V(channels) and V(teams).
        type: dict
      preflight:
        description: The registered result of M(chatops.rocketchat.ldap_check).
        type: dict
      test_connection:
        description: The registered result of M(chatops.rocketchat.ldap_test_connection).
        type: dict
      test_search:
        description: The registered result of M(chatops.rocketchat.ldap_test_search).
        type: dict
      sync_wanted:
        description: Whether the role decided to sync (by C(ldap_sync_mode) and the drift).
        type: bool
        default: false
      sync:
        description: The registered result of M(chatops.rocketchat.ldap_sync).
        type: dict
  summed:
    description:
      - The items are workspace models already (as RV(_value.workspaces) holds them; the role's fact
        C(ldap_outcome) is one), so only the run's totals are computed from them.
      - The role sums up each workspace once, as the fact C(ldap_outcome), and the run from those facts.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: The model of one workspace's run (what the role sets as ldap_outcome)
  ansible.builtin.debug:
    msg: "{{ (report_items | chatops.rocketchat.ldap_report).workspaces[0].status }}"
  vars:
    report_items:
      - workspace: prod
        check_mode: true
        phases: [preflight, configure, verify]
        settings: {changed: true, changed_ids: [LDAP_Host], unverified_ids: [], diff: {before: {LDAP_Host: old}, after: {LDAP_Host: new}}}
        mappings:
          roles: {skipped: true}
          channels: {skipped: true}
          teams: {skipped: true}
        preflight: {skipped: true}
        test_connection: {skipped: true}
        test_search: {skipped: true}
        sync: {skipped: true, not_reached: true}
# -> "would change"

- name: The run's outcome from the ldap_outcome facts the role set on the play's workspaces
  ansible.builtin.debug:
    msg: >-
      {{ (ansible_play_hosts_all | map('extract', hostvars) | selectattr('ldap_outcome', 'defined')
          | map(attribute='ldap_outcome') | chatops.rocketchat.ldap_report(summed=true)).outcome }}
'''

RETURN = r'''
_value:
  description: The model of the run.
  type: dict
  contains:
    outcome:
      description:
        - What the run did, over all workspaces - V(check_mode) (some workspace only looked), V(failed) (a phase
          failed somewhere), V(applied) (something was changed), V(no_change) (everything compared matched), or
          V(nothing_compared) (no setting or map was compared).
      type: str
    check_mode:
      description: Whether some workspace ran in check mode.
      type: bool
    failed:
      description: The workspaces where a phase failed.
      type: list
      elements: str
    changes:
      description: The number of changes over all workspaces.
      type: int
    synced:
      description: The number of workspaces where Sync Now ran.
      type: int
    phases:
      description: The phases any workspace's run included, in their order.
      type: list
      elements: str
    workspaces:
      description: One model per workspace, in the order of the input.
      type: list
      elements: dict
      contains:
        workspace:
          description: The workspace's name.
          type: str
        server_version:
          description: The Rocket.Chat version a module reported, or V(null).
          type: str
        check_mode:
          description: Whether the run only looked.
          type: bool
        phases:
          description: The phases the run included.
          type: list
          elements: str
        report_path:
          description: Where the Markdown report is written (as given).
          type: str
        status:
          description:
            - V(failed) (a phase failed), V(changed) or V(would change) (in check mode) when RV(_value.workspaces[].drift)
              is not empty, V(not compared) (neither the settings nor a map were compared), else V(in sync).
          type: str
        failure:
          description: The failed task's name and message (C(<task name>) colon C(<message>)), or V(null).
          type: str
        failed_phase:
          description: The phase that failed, or V(null).
          type: str
        drift:
          description: The drift rule's items (see P(chatops.rocketchat.ldap_drift#filter)).
          type: list
          elements: str
        changes:
          description: The number of RV(_value.workspaces[].drift) items.
          type: int
        settings:
          description:
            - C(state) - V(failed) (with C(msg)), V(not_run) (with C(not_run)), V(not_managed), V(no_change) or V(changed);
              C(rows) - C(id), C(before) and C(after) as text (JSON for what is not a string) of each changed setting
              that counts as drift; C(unverified_ids) - settings written only because the server does not disclose them.
          type: dict
        mappings:
          description:
            - C(state) - V(not_run) (with C(not_run)), V(listed), V(no_change) or V(not_managed); C(lines) - C(kind),
              C(text) and C(failed) of each failure and each drift line of a map; C(cut_off) - the maps the failure
              kept from running.
          type: dict
        preflight:
          description:
            - C(ran); C(summary) (how many checks ended with each status); C(problems) (the checks that did not pass, with C(status),
              C(name), C(detail)); C(users) (the previewed users with C(username), C(found), C(rocketchat_username),
              C(email), C(disabled), C(roles), C(channels), C(teams)).
          type: dict
        server_tests:
          description:
            - C(status) - V(not run), V(failed) or V(passed); C(connection) with C(state) V(not_run) (with C(not_run)),
              V(stale) (check mode with pending changes), V(skipped), V(failed) (with C(meaning)) or V(passed) (with
              C(bind_verified)); C(searches) - ldap_test_search's results (C(username), C(result), C(ok), C(expect),
              C(verified), C(meaning)).
          type: dict
        sync:
          description:
            - C(state) - V(synced), V(would_run), V(failed) (with C(msg)), V(not_run) (with C(not_run)) or
              V(not_needed); C(status) (the short text for a table); for a sync that ran C(summary) (the counts of
              RV(chatops.rocketchat.ldap_sync#module:summary), V({}) without its report), C(summary_text) (the same in
              one line, as the module's C(msg); empty without the report),
              C(created), C(created_more), C(lines), C(skipped), C(skipped_count), C(skipped_more) and C(skipped_note).
          type: dict
'''

import json

from ansible_collections.chatops.rocketchat.plugins.filter.ldap_drift import MAP_KINDS, _result, ldap_drift, map_drift, settings_drift_ids
from ansible_collections.chatops.rocketchat.plugins.module_utils._sync_report import SUMMARY_KEYS, summary_line

# The role's phases in the order they run; login is the role's one login, before all of them.
PHASES = ('login', 'preflight', 'configure', 'verify', 'sync')
# What report.yml gives for a task that never ran.
NOT_REACHED = {'skipped': True, 'not_reached': True}


def _text(value):
    """A setting value as text: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


class _Workspace(object):
    """The model of one workspace, from what report.yml collected."""

    def __init__(self, item):
        self.item = item
        self.phases = list(item.get('phases') or PHASES[1:])
        self.check_mode = bool(item.get('check_mode'))
        self.failure = item.get('failure') or None
        self.failed_phase = (item.get('failed_phase') or None) if self.failure else None
        mappings = _result(item.get('mappings'))
        self.results = dict(
            settings=self.result('settings'),
            preflight=self.result('preflight'),
            test_connection=self.result('test_connection'),
            test_search=self.result('test_search'),
            sync=self.result('sync'),
        )
        for kind in MAP_KINDS:
            self.results[kind] = _result(mappings.get(kind)) or dict(NOT_REACHED)
        self.drift = ldap_drift(self.results)

    def result(self, name):
        return _result(self.item.get(name)) or dict(NOT_REACHED)

    # -- why a task did not run ---------------------------------------------------------------

    def cut_off(self, result, phase):
        """Whether the failure kept the task of ``phase`` that gave ``result`` from running."""
        if not (self.failure and result.get('not_reached')):
            return False
        return self.failed_phase not in PHASES or PHASES.index(phase) >= PHASES.index(self.failed_phase)

    def not_run(self, result, phase):
        """Why a task of ``phase`` did not run: excluded (ldap_phases), cut_off (a failure) or not_selected (tags)."""
        if phase not in self.phases:
            return dict(reason='excluded', phase=phase)
        if self.cut_off(result, phase):
            return dict(reason='cut_off', phase=self.failed_phase)
        return dict(reason='not_selected', phase=phase)

    # -- sections -------------------------------------------------------------------------------

    def compared(self):
        """Whether the settings or a map were compared with the inventory (their task ran)."""
        return any(not self.results[name].get('skipped') for name in ('settings',) + MAP_KINDS)

    def status(self):
        if self.failure:
            return 'failed'
        if self.drift:
            return 'would change' if self.check_mode else 'changed'
        return 'in sync' if self.compared() else 'not compared'

    def settings(self):
        result = self.results['settings']
        if result.get('failed'):
            return dict(state='failed', msg=result.get('msg') or '')
        if result.get('not_reached'):
            return dict(state='not_run', not_run=self.not_run(result, 'configure'))
        if result.get('skipped'):
            return dict(state='not_managed')
        diff = _result(result.get('diff'))
        before = _result(diff.get('before')) or _result(result.get('previous'))
        after = _result(diff.get('after'))
        rows = [dict(id=i, before=_text(before.get(i)), after=_text(after.get(i, '(see the run)')))
                for i in settings_drift_ids(result)]
        return dict(state='changed' if rows else 'no_change', rows=rows,
                    unverified_ids=list(result.get('unverified_ids') or ()))

    def mappings(self):
        results = [(kind, self.results[kind]) for kind in MAP_KINDS]
        lines = []
        for kind, result in results:
            if result.get('failed'):
                lines.append(dict(kind=kind, text=result.get('msg') or '', failed=True))
            lines.extend(dict(kind=kind, text=line, failed=False) for line in map_drift(result))
        cut_off = [kind for kind, result in results if self.cut_off(result, 'configure')]
        not_run = self.not_run(results[0][1], 'configure')
        if len(cut_off) == len(MAP_KINDS):
            return dict(state='not_run', not_run=not_run)
        if lines or cut_off:
            return dict(state='listed', lines=lines, cut_off=cut_off)
        if any(not result.get('skipped') for kind, result in results):
            return dict(state='no_change')
        if all(result.get('not_reached') for kind, result in results):
            return dict(state='not_run', not_run=not_run)
        return dict(state='not_managed')

    def preflight(self):
        result = self.results['preflight']
        if result.get('skipped'):
            return dict(ran=False)
        users = []
        for user in result.get('users') or ():
            rocketchat = _result(user.get('rocketchat'))
            users.append(dict(
                username=user.get('username'), found=bool(user.get('found')),
                rocketchat_username=rocketchat.get('username') or '', email=rocketchat.get('email') or '',
                disabled=user.get('disabled') or '', roles=list(user.get('roles') or ()),
                channels=list(user.get('channels') or ()), teams=list(user.get('teams') or ())))
        return dict(
            ran=True, summary=_result(result.get('summary')),
            problems=[check for check in result.get('checks') or () if check.get('status') != 'ok'],
            users=users)

    def server_tests(self):
        connection, search = self.results['test_connection'], self.results['test_search']
        if connection.get('skipped') and search.get('skipped'):
            status = 'not run'
        elif connection.get('failed') or search.get('failed'):
            status = 'failed'
        else:
            status = 'passed'
        if connection.get('not_reached'):
            state = dict(state='not_run', not_run=self.not_run(connection, 'verify'))
        elif connection.get('skipped') and self.check_mode and self.drift:
            state = dict(state='stale')
        elif connection.get('skipped'):
            state = dict(state='skipped')
        elif connection.get('failed'):
            state = dict(state='failed', meaning=connection.get('meaning') or connection.get('msg') or '')
        else:
            state = dict(state='passed', bind_verified=connection.get('bind_verified', True) is not False)
        searches = [dict(username=item.get('username'), result=item.get('result'), ok=bool(item.get('ok')),
                         expect=item.get('expect'), verified=item.get('verified', True) is not False,
                         meaning=item.get('meaning') or '')
                    for item in search.get('results') or ()]
        return dict(status=status, connection=state, searches=searches)

    def sync(self):
        result = self.results['sync']
        wanted = bool(self.item.get('sync_wanted'))
        if result.get('synced'):
            summary = _result(result.get('summary'))
            # the module's counts, and the line it gives as msg (not taken from msg: a failed sync's msg is the error)
            text = summary_line(summary) if all(key in summary for key in SUMMARY_KEYS) else ''
            model = dict(state='synced', status=text or 'ran', summary=summary, summary_text=text)
            model.update(self.sync_details(_result(result.get('report'))))
            return model
        if wanted and self.check_mode:
            return dict(state='would_run', status='would run')
        if result.get('failed'):
            return dict(state='failed', status='failed', msg=result.get('msg') or '')
        if result.get('not_reached'):
            return dict(state='not_run', status='not run', not_run=self.not_run(result, 'sync'))
        return dict(state='not_needed', status='not needed')

    @staticmethod
    def sync_details(report):
        omitted = _result(report.get('omitted'))
        created = [dict(username=user.get('username'), roles=list(user.get('roles') or ()),
                        active=user.get('active', True) is not False)
                   for user in report.get('created') or ()]
        lines = []
        for key, label in (('deactivated', 'Deactivated'), ('reactivated', 'Reactivated'), ('removed', 'Removed')):
            if report.get(key):
                lines.append('%s: %s%s.' % (label, ', '.join(report[key]), _more(omitted.get(key))))
        if report.get('roles_changed'):
            users = []
            for user in report['roles_changed']:
                roles = ['+' + role for role in user.get('added') or ()] + ['-' + role for role in user.get('removed') or ()]
                users.append('%s (%s)' % (user.get('username'), ', '.join(roles)))
            lines.append('Roles changed: %s%s.' % ('; '.join(users), _more(omitted.get('roles_changed'))))
        skipped = [dict(user=user.get('username') or user.get('dn') or '', reason=user.get('reason') or '')
                   for user in report.get('skipped') or ()]
        return dict(
            created=created, created_more=omitted.get('created') or 0, lines=lines,
            # skipped_count None: the module could not tell which users the sync skipped (skipped_note says why)
            skipped_unknown='skipped_count' in report and report['skipped_count'] is None,
            skipped_note=report.get('skipped_note') or '', skipped=skipped,
            skipped_count=report.get('skipped_count') or 0, skipped_more=omitted.get('skipped') or 0)

    def model(self):
        server_version = next((result.get('server_version') for result in self.results.values()
                               if result.get('server_version')), None)
        return dict(
            workspace=self.item.get('workspace'), server_version=server_version, check_mode=self.check_mode,
            phases=self.phases, report_path=self.item.get('report_path'), status=self.status(),
            failure=self.failure, failed_phase=self.failed_phase, drift=self.drift, changes=len(self.drift),
            settings=self.settings(), mappings=self.mappings(), preflight=self.preflight(),
            server_tests=self.server_tests(), sync=self.sync())


def _more(count):
    return ' and %d more' % count if count else ''


def ldap_report(items, summed=False):
    """The model of the run (see RETURN) from one item per workspace (see DOCUMENTATION), or with ``summed`` from
    the workspaces' models."""
    if summed:
        workspaces = [dict(_result(model)) for model in items or ()]
    else:
        workspaces = [_Workspace(_result(item)).model() for item in items or ()]
    failed = [w['workspace'] for w in workspaces if w['status'] == 'failed']
    check_mode = any(w['check_mode'] for w in workspaces)
    changes = sum(w['changes'] for w in workspaces)
    if check_mode:
        outcome = 'check_mode'
    elif failed:
        outcome = 'failed'
    elif changes:
        outcome = 'applied'
    elif any(w['status'] != 'not compared' for w in workspaces):
        outcome = 'no_change'
    else:
        outcome = 'nothing_compared'
    phases = set(phase for w in workspaces for phase in w['phases'])
    return dict(
        outcome=outcome, check_mode=check_mode, failed=failed, changes=changes,
        synced=sum(1 for w in workspaces if w['sync']['state'] == 'synced'),
        phases=[phase for phase in PHASES if phase in phases], workspaces=workspaces)


class FilterModule(object):
    """The chatops.rocketchat.ldap role's report model."""

    def filters(self):
        return {'ldap_report': ldap_report}
