#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_sync
short_description: Run Rocket.Chat's LDAP "Sync Now" and report what it changed
version_added: 0.1.0
description:
  - Checks the preconditions of Sync Now and explains each one that is not met, then calls
    C(ldap.syncNow) and reports which users the sync created, updated, deactivated and reactivated,
    and which roles it added and removed per user, with totals.
  - "Preconditions: LDAP is enabled (C(LDAP_Enable)); the workspace has the C(ldap-enterprise) licence
    module (C(licenses.info)); Background Sync is on (C(LDAP_Background_Sync)): without it the server
    answers success and does nothing. Without a licence the server also demands a second factor for
    every Sync Now, which even a personal access token with 2FA bypass cannot skip."
  - "The server runs the sync before it answers. The report compares the user list (C(users.list)) before and
    after: one request each where the server allows listing every user at once (C(API_Allow_Infinite_Count),
    on by default), otherwise pages of as many users as C(API_Upper_Count_Limit) allows. Changes made by
    others during the sync are included."
  - "A change of a user's LDAP link (C(ldap)) is reported only where the server lists it: Rocket.Chat 7.0 to 8.x
    do when started with C(ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS=true), which lets the module ask for that
    field."
  - "The report names the users (the first 50 of each list, RV(report.omitted) counts the rest) and, with
    O(report_skipped=true), the directory users the sync skipped: entries that match the sync's search (the saved
    user search filter and group filter) but have no Rocket.Chat user after it, typically because they have no
    e-mail address, which the server rejects without saying so. That needs one search of the directory from the
    host that runs the module (ldap3, the workspace's connection settings and service account); when it cannot
    be done (no ldap3, directory unreachable from there, settings the server does not disclose) the task warns
    and still succeeds."
  - "The same search tells when the server's own sync cannot have finished: when more directory entries match the
    sync's search of all users than C(LDAP_Search_Size_Limit) allows, the server's search stops with
    sizeLimitExceeded and Rocket.Chat 8.x ends the sync there, only writing it to its log, while Sync Now answers
    success. The task then fails naming the setting, with the report of what it saw."
  - In check mode the preconditions are checked and reported, and nothing is sent.
  - C(changed) is true only when a sync ran and changed a user, or Background Sync was turned on.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.WRITES
options:
  ensure_background_sync:
    description:
      - When Background Sync (C(LDAP_Background_Sync), I(Background sync) in the admin UI) is off, turn it on before
        the sync instead of
        failing. It stays on afterwards, and the server then also syncs on its own schedule
        (C(LDAP_Background_Sync_Interval), I(Background sync interval) in the admin UI, managed by
        M(chatops.rocketchat.ldap_settings)).
    type: bool
    default: false
  report:
    description:
      - List the users before and after the sync to report what it changed. With V(false) only the
        sync request is sent, and C(changed) is true whenever a sync ran.
    type: bool
    default: true
  report_skipped:
    description:
      - With O(report=true), search the directory from the host that runs the module for the users the sync
        skipped (RV(report.skipped)). The search uses the workspace's saved settings (host, encryption, CA
        certificate, service account); the bind password is never shown.
      - With V(false) the directory is not contacted and RV(report.skipped) is not returned.
    type: bool
    default: true
  sync_timeout:
    description:
      - Seconds to wait for the server's answer to Sync Now. The server answers only when the sync has
        finished, which takes longer than other requests on a large directory; O(timeout) applies to
        every other request.
      - Sync Now is never sent twice. If no answer comes in time the task fails, and the server may still
        be running the sync.
      - At least 1.
    type: int
    default: 600
seealso:
  - module: chatops.rocketchat.ldap_settings
  - module: chatops.rocketchat.ldap_role_mapping
'''

EXAMPLES = r'''
- name: Sync now and show what happened
  chatops.rocketchat.ldap_sync:
    api_url: https://chat.example.org
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"
  register: sync

- name: Show what it changed
  ansible.builtin.debug:
    msg: "{{ sync.msg }}; new roles: {{ sync.report.roles_added }}"

- name: Stop when the sync deactivated more than a few users
  ansible.builtin.assert:
    that: sync.summary.deactivated <= 5
    fail_msg: "The sync deactivated {{ sync.summary.deactivated }} users: {{ sync.report.deactivated }}"

- name: Turn Background Sync on if needed, then sync
  chatops.rocketchat.ldap_sync:
    ensure_background_sync: true

- name: Only check that a sync would run
  chatops.rocketchat.ldap_sync:
  check_mode: true
  register: precheck
'''

RETURN = r'''
preconditions:
  description: What Sync Now needs, as found on the server.
  returned: always
  type: dict
  contains:
    ldap_enabled:
      description: C(LDAP_Enable).
      type: bool
    licensed:
      description: The C(ldap-enterprise) licence module is active.
      type: bool
    background_sync:
      description: C(LDAP_Background_Sync) before the run.
      type: bool
    import_new_users:
      description: C(LDAP_Background_Sync_Import_New_Users) (new directory users are created).
      type: bool
    keep_existing_users_updated:
      description: C(LDAP_Background_Sync_Keep_Existant_Users_Updated).
      type: bool
  sample: {"ldap_enabled": true, "licensed": true, "background_sync": true, "import_new_users": true,
           "keep_existing_users_updated": true}
