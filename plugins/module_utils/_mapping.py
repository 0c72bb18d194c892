# -*- coding: utf-8 -*-
# Copyright (c) chatops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of a mapping module (``ldap_role_mapping``, ``ldap_channel_mapping``, ``ldap_team_mapping``).

Reads the workspace (licence, settings, roles, mapped rooms), plans the family's map with ``_maps``,
validates it (filters, roles, rooms, optionally the groups in the directory) and applies the settings
through ``_settings_api``. What differs between the three modules is declared in ``_families``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from collections import OrderedDict

from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import (
    LDAP_ENTERPRISE, SETTINGS, in_admin_ui_order, option_of,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure, RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import CHANNELS, ROLES, TEAMS
from ansible_collections.chatops.rocketchat.plugins.module_utils._maps import (
    MAX_NAME_LOOKUPS, PASSWORD_ID, MappingError, StoredMap, candidate_settings, check_filter, check_roles,
    describe_diff, desired_settings, diff_maps, dn_group_warnings, maps_equal, normalize_entries,
    parse_stored_map, plan_map, render_map, serialize_map, team_main_room_warning, unique, unsafe_in_filter,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import UNREADABLE, split_list
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import SettingsApi


def _text(value):
    return "" if value is None else str(value).strip()


class _Run:
    """The state of one mapping module run."""

    def __init__(self, module, client, family, params, api=None, write=True):
        self.module = module
        self.client = client
        self.family = family
        self.params = params
        self.api = api or SettingsApi(client)
        self.write = write
        self.plan = None
        self.warnings = []
        self.result = {}

    def fail(self, msg, **extra):
        # The warnings found so far still reach the user (a DN group is also a group validate_groups misses).
        for warning in self.warnings:
            self.module.warn(warning)
        self.warnings = []
        raise ModuleFailure(msg, **extra)

    # The effective value of a setting after this run: the desired one when given, else the candidate
    # one (option ldap_settings, the settings the same run saves), else the stored one.
    def effective(self, setting_id):
        if setting_id in self.desired:
            return self.desired[setting_id]
        if setting_id in self.candidate:
            return self.candidate[setting_id]
        return self.snapshot.value(setting_id)

    def read_candidate(self):
        """The ``ldap_settings`` option's values; its bind password is masked from here on."""
        given = self.params.get("ldap_settings")
        password = ((given or {}).get("authentication") or {}).get("bind_password")
        self.mask(password)
        self.candidate = candidate_settings(
            given, self.snapshot.value("LDAP_Server_Type", SETTINGS["LDAP_Server_Type"].default))
        self.mask(self.candidate.get(PASSWORD_ID))

    def mask(self, secret):
        if isinstance(secret, str) and secret:
            self.client.add_secret(secret)
            self.module.no_log_values.add(secret)

    def run(self):
        params = self.params
        family = self.family
        try:
            entries = normalize_entries(params.get("mappings"), family, params["state"])
        except MappingError as exc:
            self.fail(str(exc), invalid=["mappings"])
        if params["state"] == "absent" and params["exclusive"]:
            self.fail("exclusive=true only applies to state=present", invalid=["exclusive"])

        if LDAP_ENTERPRISE not in self.client.licensed_modules():
            self.fail("LDAP group mappings are an Enterprise feature: the workspace has no active %r licence "
                      "module (licenses.info), so the server neither registers nor applies %s"
                      % (LDAP_ENTERPRISE, family.map_setting), licensed=False)
        self.snapshot = self.api.snapshot
        self.read_candidate()
        if not self.snapshot.present(family.map_setting):
            self.fail("the server does not offer the setting %s (hidden or not registered); nothing can be "
                      "managed" % family.map_setting)

        self.desired = desired_settings(self.family, params)

        try:
            stored = parse_stored_map(self.snapshot.value(family.map_setting), family)
        except MappingError as exc:
            if not params["exclusive"]:
                self.fail("%s; set exclusive=true to replace it with the listed mappings" % exc)
            self.warnings.append("%s; it is replaced" % exc)
            stored = StoredMap(OrderedDict(), ["the stored map is unusable"])
        try:
            after = plan_map(stored.groups, entries, params["state"], params["exclusive"], params["allow_empty"])
        except MappingError as exc:
            self.fail(str(exc), invalid=["mappings"])
        map_changed = not maps_equal(stored.groups, after) or bool(stored.problems)
        self.warnings.extend("the stored map is rewritten: %s" % p for p in stored.problems)

        declared = entries if params["state"] == "present" else OrderedDict()
        if family.group_in_filter:
            for group in after:
                if group not in declared and unsafe_in_filter(group):
                    self.warnings.append("the stored map's group %r (not managed by this task) %s; remove it with "
                                         "state=absent" % (group, unsafe_in_filter(group)))
        self.warn_dn_groups(declared)
        self.validate_settings(after)
        self.validate_values(declared, after)
        if params["validate_groups"] and declared:
            self.validate_groups(list(declared))
        if not self.effective("LDAP_Enable"):
            self.warnings.append("LDAP is disabled (LDAP_Enable): the mappings take effect once it is enabled")
        if after and not self.effective(self.family.setting(self.family.enabled)):
            self.warnings.append("%s sync is off (%s, option enabled): the map is stored but not applied"
                                 % (family.noun, self.family.setting(self.family.enabled)))

        desired = OrderedDict(self.desired)
        if map_changed:
            desired[family.map_setting] = serialize_map(after, family)
        return self.finish(stored.groups, after, desired)

    # -- validation ---------------------------------------------------------------------------

    def warn_dn_groups(self, groups):
        family = self.family
        if not family.group_in_filter:
            how, filter_text = "the %s of the groups the query finds" % "/".join(
                split_list(_text(self.effective("LDAP_Teams_Name_Field"))) or ["ou", "cn"]), None
        elif (self.effective(family.setting(family.strategy)) or "each_group") == "once":
            how, filter_text = "the ou, else the cn, of the groups the filter finds", None
        else:
            how = "substituted for #{groupName} in the filter"
            filter_text = _text(self.effective(family.setting(family.filter)))
        self.warnings.extend(dn_group_warnings(groups, how, filter_text))

    def validate_settings(self, after):
        family = self.family
        enabled = bool(self.effective(family.setting(family.enabled)))
        filter_id = family.setting(family.filter)
        base_dn_id = family.setting(family.base_dn)
        problems = []
        invalid = []
        if enabled:
            base_dn = _text(self.effective(base_dn_id))
            if not base_dn and family.base_dn_fallback:
                base_dn = _text(self.effective(family.base_dn_fallback))
                if not base_dn:
                    problems.append("%s (%s) and its fallback %s are both empty: the server would not know "
                                    "where to look for groups" % (family.base_dn, base_dn_id, family.base_dn_fallback))
            elif not base_dn:
                problems.append("%s (%s) is empty; the server has no fallback to the user base DN, so no "
                                "user would ever be found in a group" % (family.base_dn, base_dn_id))
            if problems:
                invalid.append(family.base_dn)
        if enabled or self.params.get(family.filter) is not None:
            strategy = self.effective(family.setting(family.strategy)) if family.strategy else None
            filter_problems = check_filter(self.effective(filter_id), "%s (%s)" % (family.filter, filter_id),
                                           group_count=len(after), strategy=strategy or "each_group",
                                           allow_group=family.group_in_filter)
            if filter_problems:
                problems.extend(filter_problems)
                invalid.append(family.filter)
        if problems:
            self.fail("; ".join(problems), invalid=invalid)

    def validate_values(self, declared, after):
        family = self.family
        if family is ROLES:
            roles = self.client.get("roles.list").get("roles") or []
            unknown, notes = check_roles(declared, roles)
            self.warnings.extend(notes)
            if unknown:
                groups = list(declared)
                where = []
                for group, _role in unknown:
                    option = "mappings[%d].roles" % groups.index(group)
                    if option not in where:
                        where.append(option)
                self.fail("%s: unknown roles (the server would silently ignore them): %s. Known roles: %s"
                          % (", ".join(where), ", ".join("%s in group %s" % (role, group) for group, role in unknown),
                             ", ".join(sorted(r.get("name") for r in roles if r.get("name")))),
                          invalid=where, unknown_roles=[dict(group=g, role=r) for g, r in unknown])
            others = check_roles(OrderedDict((g, v) for g, v in after.items() if g not in declared), roles)[0]
            for group, role in others:
                self.warnings.append("group %s (not managed by this task) maps to unknown role %r" % (group, role))
        elif family is CHANNELS:
            self.report_channels(after)
        elif family is TEAMS:
            self.report_teams(after)

    def _lookup(self, path, params):
        """The server's answer for ``path``, or None when it does not know the name (400)."""
        try:
            return self.client.get(path, params)
        except RocketChatError as exc:
            if exc.status == 400:
                return None
            raise

    def _exists(self, path, params):
        return self._lookup(path, params) is not None

    def lookup_names(self, after, path, key):
        """``{name: answer or None}`` of the mapped values looked up (``path``, by ``key``), and those
        left unchecked.

        The server has no list route for channels or teams, only a lookup by name
        (``channels.info``, ``teams.info``): one request per name, so at most
        ``MAX_NAME_LOOKUPS`` per run keeps the cost bounded whatever the size of the map.
        """
        names = unique(v for values in after.values() for v in values)
        checked, unchecked = names[:MAX_NAME_LOOKUPS], list(names[MAX_NAME_LOOKUPS:])
        found = OrderedDict((name, self._lookup(path, {key: name})) for name in checked)
        if unchecked:
            self.warnings.append("%d mapped %s were not looked up (at most %d per run, one request each): %s"
                                 % (len(unchecked), self.family.plural, MAX_NAME_LOOKUPS, ", ".join(unchecked)))
        return found, unchecked

    def report_channels(self, after):
        found, unchecked = self.lookup_names(after, "channels.info", "roomName")
        to_create = [name for name, answer in found.items() if answer is None]
        team_main = [name for name, answer in found.items() if answer and (answer.get("channel") or {}).get("teamMain")]
        admin = _text(self.effective(self.family.setting("admin_user")))
        admin_exists = bool(admin) and self._exists("users.info", {"username": admin})
        self.result["channels"] = dict(to_create=to_create, unchecked=unchecked, admin_user=admin,
                                       admin_user_exists=admin_exists, team_main_rooms=team_main)
        auto_remove = bool(self.effective(self.family.setting("auto_remove")))
        for name in team_main:
            groups = [group for group, values in after.items() if name in values]
            self.warnings.append(team_main_room_warning(name, groups, auto_remove))
        if to_create and not admin_exists:
            self.warnings.append("channels %s do not exist and the channel admin user %r does not exist either: "
                                 "a sync skips them instead of creating them" % (", ".join(to_create), admin))

    def report_teams(self, after):
        found, unchecked = self.lookup_names(after, "teams.info", "teamName")
        missing = [name for name, answer in found.items() if answer is None]
        self.result["teams"] = dict(missing=missing, unchecked=unchecked)
        if missing:
            self.warnings.append("teams %s do not exist: a sync adds nobody to them (the server does not "
                                 "create teams)" % ", ".join(missing))

    def validate_groups(self, groups):
        """Every declared group exists in the directory, looked up with the settings this run leaves."""
        # Imported here: ldap3 is a quarter of a mapping run's start-up, and only this search needs it.
        from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
            DEFAULTS as DIRECTORY_SETTING_DEFAULTS, DirectoryError, DirectorySettings, missing_groups,
        )
        family = self.family
        values = dict((i, self.snapshot.value(i)) for i in DIRECTORY_SETTING_DEFAULTS)
        values.update(self.candidate)
        values.update((i, self.effective(i)) for i, _spec in family.settings.values())
        unreadable = [i for i, value in values.items() if value is UNREADABLE]
        for setting_id in unreadable:
            values[setting_id] = None
        settings = DirectorySettings(values)
        base_dn = settings.text(family.setting(family.base_dn))
        if not base_dn and family.base_dn_fallback:
            base_dn = settings.text(family.base_dn_fallback)
        template = settings.text(family.setting(family.filter))
        strategy = settings.text(family.setting(family.strategy)) if family.strategy else None
        if not family.group_in_filter:
            names = split_list(settings.text("LDAP_Teams_Name_Field")) or ["ou", "cn"]
            template = "(&%s(|%s))" % (template, "".join("(%s=#{groupName})" % n for n in names))
        elif strategy == "once":
            template = "(&%s(|(ou=#{groupName})(cn=#{groupName})))" % template
        # A value the server masks is unknown, not empty: the search would run with the wrong credentials or CA.
        needed = (["LDAP_Authentication_UserDN", PASSWORD_ID] if settings.get("LDAP_Authentication") else []) + \
            (["LDAP_CA_Cert"] if settings.text("LDAP_Encryption") in ("tls", "ssl") else [])
        hidden = [i for i in needed if i in unreadable]
        if hidden:
            options = ["ldap_settings." + option_of(i) for i in hidden]
            self.fail("validate_groups: the server does not disclose %s, which the directory search needs; give %s"
                      % (", ".join(hidden), " and ".join(options)), invalid=options)
        self.mask(settings.text(PASSWORD_ID))
        try:
            missing = missing_groups(settings, base_dn, template, groups)
        except DirectoryError as exc:
            where = ("the candidate settings of ldap_settings on top of the saved ones" if self.candidate else
                     "the saved LDAP settings; to preview settings not saved yet, give them with ldap_settings")
            self.fail("validate_groups: the directory could not be searched with %s (%s): %s"
                      % (where, exc.stage, self.client.redact(exc.message)))
        self.result["missing_groups"] = missing
        if missing:
            self.fail("groups not found in the directory under %r with %s: %s"
                      % (base_dn, template, ", ".join(missing)), invalid=["mappings"], missing_groups=missing)

    # -- output -------------------------------------------------------------------------------

    def finish(self, before_map, after_map, desired):
        family = self.family
        module = self.module
        options = dict((setting_id, option) for option, (setting_id, _spec) in self.family.settings.items())
        options[family.map_setting] = "mappings"
        for warning in self.warnings:
            module.warn(warning)
        self.plan = plan = self.api.plan(desired, self.family.owner, options=options)
        applied = plan.apply(want_diff=module._diff, warn=module.warn, write=self.write)
        changed_ids = applied["changed_ids"]
        diff = diff_maps(before_map, after_map) if family.map_setting in changed_ids else diff_maps({}, {})
        lines = describe_diff(diff, family, exclusive=self.params["exclusive"], check_mode=module.check_mode)
        for setting_id in changed_ids:
            if setting_id != family.map_setting:
                lines.append("set %s (%s): %s -> %s" % (options[setting_id], setting_id,
                                                        json.dumps(self.snapshot.value(setting_id)),
                                                        json.dumps(desired[setting_id])))
        result = self.result
        result.update(
            changed=applied["changed"],
            drift_ids=applied["drift_ids"],
            mappings=[{"group": g, family.plural: list(v)} for g, v in after_map.items()],
            mapping_changes=diff,
            changes=lines,
        )
        if module._diff:
            before = dict((i, v) for i, v in applied["diff"]["before"].items() if i != family.map_setting)
            after = dict((i, v) for i, v in applied["diff"]["after"].items() if i != family.map_setting)
            result["diff"] = dict(
                before=_render_state(before, before_map, family),
                after=_render_state(after, after_map, family),
                before_header="%s (before)" % self.family.owner,
                after_header="%s (after)" % self.family.owner,
            )
        return result


def _render_state(settings, groups, family):
    """The diff text: one line per changed setting (in the admin UI's order), then the map (a YAML-like view)."""
    lines = "".join("%s: %s\n" % (i, json.dumps(settings[i])) for i in in_admin_ui_order(settings))
    lines += "%s:\n" % family.map_setting
    return lines + "".join("  " + line + "\n" for line in render_map(groups).splitlines())


def reconcile_mapping(module, client, family):
    """Run one mapping module (``run`` for ``base.run_module``)."""
    return _Run(module, client, family, module.params).run()


def plan_mapping(module, client, family, params, api):
    """What ``reconcile_mapping`` returns for ``params`` (the family's options), on the settings ``api`` has read,
    without writing: ``(result, plan)``, the ``Plan`` to write with the others' (``SettingsApi.write``)."""
    run = _Run(module, client, family, params, api=api, write=False)
    return run.run(), run.plan
