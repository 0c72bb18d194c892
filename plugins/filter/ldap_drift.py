# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chatops.rocketchat.ldap role's drift rule: what its configure phase changed, from the results it registers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: ldap_drift
short_description: The drift rule of the chatops.rocketchat.ldap role
version_added: 0.1.0
author: chatops.rocketchat contributors
description:
  - What the configure phase of the C(chatops.rocketchat.ldap) role changed, or would change in check mode,
    from the results of its settings and mapping tasks, one item per change. The role's sync on change, its
    server tests in check mode, its report (P(chatops.rocketchat.ldap_report#filter)) and the C(drift) playbook
    all use this rule, so they never disagree.
  - A setting counts by its id (RV(chatops.rocketchat.ldap_settings#module:changed_ids)), except the settings
    written only because the server does not disclose their stored value
    (RV(chatops.rocketchat.ldap_settings#module:unverified_ids), written on every run by a server that masks
    secrets). A module result that lists its drift ids itself (C(drift_ids)) is taken as it is.
  - A map counts by its change lines (RV(chatops.rocketchat.ldap_role_mapping#module:changes)), each prefixed
    with the map's kind and a colon (C(roles), C(channels), C(teams)). A map rewritten without a group difference
    (stored in a form the server cannot read) gets a line saying so.
  - A task that was skipped, failed or did not run adds nothing.
options:
  _input:
    description: The registered results, each optional.
    type: dict
    required: true
    suboptions:
      settings:
        description: The result of M(chatops.rocketchat.ldap_settings).
        type: dict
      roles:
        description: The result of M(chatops.rocketchat.ldap_role_mapping).
        type: dict
      channels:
        description: The result of M(chatops.rocketchat.ldap_channel_mapping).
        type: dict
      teams:
        description: The result of M(chatops.rocketchat.ldap_team_mapping).
        type: dict
'''

EXAMPLES = r'''
- name: Fail when the configuration drifted
  ansible.builtin.assert:
    that: drift | length == 0
    fail_msg: "drifted: {{ drift }}"
  vars:
    drift: >-
      {{ {'settings': settings_result, 'roles': role_mapping_result}
         | chatops.rocketchat.ldap_drift }}
# settings_result.changed_ids [LDAP_Host, LDAP_Authentication_Password], unverified_ids
# [LDAP_Authentication_Password], role_mapping_result.changes ["add group support -> roles moderator"]
# -> ["LDAP_Host", "roles: add group support -> roles moderator"]
'''

RETURN = r'''
_value:
  description: The setting ids first (in the module's order), then the maps' lines (roles, channels, teams).
  type: list
  elements: str
'''

MAP_KINDS = ('roles', 'channels', 'teams')


def _result(value):
    """A registered result as a dict ({} for anything else: not given, None, undefined)."""
    return value if isinstance(value, dict) else {}


def _ran(result):
    """Whether a registered result is of a task that ran and succeeded."""
    return bool(result) and not result.get('skipped') and not result.get('failed')


def settings_drift_ids(result):
    """The settings a run of ldap_settings changed (or would change) that count as drift, in the module's order.

    Settings written only because the server does not disclose them (``unverified_ids``) are written on every
    run: they are no drift. The modules list their drift ids themselves (``drift_ids``); a result without
    them is derived the same way.
    """
    result = _result(result)
    if not _ran(result):
        return []
    if result.get('drift_ids') is not None:
        return list(result['drift_ids'])
    unverified = set(result.get('unverified_ids') or ())
    return [i for i in result.get('changed_ids') or () if i not in unverified]


def map_drift(result):
    """The drift of one map: the change lines of its module.

    A map the module rewrote without a group difference (it was stored in a form the server cannot read) changed
    without a line of its own: it gets one, so that changed and drift never disagree.
    """
    result = _result(result)
    if not _ran(result) or result.get('drift_ids') == []:
        return []
    lines = list(result.get('changes') or ())
    if not lines and result.get('changed'):
        lines.append('the stored map is rewritten in the form the server reads (same groups)')
    return lines


def ldap_drift(results):
    """The drift rule: what the configure phase changed (or would change), one item per change.

    ``results``: ``settings``, ``roles``, ``channels``, ``teams``, the registered results (any may be missing).
    """
    results = _result(results)
    drift = settings_drift_ids(results.get('settings'))
    for kind in MAP_KINDS:
        drift.extend('%s: %s' % (kind, line) for line in map_drift(results.get(kind)))
    return drift


class FilterModule(object):
    """The chatops.rocketchat.ldap role's drift rule."""

    def filters(self):
        return {'ldap_drift': ldap_drift}