background_sync_enabled:
  description: Background Sync was turned on by this run (or would be, in check mode).
  returned: always
  type: bool
synced:
  description: A sync ran.
  returned: always
  type: bool
report:
  description: What the sync changed.
  returned: when a sync ran with O(report=true)
  type: dict
  contains:
    created:
      description: New users, with their roles.
      type: list
      elements: dict
    updated:
      description: Users whose username, name, e-mails, active state, LDAP link or roles changed, with each change.
      type: list
      elements: dict
    deactivated:
      description: Usernames deactivated by the sync.
      type: list
      elements: str
    reactivated:
      description: Usernames reactivated by the sync.
      type: list
      elements: str
    removed:
      description: Usernames that no longer exist.
      type: list
      elements: str
    roles_changed:
      description: Users whose roles changed, each with the roles added and removed.
      type: list
      elements: dict
      contains:
        username:
          description: The username.
          type: str
        added:
          description: Roles the sync added.
          type: list
          elements: str
        removed:
          description: Roles the sync removed.
          type: list
          elements: str
    roles_added:
      description: Roles added, per username.
      type: dict
    roles_removed:
      description: Roles removed, per username.
      type: dict
    skipped:
      description:
        - Directory users the sync skipped (they match the saved user search and group filter but have no
          Rocket.Chat user after the sync), by username, each with its DN and the reason when it can be told
          (no e-mail attribute; a local user with the same username or e-mail the sync does not merge; new users
          not imported). Empty when they could not be determined (see RV(report.skipped_count)).
      returned: with O(report_skipped=true)
      type: list
      elements: dict
      contains:
        username:
          description: The username the entry would get.
          type: str
        dn:
          description: The entry's DN.
          type: str
        reason:
          description: Why the server skipped it, as far as the directory tells.
          type: str
    skipped_count:
      description:
        - How many users the sync skipped; V(null) when that could not be determined (see RV(report.skipped_note)).
      returned: with O(report_skipped=true)
      type: int
    skipped_note:
      description:
        - Why the skipped users could not be determined, or why the list may be incomplete (both also warned).
        - Or that the server's C(users.list) tells no user's LDAP link, so that directory entries whose username
          or e-mail address a user has are taken as synced (Rocket.Chat's own listing, unless started with
          C(ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS=true)).
      returned: when the skipped users could not be determined, the list may be incomplete or no LDAP link was listed
      type: str
    omitted:
      description:
        - Per list (C(created), C(updated), C(deactivated), C(reactivated), C(removed), C(roles_changed),
          C(roles_added), C(roles_removed), C(skipped)), how many users are not named because each list names
          the first 50 (by username) only. The totals count all of them.
      type: dict
    totals:
      description: Counts of each of the above, and of users before and after (all users, not only the named ones).
      type: dict
  sample:
    created: [{"username": "alice", "roles": ["user"], "active": true}]
    updated: [{"username": "bob", "changes": {"roles": {"before": ["user"], "after": ["admin", "user"]}}}]
    deactivated: []
    reactivated: []
    removed: []
    roles_changed: [{"username": "bob", "added": ["admin"], "removed": []}]
    roles_added: {"bob": ["admin"]}
    roles_removed: {}
    skipped:
      - username: oscar
        dn: uid=oscar,ou=people,dc=example,dc=org
        reason: 'no e-mail attribute: no value with "@" in mail (LDAP_Email_Field), LDAP_Default_Domain is empty and
          there is no single mail value, so the server rejects the entry ("Failed to get email address from LDAP user")'
    skipped_count: 1
    omitted: {"created": 0, "updated": 0, "deactivated": 0, "reactivated": 0, "removed": 0, "roles_changed": 0,
              "roles_added": 0, "roles_removed": 0, "skipped": 0}
    totals: {"users_before": 3, "users_after": 4, "created": 1, "updated": 1, "deactivated": 0,
             "reactivated": 0, "removed": 0, "roles_added": 1, "roles_removed": 0}
summary:
  description:
    - What the sync changed, in counts (of all users, not only the ones RV(report) names); the one-line text is
      RV(msg).
    - A dict of counts as in the other modules (M(chatops.rocketchat.ldap_check) counts its checks by status).
  returned: when a sync ran with O(report=true)
  type: dict
  contains:
    created:
      description: Users the sync created.
      type: int
    updated:
      description: Users whose username, name, e-mails, active state, LDAP link or roles changed.
      type: int
    deactivated:
      description: Users the sync deactivated.
      type: int
    reactivated:
      description: Users the sync reactivated.
      type: int
    removed:
      description: Users that no longer exist after the sync.
      type: int
    roles_added:
      description: Roles added, over all users.
      type: int
    roles_removed:
      description: Roles removed, over all users.
      type: int
    users_before:
      description: Users before the sync.
      type: int
    users_after:
      description: Users after the sync.
      type: int
    skipped:
      description:
        - Directory users the sync skipped (RV(report.skipped_count)); V(null) when that could not be determined.
      returned: with O(report_skipped=true)
      type: int
  sample: {"created": 1, "updated": 1, "deactivated": 0, "reactivated": 0, "removed": 0, "roles_added": 1,
           "roles_removed": 0, "users_before": 3, "users_after": 4, "skipped": 1}
