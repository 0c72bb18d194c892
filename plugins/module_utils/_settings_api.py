# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and writing the LDAP settings with a constant number of requests.

``SettingsApi.read()`` costs two requests (the settings list and the metadata method),
``write()`` one (bulk ``POST /api/v1/settings`` on 8.6+, ``saveSettings`` before) plus one
read-back, whatever the number of settings. ``SettingsApi.plan()`` is the one contract for applying
settings that every module writing them shares: validate everything and compare (``Plan``), then
``Plan.apply()`` diffs, writes (or not, in check mode) and verifies.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import (
    LDAP_ENTERPRISE, SETTINGS, in_admin_ui_order, is_secret, ldap_settings_argument_spec, may_be_masked,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure, RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import OWNER, ids_owned_by
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import (
    UNREADABLE, coerce, describe_changes, diff, masked, merge_raw_settings, plan, same, settings_from_options,
)

BULK_WRITE_SINCE = (8, 6, 0)
LDAP_PREFIX = 'LDAP_'
ENV_VALUE_SOURCE = 'processEnvValue'
# The module that writes every LDAP setting outside the three maps' families.
SETTINGS_OWNER = 'ldap_settings'


def settings_argument_spec():
    """The options of ``ldap_settings`` (without the connection): the typed sections, the raw ``settings`` map,
    ``reset_unspecified`` and ``bind_password_update``."""
    spec = ldap_settings_argument_spec()
    spec.update(
        settings=dict(type='dict'),
        reset_unspecified=dict(type='bool', default=False),
        bind_password_update=dict(type='str', choices=['always', 'on_create'], default='always', no_log=False),
    )
    return spec


def desired_settings(params, snapshot):
    """``({id: value}, {id: option name})`` from the typed options and the raw ``settings`` map."""
    desired, names = settings_from_options(params, snapshot.value('LDAP_Server_Type', 'ad'))
    return merge_raw_settings(desired, names, params['settings'])


def plan_settings(api, params):
    """The ``Plan`` of ``ldap_settings`` with the options ``params`` (those of ``settings_argument_spec``)."""
    desired, names = desired_settings(params, api.snapshot)
    return api.plan(desired, SETTINGS_OWNER, reset=params['reset_unspecified'],
                    secrets=params['bind_password_update'], options=names)


class Snapshot(object):
    """The LDAP settings as one read saw them.

    ``values``: ``{id: value}`` of the settings the server lists (``UNREADABLE`` for a masked
    secret); ``meta``: ``{id: {'blocked', 'hidden', 'value_source', 'enterprise', 'modules'}}``;
    ``licensed_modules``: the active licence modules; ``version``: ``(major, minor, patch)``.
    """

    def __init__(self, values, meta, licensed_modules, version, metadata_available=True):
        self.values = values
        self.meta = meta
        self.licensed_modules = licensed_modules
        self.version = version
        self.metadata_available = metadata_available

    def present(self, setting_id):
        return setting_id in self.values

    def value(self, setting_id, default=None):
        return self.values.get(setting_id, default)

    def blocked(self, setting_id):
        return bool(self.meta.get(setting_id, {}).get('blocked'))

    def env_owned(self, setting_id):
        return self.meta.get(setting_id, {}).get('value_source') == ENV_VALUE_SOURCE

    def enterprise(self, setting_id):
        """Whether the server (or, when it does not say, the catalog) marks the setting enterprise."""
        meta = self.meta.get(setting_id, {})
        if meta.get('enterprise') is not None:
            return bool(meta['enterprise'])
        setting = SETTINGS.get(setting_id)
        return bool(setting and setting.enterprise)

    def unlicensed(self, setting_id):
        """True for an enterprise setting whose licence module is not active."""
        if not self.enterprise(setting_id):
            return False
        modules = self.meta.get(setting_id, {}).get('modules') or \
            (SETTINGS[setting_id].modules if setting_id in SETTINGS else None) or (LDAP_ENTERPRISE,)
        return not all(module in self.licensed_modules for module in modules)

    def blocked_ids(self):
        return in_admin_ui_order(i for i in self.values if self.blocked(i))

    def env_owned_ids(self):
        return in_admin_ui_order(i for i in self.values if self.env_owned(i))

    @property
    def version_string(self):
        return '.'.join(str(part) for part in self.version)


class SettingsApi(object):
    """LDAP settings over a ``RocketChatClient``: read them, plan a change, write it."""

    def __init__(self, client):
        self.client = client
        self._snapshot = None

    @property
    def snapshot(self):
        """The settings as this run first read them (read on first use)."""
        if self._snapshot is None:
            self._snapshot = self.read()
        return self._snapshot

    def plan(self, desired, owner, reset=False, secrets='always', options=None):
        """The ``Plan`` that brings the settings ``owner`` (a module name) owns to ``desired`` ``{id: value}``.

        ``options`` maps ids to the option names errors should show. ``reset``: the ids ``owner`` owns that
        are not in ``desired`` go back to their default, except passwords (never given by an export, so
        resetting them would break the bind) and values the server masks (nothing to compare with).
        ``secrets`` decides for passwords the server will not disclose: ``always`` writes them, ``on_create``
        only when they have no value. Other masked settings given (the bind DN, the CA certificate) are
        always written, with one warning that they cannot be verified. Every input is validated here, at
        once (``ModuleFailure`` listing every problem); nothing is written until ``Plan.apply``.
        """
        options = options or {}
        snapshot = self.snapshot
        wanted = _validated(snapshot, desired, owner, options)
        warnings = []
        for setting_id in ids_owned_by(owner) if reset else ():
            if setting_id in wanted or not snapshot.present(setting_id) or snapshot.unlicensed(setting_id) or \
                    is_secret(setting_id) or snapshot.value(setting_id) is UNREADABLE:
                continue
            default = SETTINGS[setting_id].default
            if snapshot.blocked(setting_id):
                if not same(setting_id, default, snapshot.value(setting_id)):
                    warnings.append('%s is blocked on the server and was left as it is (reset_unspecified).'
                                    % setting_id)
                continue
            wanted[setting_id] = default

        current = dict((setting_id, snapshot.value(setting_id)) for setting_id in wanted)
        # Check mode writes nothing, so the warnings say what a real run does.
        sent = 'would be sent' if self.client.check_mode else 'is sent'
        unverifiable = []
        for setting_id in sorted(i for i, value in current.items() if value is UNREADABLE):
            if not is_secret(setting_id):
                unverifiable.append(setting_id)
            elif secrets == 'on_create':
                current[setting_id] = wanted[setting_id]  # it has a value: leave it alone
            else:
                unverifiable.append(setting_id)
                warnings.append('%s cannot be read back from this server, so it %s on every run '
                                '(bind_password_update=on_create sends it only when no value is stored).'
                                % (setting_id, sent))
        shown = [i for i in unverifiable if not is_secret(i)]
        if shown:
            warnings.append('%s cannot be read back from this server (it masks secret settings), so the stored value '
                            'cannot be verified: when given, it %s on every run.' % (', '.join(shown), sent))
        changes = plan(wanted, current)
        for setting_id in sorted(changes):
            if snapshot.env_owned(setting_id):
                warnings.append('%s is set by an environment variable (OVERWRITE_SETTING_%s): the value written now '
                                'is replaced by the environment value at the next restart.' % (setting_id, setting_id))
        return Plan(self, changes, current, frozenset(i for i in changes if i in unverifiable), warnings, options)

    def read(self):
        """A ``Snapshot`` of every ``LDAP_*`` setting (2 requests, plus version and licence once per client)."""
        version = self.client.server_version
        licensed = self.client.licensed_modules()
        items = self._list_settings()
        values, meta = {}, {}
        for item in items:
            setting_id = item['_id']
            values[setting_id] = _read_value(setting_id, item)
            meta[setting_id] = dict(enterprise=item.get('enterprise'), modules=item.get('modules'))
        metadata_available = True
        try:
            documents = self.client.method_call('private-settings/get', [], read_only=True)
        except RocketChatError as exc:
            if exc.error_type != 'endpoint-not-available':
                raise
            documents, metadata_available = [], False
        for doc in documents if isinstance(documents, list) else []:
            setting_id = doc.get('_id', '')
            if not setting_id.startswith(LDAP_PREFIX) or doc.get('type') == 'group':
                continue
            entry = meta.setdefault(setting_id, {})
            entry.update(blocked=bool(doc.get('blocked')), hidden=bool(doc.get('hidden')),
                         value_source=doc.get('valueSource'))
            for key in ('enterprise', 'modules'):
                if entry.get(key) is None and doc.get(key) is not None:
                    entry[key] = doc[key]
        snapshot = Snapshot(values, meta, licensed, version, metadata_available)
        _check_privileges(snapshot)
        return snapshot

    def _list_settings(self):
        """Every ``LDAP_*`` item of ``GET /api/v1/settings``: count=0 asks for all in one page; a server that
        refuses it (API_Allow_Infinite_Count off) answers its default count, and the rest is asked for at once,
        which the server caps at API_Upper_Count_Limit (pages of 100 by default, larger where it was raised)."""
        reply = self.client.get('settings', {'count': 0})
        items = list(reply.get('settings') or [])
        total = reply.get('total') or len(items)
        while len(items) < total and reply.get('settings'):
            reply = self.client.get('settings', {'count': total - len(items), 'offset': len(items)})
            items.extend(reply.get('settings') or [])
        return [i for i in items if i.get('_id', '').startswith(LDAP_PREFIX) and 'value' in i]

    def write(self, changes):
        """Write ``{id: native value}`` in one request, read back once, and return the new ``Snapshot``.

        Raises ``ModuleFailure`` naming every id whose read-back value is not the one sent (the
        bulk endpoint silently skips blocked and unknown ids).
        """
        if not changes:
            raise ValueError('write() needs at least one change')
        for setting_id, value in changes.items():
            if is_secret(setting_id):
                self.client.add_secret(value)
        items = [{'_id': setting_id, 'value': value} for setting_id, value in sorted(changes.items())]
        try:
            if self.client.server_version >= BULK_WRITE_SINCE:
                self.client.post('settings', {'settings': items})
            else:
                self.client.method_call('saveSettings', [items])
        except RocketChatError as exc:
            if exc.error_type != 'no-reply':
                raise
            # The request left and no reply came: the server may hold the new values.
            raise ModuleFailure(exc.message, changed=True, **exc.to_result())
        try:
            after = self.read_values()
        except RocketChatError as exc:
            raise ModuleFailure('The settings were written, but reading them back failed, so whether the server '
                                'stored them is not known: %s' % exc.message, changed=True, **exc.to_result())
        not_taken = sorted(setting_id for setting_id, value in changes.items()
                           if setting_id not in after or
                           (after[setting_id] is not UNREADABLE and not same(setting_id, value, after[setting_id])))
        if not_taken:
            raise ModuleFailure(
                'The server accepted the write but did not store %s (blocked, hidden, unknown to this version, or '
                'unlicensed); other settings of the same request may have been written.' % ', '.join(not_taken),
                not_stored=not_taken, changed=True)
        return after

    def read_values(self):
        """``{id: value}`` of the listed ``LDAP_*`` settings (1 request; no metadata)."""
        return dict((item['_id'], _read_value(item['_id'], item)) for item in self._list_settings())


def _read_value(setting_id, item):
    # A server that masks secrets answers "" with hasValue: the value is unknown, not empty.
    if may_be_masked(setting_id) and item.get('hasValue') and item.get('value') in ('', None):
        return UNREADABLE
    return item.get('value')


def _check_privileges(snapshot):
    if snapshot.values and 'LDAP_Host' not in snapshot.values and 'LDAP_Enable' in snapshot.values:
        raise ModuleFailure('The API user only sees public settings: it needs the view-privileged-setting '
                            'permission (an admin account).')


class Plan(object):
    """The settings one run writes, made by ``SettingsApi.plan``; ``apply()`` writes them.

    ``changes``: ``{id: value}`` to write; ``current``: ``{id: stored value}`` they were compared with;
    ``unverified``: the changed ids written only because the server does not disclose their stored value;
    ``warnings``: what a person should know before it happens (masked values, blocked ids left as they
    are, values an environment variable overrides), worded for check mode when the client is in it.
    """

    def __init__(self, api, changes, current, unverified, warnings, options):
        self.api = api
        self.changes = changes
        self.current = current
        self.unverified = unverified
        self.warnings = warnings
        self.options = options

    @property
    def changed_ids(self):
        return in_admin_ui_order(self.changes)

    @property
    def drift_ids(self):
        """The changed ids whose stored value differed: the unverified ones are written on every run, so a
        caller deciding whether the configuration drifted (the role's sync on change) leaves them out."""
        return [i for i in self.changed_ids if i not in self.unverified]

    def apply(self, want_diff=False, warn=None, write=True):
        """Pass each warning to ``warn`` (e.g. ``module.warn``), write the changes (unless the client is in
        check mode, or ``write`` is false: the caller then writes several plans' ``changes`` at once with
        ``SettingsApi.write``) and return the module result:
        ``changed``, ``changed_ids``, ``drift_ids``, ``unverified_ids``, ``previous`` (masked), ``changes``
        (one line per changed setting) and ``diff`` (when ``want_diff``). Ids, maps and lines are in the
        admin UI's order; values are shown as ``_reconcile.mask`` shows them (no secret, no CA certificate)."""
        for warning in self.warnings if warn else ():
            warn(warning)
        changes, current = self.changes, self.current
        result = dict(changed=bool(changes), changed_ids=self.changed_ids, drift_ids=self.drift_ids,
                      unverified_ids=[i for i in self.changed_ids if i in self.unverified],
                      previous=masked(dict((i, current[i]) for i in changes)),
                      changes=describe_changes(current, changes, self.options))
        if want_diff:
            result['diff'] = diff(current, changes)
        if write and changes and not self.api.client.check_mode:
            self.api.write(changes)
        return result


def _validated(snapshot, desired, owner, options):
    """``desired`` as the server stores it, or ``ModuleFailure`` naming every option it cannot take."""
    problems = []
    invalid = []
    wanted = {}
    for setting_id, value in desired.items():
        option = options.get(setting_id, setting_id)
        problem = _manageability_problem(snapshot, setting_id, owner, option)
        if problem is None:
            try:
                wanted[setting_id] = coerce(setting_id, value, option)
            except ModuleFailure as exc:
                problem = exc.msg
            else:
                if snapshot.blocked(setting_id) and not same(setting_id, wanted[setting_id], snapshot.value(setting_id)):
                    problem = ('%s: %s is blocked on the server (SETTINGS_BLOCKED); the server would silently '
                               'ignore the write' % (option, setting_id))
        if problem:
            problems.append(problem)
            invalid.append(option)
    if problems:
        raise ModuleFailure('Invalid input, nothing was written:\n- ' + '\n- '.join(problems),
                            problems=problems, invalid=invalid)
    return wanted


def _manageability_problem(snapshot, setting_id, owner, option):
    """Why ``owner`` cannot manage ``setting_id`` on this server, or None."""
    if setting_id not in SETTINGS:
        return '%s: unknown LDAP setting id %s' % (option, setting_id)
    if OWNER[setting_id] != owner:
        return '%s: %s belongs to the %s module; set it there' % (option, setting_id, OWNER[setting_id])
    if snapshot.unlicensed(setting_id) or (not snapshot.present(setting_id) and snapshot.enterprise(setting_id)):
        return '%s: %s is an Enterprise setting and this workspace has no ldap-enterprise licence' % (
            option, setting_id)
    if not snapshot.present(setting_id):
        return '%s: this server (Rocket.Chat %s) does not have the setting %s (unknown to this version, or hidden ' \
               'with SETTINGS_HIDDEN)' % (option, snapshot.version_string, setting_id)
    return None