msg:
  description: RV(summary) in one line (counts only; the names are in RV(report)).
  returned: when a sync ran with O(report=true)
  type: str
  sample: >-
    1 created, 1 updated, 0 deactivated, 0 reactivated; 1 roles added, 0 removed (3 users before, 4 after); 1 skipped
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import LDAP_ENTERPRISE
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import SettingsApi
from ansible_collections.chatops.rocketchat.plugins.module_utils._sync_report import (
    accepts_fields, add_skipped, compare, list_users, snapshot, summarize, summary_line,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._sync_skipped import PASSWORD, SyncSearchCut, find_skipped

BACKGROUND_SYNC = 'LDAP_Background_Sync'


def preconditions(client, settings):
    licensed = LDAP_ENTERPRISE in client.licensed_modules()
    return dict(
        ldap_enabled=bool(settings.value('LDAP_Enable')),
        licensed=licensed,
        background_sync=bool(settings.value(BACKGROUND_SYNC)),
        import_new_users=bool(settings.value('LDAP_Background_Sync_Import_New_Users')),
        keep_existing_users_updated=bool(settings.value('LDAP_Background_Sync_Keep_Existant_Users_Updated')),
    )


def unmet(found, ensure_background_sync):
    """Why Sync Now would fail or do nothing, in the order the server decides."""
    if not found['ldap_enabled']:
        return 'LDAP is disabled (LDAP_Enable is false): the server refuses Sync Now with LDAP_disabled.'
    if not found['licensed']:
        return ('Sync Now needs the Enterprise licence module %r, which this workspace does not have '
                '(licenses.info): without it the LDAP sync does nothing, and the server demands a second factor '
                'for every call, even from a personal access token with 2FA bypass.' % LDAP_ENTERPRISE)
    if not found['background_sync'] and not ensure_background_sync:
        return ('Background Sync (LDAP_Background_Sync) is off: the server would answer Sync Now with success and '
                'do nothing. Turn it on with chatops.rocketchat.ldap_settings, or set ensure_background_sync: true.')
    return None


def run(module, client):
    params = module.params
    if params['sync_timeout'] < 1:
        # 0 would fall back to the client's timeout; a negative value would reach the HTTP library
        raise ModuleFailure('sync_timeout: %d is out of range; accepted: a positive number of seconds'
                            % params['sync_timeout'], invalid=['sync_timeout'])
    api = SettingsApi(client)
    settings = api.snapshot
    found = preconditions(client, settings)
    problem = unmet(found, params['ensure_background_sync'])
    if problem:
        raise ModuleFailure(problem, preconditions=found)
    if not (found['import_new_users'] or found['keep_existing_users_updated']):
        module.warn('Neither LDAP_Background_Sync_Import_New_Users nor LDAP_Background_Sync_Keep_Existant_Users_Updated '
                    'is on: the sync neither imports nor updates users.')

    enable = not found['background_sync']
    if enable:
        # LDAP_Background_Sync belongs to ldap_settings; the issue lets this module turn it on, with the
        # same checks (blocked, environment-owned) as any write of that setting.
        api.plan({BACKGROUND_SYNC: True}, 'ldap_settings',
                 options={BACKGROUND_SYNC: 'ensure_background_sync'}).apply(warn=module.warn)
    result = dict(changed=enable, preconditions=found, background_sync_enabled=enable, synced=False)
    if module.check_mode:
        return result

    fields = accepts_fields(settings.version)
    before = snapshot(list_users(client, fields)) if params['report'] else None
    client.post('ldap.syncNow', timeout=params['sync_timeout'])
    result['synced'] = True
    if before is None:
        result['changed'] = True
        return result
    after = snapshot(list_users(client, fields))
    report = compare(before, after)
    if params['report_skipped']:
        password = settings.value(PASSWORD)
        if isinstance(password, str) and password:
            client.add_secret(password)
        try:
            skipped, note = find_skipped(settings.values, after.values(), redact=client.redact, warn=module.warn)
        except SyncSearchCut as exc:
            result.update(changed=enable or report.pop('changed'), report=report, summary=summarize(report))
            raise ModuleFailure(str(exc), **result)
        add_skipped(report, skipped, note)
    summary = summarize(report)
    result.update(changed=enable or report.pop('changed'), report=report, summary=summary, msg=summary_line(summary))
    return result


def main():
    run_module(dict(
        ensure_background_sync=dict(type='bool', default=False),
        report=dict(type='bool', default=True),
        report_skipped=dict(type='bool', default=True),
        sync_timeout=dict(type='int', default=600),
    ), run)


if __name__ == '__main__':
    main()
