# -*- coding: utf-8 -*-
# Copyright (c) chatops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared reconciler of the LDAP group maps (group -> roles, channels, teams).

Rocket.Chat stores each map as a JSON object string (``{"group": "role"}`` or
``{"group": ["a", "b"]}``). This module reads such maps and the user's YAML
list of ``{group, <values>}`` into one normalized shape, plans the new map for
``state``/``exclusive``, validates filters and values, and describes the change
for a person. The pure functions come first; ``reconcile_mapping`` at the end
drives one module run through the shared client and settings code.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from collections import OrderedDict

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import (
    LDAP_ENTERPRISE, OWNER, SETTINGS, in_admin_ui_order, ldap_settings_argument_spec,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    DEFAULTS as DIRECTORY_SETTING_DEFAULTS, DirectoryError, DirectorySettings, missing_groups, split_list,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_filter import (
    GROUP_PLACEHOLDER, USER_PLACEHOLDERS, check_template,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import (
    UNREADABLE, coerce, merge_raw_settings, settings_from_options,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import SettingsApi, apply_settings


class MappingError(Exception):
    """An input or a stored map that cannot be reconciled; the text names the option."""


class MapKind:
    """What differs between the roles, channels and teams maps."""

    def __init__(self, noun, plural, map_setting, always_list=False, cut_at_dot=False, group_in_filter=False):
        self.noun = noun                  # "role"
        self.plural = plural              # "roles": also the value key of a mapping entry
        self.map_setting = map_setting    # the setting id holding the JSON map
        self.always_list = always_list    # the server only accepts lists as values (teams)
        self.cut_at_dot = cut_at_dot      # the server reads only the text before the first '.' (roles)
        self.group_in_filter = group_in_filter  # the group name goes into the filter as #{groupName}


ROLES = MapKind("role", "roles", "LDAP_Sync_User_Data_RolesMap", cut_at_dot=True, group_in_filter=True)
CHANNELS = MapKind("channel", "channels", "LDAP_Sync_User_Data_ChannelsMap", group_in_filter=True)
TEAMS = MapKind("team", "teams", "LDAP_Groups_To_Rocket_Chat_Teams", always_list=True)


def _unique(values):
    seen = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return tuple(seen)


# --- reading -------------------------------------------------------------------------------------

class StoredMap:
    """A map as the server stores it: ``groups`` (group -> tuple of values) and
    ``problems``, the reasons the stored text does not work on the server even where
    it means the same as another map (such a map is rewritten)."""

    def __init__(self, groups, problems=()):
        self.groups = groups
        self.problems = list(problems)


def parse_stored_map(text, kind):
    """Parse the stored JSON text of ``kind.map_setting``.

    An empty value is an empty map. Text that is not a JSON object of strings or
    lists of strings raises MappingError: the server ignores such a map, and merging
    into it would guess. Values are kept verbatim (no trimming) so that a value the
    server cannot resolve, such as ``" admin"``, differs from ``"admin"``.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return StoredMap(OrderedDict())
    if isinstance(text, dict):
        data = text
    else:
        try:
            data = json.loads(text, object_pairs_hook=OrderedDict)
        except ValueError as exc:
            raise MappingError("the stored %s (%s) is not valid JSON (%s); the server ignores it"
                               % (kind.map_setting, kind.plural, exc))
    if not isinstance(data, dict):
        raise MappingError("the stored %s is not a JSON object; the server ignores it" % kind.map_setting)
    groups = OrderedDict()
    problems = []
    for group, value in data.items():
        if isinstance(value, str):
            values = (value,)
            if kind.always_list:
                problems.append("group %r maps to a string, but the server only accepts a list of %s"
                                % (group, kind.plural))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            values = _unique(value)
            if not values and kind.always_list:
                problems.append("group %r maps to an empty list" % group)
        else:
            raise MappingError("the stored %s maps group %r to %s; expected a %s name or a list of them"
                               % (kind.map_setting, group, json.dumps(value), kind.noun))
        groups[group] = values
    return StoredMap(groups, problems)


def normalize_entries(entries, kind, state="present"):
    """The user's list of ``{group, <kind.plural>}`` as an ordered dict group -> tuple.

    Names are trimmed; a single name counts as a one-item list. With state=absent the
    values may be left out (then the whole group goes).
    """
    result = OrderedDict()
    for index, entry in enumerate(entries or []):
        where = "mappings[%d]" % index
        if not isinstance(entry, dict):
            raise MappingError("%s must be a dictionary with 'group' and '%s'" % (where, kind.plural))
        unknown = sorted(set(entry) - {"group", kind.plural})
        if unknown:
            raise MappingError("%s has unknown keys %s; accepted: group, %s"
                               % (where, ", ".join(unknown), kind.plural))
        group = entry.get("group")
        if not isinstance(group, str) or not group.strip():
            raise MappingError("%s.group must be a non-empty group name" % where)
        group = group.strip()
        if state == "present" and kind.group_in_filter and ("*" in group or "\x00" in group):
            # the server puts the group name into the role/channel filter unescaped (#{groupName}):
            # "*" would match every group, and the map's values would go to every user in any group
            raise MappingError("%s.group %r holds '*' (or NUL), which the server puts unescaped into the group "
                               "filter as #{groupName}, where it matches every group; accepted: a group's name"
                               % (where, group))
        if group in result:
            raise MappingError("%s.group %r is listed twice; list each group once with all its %s"
                               % (where, group, kind.plural))
        raw = entry.get(kind.plural)
        if raw is None:
            if state == "present":
                raise MappingError("%s.%s is required with state=present (group %r)" % (where, kind.plural, group))
            raw = []
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, (list, tuple)):
            raise MappingError("%s.%s must be a list of %s names" % (where, kind.plural, kind.noun))
        values = []
        for value in raw:
            if not isinstance(value, str) or not value.strip():
                raise MappingError("%s.%s must hold non-empty %s names (group %r)"
                                   % (where, kind.plural, kind.noun, group))
            values.append(value.strip())
        if state == "present" and not values:
            raise MappingError("%s.%s is empty for group %r; remove the group with state=absent instead"
                               % (where, kind.plural, group))
        result[group] = _unique(values)
    return result


# A group key written as a DN: the first RDN (``cn=admins``) and, unless its attribute is a usual naming
# attribute, at least one more RDN after a comma.
_DN_GROUP_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)\s*=\s*((?:[^,+\\]|\\.)*)(.*)$")
_NAMING_ATTRIBUTES = ("cn", "ou", "o", "dc", "uid", "l", "c", "st")
# Attributes whose values are DNs: a filter comparing #{groupName} with one of them needs DN keys.
DN_VALUED_ATTRIBUTES = ("distinguishedname", "entrydn", "memberof", "ismemberof", "member", "uniquemember")
_GROUP_COMPARED_RE = re.compile(r"\(\s*([A-Za-z0-9.;-]+)(?::[^=()]*)?\s*=\s*#\{groupName\}\s*\)")


def _unescape_dn_value(value):
    """An RDN value without its escapes (``\\,`` and hex pairs such as ``\\2C``)."""
    return re.sub(r"\\([0-9A-Fa-f]{2}|.)",
                  lambda m: chr(int(m.group(1), 16)) if len(m.group(1)) == 2 else m.group(1), value).strip()


def group_name_of_dn(group):
    """The name in the first RDN of ``group`` when it is written as a DN (``cn=admins,ou=groups,...``
    gives ``admins``), else None."""
    match = _DN_GROUP_RE.match(group or "")
    if not match:
        return None
    attribute, value, rest = match.groups()
    if not (rest.lstrip().startswith(",") and "=" in rest) and attribute.lower() not in _NAMING_ATTRIBUTES:
        return None
    return _unescape_dn_value(value) or None


def group_compared_attributes(filter_text):
    """The attributes a filter compares with exactly ``#{groupName}`` (lower case), e.g. ``{"cn"}``."""
    return set(m.group(1).lower() for m in _GROUP_COMPARED_RE.finditer(filter_text or ""))


def dn_group_warnings(groups, how_matched, filter_text=None):
    """Warnings for the groups written as DNs, which the server never matches (it compares group names).

    ``how_matched`` says how the server reads group names, for the message. With ``filter_text`` (the
    each_group membership filter), a filter that compares #{groupName} only with DN-valued attributes
    (``memberOf``, ``entryDN``, ...) takes DNs: then nothing is reported.
    """
    if filter_text is not None:
        compared = group_compared_attributes(filter_text)
        if compared and compared <= set(DN_VALUED_ATTRIBUTES):
            return []
    warnings = []
    for group in groups:
        name = group_name_of_dn(group)
        if name:
            warnings.append("mappings: group %r is written as a DN, but the server matches group names (%s), so "
                            "this entry never matches anyone; use the group's name, e.g. %r"
                            % (group, how_matched, name))
    return warnings


# --- planning ------------------------------------------------------------------------------------

def plan_map(current, entries, state="present", exclusive=False, allow_empty=False):
    """The map after applying ``entries`` to ``current`` (both group -> tuple).

    present: each listed group maps to exactly its listed values; exclusive also drops
    every group not listed, and refuses to empty a non-empty map unless allow_empty.
    absent: listed groups without values are removed; with values, only those values
    are removed (and the group when none is left).
    """
    if state == "absent":
        if exclusive:
            raise MappingError("exclusive=true only applies to state=present")
        result = OrderedDict(current)
        for group, values in entries.items():
            if group not in result:
                continue
            remaining = tuple(v for v in result[group] if v not in values) if values else ()
            if remaining:
                result[group] = remaining
            else:
                del result[group]
        return result
    if exclusive:
        result = OrderedDict(entries)
        if not result and current and not allow_empty:
            raise MappingError("exclusive=true with no mappings would remove every group (%s); "
                               "set allow_empty=true to really empty the map" % ", ".join(current))
        return result
    result = OrderedDict(current)
    for group, values in entries.items():
        result[group] = values
    return result


def maps_equal(left, right):
    """Semantic equality: same groups, same set of values per group."""
    return (set(left) == set(right)
            and all(set(left[group]) == set(right[group]) for group in left))


def serialize_map(groups, kind):
    """The JSON text to store: a single value as a string (as the admin UI shows it),
    except where the server demands lists."""
    data = OrderedDict()
    for group, values in groups.items():
        data[group] = list(values) if kind.always_list or len(values) != 1 else values[0]
    return json.dumps(data, indent=2, ensure_ascii=False)


# --- describing ----------------------------------------------------------------------------------

def diff_maps(before, after):
    """Groups added, removed and changed between two maps, in a stable order."""
    added = [{"group": g, "values": list(after[g])} for g in after if g not in before]
    removed = [{"group": g, "values": list(before[g])} for g in before if g not in after]
    changed = []
    for group in after:
        if group in before and set(before[group]) != set(after[group]):
            changed.append({
                "group": group,
                "before": list(before[group]),
                "after": list(after[group]),
                "added": [v for v in after[group] if v not in before[group]],
                "removed": [v for v in before[group] if v not in after[group]],
            })
    return {"added": added, "removed": removed, "changed": changed}


def describe_diff(diff, kind, exclusive=False, check_mode=False):
    """One line per changed group, for a person reading the task output.

    With ``exclusive``, a removed group is drift: the server has it and the inventory does not.
    """
    lines = []
    for item in diff["added"]:
        lines.append("add group %s -> %s %s" % (item["group"], kind.plural, ", ".join(item["values"])))
    for item in diff["changed"]:
        parts = ["+" + v for v in item["added"]] + ["-" + v for v in item["removed"]]
        lines.append("change group %s: %s %s (now %s)"
                     % (item["group"], kind.plural, " ".join(parts), ", ".join(item["after"])))
    for item in diff["removed"]:
        if exclusive:
            lines.append("group %s (%s %s) is on the server but not in the inventory: %s (exclusive)"
                         % (item["group"], kind.plural, ", ".join(item["values"]),
                            "would be removed" if check_mode else "removed"))
        else:
            lines.append("remove group %s (was %s %s)" % (item["group"], kind.plural, ", ".join(item["values"])))
    return lines


def render_map(groups):
    """One ``group: value, value`` line per group, sorted: the unified diff of two
    renderings shows exactly the groups added, removed and changed."""
    return "".join("%s: %s\n" % (group, ", ".join(sorted(groups[group]))) for group in sorted(groups))


# --- validation ----------------------------------------------------------------------------------

def effective_role(value):
    """The server only uses the text before the first '.' of a role."""
    return value.split(".", 1)[0]


def check_roles(groups, roles):
    """Unknown roles and notes, given ``roles`` from roles.list (dicts with _id and name).

    Returns (unknown, notes): unknown is a list of (group, role) the server would drop.
    """
    known = set()
    for role in roles:
        known.add(role.get("_id"))
        known.add(role.get("name"))
    unknown = []
    notes = []
    for group, values in groups.items():
        for value in values:
            used = effective_role(value)
            if used != value:
                notes.append("group %s: the server reads role %r as %r (text before the first '.')"
                             % (group, value, used))
            if used not in known:
                unknown.append((group, value))
    return unknown, notes


def check_filter(filter_text, option, group_count=0, strategy="each_group", allow_group=True):
    """Problems with a membership filter, as messages naming ``option``.

    - syntax: one RFC 4515 filter (the directory code's parser);
    - placeholders: only #{groupName}, #{username}, #{userdn} (no #{groupName} where
      the server does not replace it: strategy 'once', the teams query);
    - it must mention the user, or every user matches;
    - each_group with more than one mapped group needs #{groupName}, or every user
      in any one group gets the values of every group.
    """
    problems = []
    text = (filter_text or "").strip()
    if not text:
        return ["%s is empty" % option]
    allowed = set(USER_PLACEHOLDERS) | ({GROUP_PLACEHOLDER} if allow_group else set())
    check = check_template(text, allowed)
    if check.syntax:
        problems.append("%s %r is not a valid LDAP filter: %s" % (option, text, check.syntax))
    names, unknown = check.names, check.unknown
    if unknown:
        problems.append("%s uses unknown placeholders %s; accepted: %s"
                        % (option, ", ".join("#{%s}" % n for n in unknown),
                           ", ".join("#{%s}" % n for n in sorted(allowed))))
    if not set(names) & set(USER_PLACEHOLDERS):
        problems.append("%s mentions neither #{username} nor #{userdn}: every user would match it"
                        % option)
    if allow_group:
        if strategy == "once" and GROUP_PLACEHOLDER in names:
            problems.append("%s uses #{groupName}, which the 'once' validation strategy does not replace "
                            "(it reads group names from the ou or cn of each entry found)" % option)
        elif strategy != "once" and group_count > 1 and GROUP_PLACEHOLDER not in names:
            problems.append("%s has no #{groupName} while %d groups are mapped: every user matching it "
                            "would get the values of every mapped group" % (option, group_count))
    return problems


def team_main_room_warning(channel, groups, auto_remove=False):
    """Why mapping ``channel``, the main room of a team, from ``groups`` does nothing.

    Rocket.Chat's LDAP channel sync skips such a room (it only logs "Can't add user to channel ...
    because it is a team"); with auto-remove on, its removal pass stops at it.
    """
    text = ("channel %s (group %s) is a team's main room: the LDAP channel sync never adds anyone to it "
            "(the server only logs \"because it is a team\"); map the group to the team with "
            "chatops.rocketchat.ldap_team_mapping instead" % (channel, ", ".join(groups)))
    if auto_remove:
        text += ("; with auto_remove on, a sync also stops removing users from channels when it reaches this one, "
                 "so members who left a group may keep channels mapped after it")
    return text


# --- one module run ------------------------------------------------------------------------------

MAPPING_OPTIONS = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    exclusive=dict(type="bool", default=False),
    allow_empty=dict(type="bool", default=False),
    validate_groups=dict(type="bool", default=False),
)

STRATEGIES = ["each_group", "once"]

# The bind password's setting id: the candidate one (option ldap_settings) is masked everywhere.
PASSWORD_ID = "LDAP_Authentication_Password"


def ldap_settings_option_spec():
    """The ``ldap_settings`` option: the options of the ldap_settings module that describe settings
    (its typed options and its raw ``settings`` map), so the same variable feeds both modules."""
    options = ldap_settings_argument_spec()
    options["settings"] = dict(type="dict")
    return dict(type="dict", options=options)


def candidate_settings(given, current_server_type):
    """``{id: native value}`` of the ``ldap_settings`` option (None or {} = none), as the ldap_settings
    module would store them; failures name the option with its ``ldap_settings.`` prefix.

    Only ids the ldap_settings module owns are accepted: the mapping modules' own settings come from
    their own options.
    """
    if not given:
        return {}
    desired, names = settings_from_options(given, current_server_type)
    for setting_id in list(desired):
        desired[setting_id] = coerce(setting_id, desired[setting_id], "ldap_settings." + names[setting_id])
    try:
        merge_raw_settings(desired, names, given.get("settings"), coerce_values=True)
    except ModuleFailure as exc:
        extra = dict(exc.extra)
        extra["invalid"] = ["ldap_settings." + option for option in extra.get("invalid") or ["settings"]]
        raise ModuleFailure("ldap_settings." + exc.msg, **extra)
    for setting_id, option in names.items():
        if OWNER[setting_id] != "ldap_settings":
            raise ModuleFailure("ldap_settings.%s: %s is managed by chatops.rocketchat.%s, not by "
                                "chatops.rocketchat.ldap_settings; give it with that module's options"
                                % (option, setting_id, OWNER[setting_id]), invalid=["ldap_settings." + option])
    return desired


# Mapped channels or teams whose existence one run looks up, one request each (no list route exists);
# also the rate limiter's default allowance per route and minute for callers it limits.
MAX_NAME_LOOKUPS = 10


class MappingModule:
    """What one mapping module manages: its map, its plain options and the validations.

    ``settings`` maps an option name to ``(setting id, argument spec)``; ``enabled``,
    ``base_dn``, ``filter`` and ``strategy`` name the options playing those parts.
    ``base_dn_fallback`` is the setting the server uses when the base DN is empty (teams
    only: the roles and channels base DNs have no fallback). ``filter_has_groups`` is false
    for the teams query, which has no #{groupName}.
    """

    def __init__(self, owner, kind, settings, enabled="enabled", base_dn="base_dn", filter_option="filter",
                 strategy=None, base_dn_fallback=None, filter_has_groups=True):
        self.owner = owner    # the module name, as in catalog.OWNER
        self.kind = kind
        self.settings = OrderedDict(settings)
        self.enabled = enabled
        self.base_dn = base_dn
        self.filter = filter_option
        self.strategy = strategy
        self.base_dn_fallback = base_dn_fallback
        self.filter_has_groups = filter_has_groups

    def argument_spec(self):
        spec = dict(MAPPING_OPTIONS)
        spec["mappings"] = dict(type="list", elements="dict", default=[], options=dict(
            group=dict(type="str", required=True),
            **{self.kind.plural: dict(type="list", elements="str")}
        ))
        for option, (_setting_id, option_spec) in self.settings.items():
            spec[option] = dict(option_spec)
        spec["ldap_settings"] = ldap_settings_option_spec()
        return spec

    def setting(self, option):
        return self.settings[option][0]

    def desired_settings(self, params, prefix=""):
        """``{setting id: value}`` (in option order) for the plain options ``params`` gives (not None), as the
        server stores them (``option_value``, ``coerce``); ``prefix`` goes before an option's name in errors."""
        desired = OrderedDict()
        for option, (setting_id, _option_spec) in self.settings.items():
            if params.get(option) is not None:
                where = prefix + option
                desired[setting_id] = coerce(setting_id, option_value(option, params[option], where), where)
        return desired


def _group_sync_settings(prefix, auto_remove_id, *more):
    """The options of role or channel sync, whose setting ids share ``prefix``; ``more`` goes after enabled."""
    return [("enabled", (prefix, dict(type="bool")))] + list(more) + [
        ("auto_remove", (auto_remove_id, dict(type="bool"))),
        ("base_dn", (prefix + "_BaseDN", dict(type="str"))),
        ("filter", (prefix + "_Filter", dict(type="str"))),
        ("validation_strategy", (prefix + "_GroupMembershipValidationStrategy", dict(type="str", choices=STRATEGIES))),
    ]


ROLE_MAPPING = MappingModule(
    "ldap_role_mapping", ROLES,
    _group_sync_settings("LDAP_Sync_User_Data_Roles", "LDAP_Sync_User_Data_Roles_AutoRemove"),
    strategy="validation_strategy",
)

CHANNEL_MAPPING = MappingModule(
    "ldap_channel_mapping", CHANNELS,
    _group_sync_settings("LDAP_Sync_User_Data_Channels", "LDAP_Sync_User_Data_Channels_Enforce_AutoChannels",
                         ("admin_user", ("LDAP_Sync_User_Data_Channels_Admin", dict(type="str")))),
    strategy="validation_strategy",
)

TEAM_MAPPING = MappingModule(
    "ldap_team_mapping",
    TEAMS,
    [
        ("enabled", ("LDAP_Enable_LDAP_Groups_To_RC_Teams", dict(type="bool"))),
        ("validate_each_login", ("LDAP_Validate_Teams_For_Each_Login", dict(type="bool"))),
        ("base_dn", ("LDAP_Teams_BaseDN", dict(type="str"))),
        ("name_attributes", ("LDAP_Teams_Name_Field", dict(type="list", elements="str"))),
        ("query", ("LDAP_Query_To_Get_User_Teams", dict(type="str"))),
    ],
    filter_option="query", base_dn_fallback="LDAP_BaseDN", filter_has_groups=False,
)


def option_value(option, value, where=None):
    """A mapping module's plain option as the setting value the server stores: ``name_attributes`` becomes
    a comma list, text is stripped. ``where``: the option as the task names it (``option`` by default)."""
    where = where or option
    if option == "name_attributes":
        names = [name.strip() for name in value if name and name.strip()]
        if not names:
            raise ModuleFailure("%s must name at least one attribute" % where, invalid=[where])
        return ",".join(names)
    if isinstance(value, str):
        return value.strip()
    return value


def _text(value):
    return "" if value is None else str(value).strip()


class _Run:
    """The state of one mapping module run."""

    def __init__(self, module, client, spec, params):
        self.module = module
        self.client = client
        self.spec = spec
        self.params = params
        self.kind = spec.kind
        self.api = SettingsApi(client)
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
        kind = self.kind
        try:
            entries = normalize_entries(params.get("mappings"), kind, params["state"])
        except MappingError as exc:
            self.fail(str(exc), invalid=["mappings"])
        if params["state"] == "absent" and params["exclusive"]:
            self.fail("exclusive=true only applies to state=present", invalid=["exclusive"])

        if LDAP_ENTERPRISE not in self.client.licensed_modules():
            self.fail("LDAP group mappings are an Enterprise feature: the workspace has no active %r licence "
                      "module (licenses.info), so the server neither registers nor applies %s"
                      % (LDAP_ENTERPRISE, kind.map_setting), licensed=False)
        self.snapshot = self.api.read()
        self.read_candidate()
        if not self.snapshot.present(kind.map_setting):
            self.fail("the server does not offer the setting %s (hidden or not registered); nothing can be "
                      "managed" % kind.map_setting)

        self.desired = self.spec.desired_settings(params)

        try:
            stored = parse_stored_map(self.snapshot.value(kind.map_setting), kind)
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
        self.warn_dn_groups(declared)
        self.validate_settings(after)
        self.validate_values(declared, after)
        if params["validate_groups"] and declared:
            self.validate_groups(list(declared))
        if not self.effective("LDAP_Enable"):
            self.warnings.append("LDAP is disabled (LDAP_Enable): the mappings take effect once it is enabled")
        if after and not self.effective(self.spec.setting(self.spec.enabled)):
            self.warnings.append("%s sync is off (%s, option enabled): the map is stored but not applied"
                                 % (kind.noun, self.spec.setting(self.spec.enabled)))

        desired = OrderedDict(self.desired)
        if map_changed:
            desired[kind.map_setting] = serialize_map(after, kind)
        return self.finish(stored.groups, after, desired)

    # -- validation ---------------------------------------------------------------------------

    def warn_dn_groups(self, groups):
        spec = self.spec
        if not spec.filter_has_groups:
            how, filter_text = "the %s of the groups the query finds" % "/".join(
                split_list(_text(self.effective("LDAP_Teams_Name_Field"))) or ["ou", "cn"]), None
        elif (self.effective(spec.setting(spec.strategy)) or "each_group") == "once":
            how, filter_text = "the ou, else the cn, of the groups the filter finds", None
        else:
            how = "substituted for #{groupName} in the filter"
            filter_text = _text(self.effective(spec.setting(spec.filter)))
        self.warnings.extend(dn_group_warnings(groups, how, filter_text))

    def validate_settings(self, after):
        spec = self.spec
        enabled = bool(self.effective(spec.setting(spec.enabled)))
        filter_id = spec.setting(spec.filter)
        base_dn_id = spec.setting(spec.base_dn)
        problems = []
        invalid = []
        if enabled:
            base_dn = _text(self.effective(base_dn_id))
            if not base_dn and spec.base_dn_fallback:
                base_dn = _text(self.effective(spec.base_dn_fallback))
                if not base_dn:
                    problems.append("%s (%s) and its fallback %s are both empty: the server would not know "
                                    "where to look for groups" % (spec.base_dn, base_dn_id, spec.base_dn_fallback))
            elif not base_dn:
                problems.append("%s (%s) is empty; the server has no fallback to the user base DN, so no "
                                "user would ever be found in a group" % (spec.base_dn, base_dn_id))
            if problems:
                invalid.append(spec.base_dn)
        if enabled or self.params.get(spec.filter) is not None:
            strategy = self.effective(spec.setting(spec.strategy)) if spec.strategy else None
            filter_problems = check_filter(self.effective(filter_id), "%s (%s)" % (spec.filter, filter_id),
                                           group_count=len(after), strategy=strategy or "each_group",
                                           allow_group=spec.filter_has_groups)
            if filter_problems:
                problems.extend(filter_problems)
                invalid.append(spec.filter)
        if problems:
            self.fail("; ".join(problems), invalid=invalid)

    def validate_values(self, declared, after):
        kind = self.kind
        if kind is ROLES:
            roles = self.client.get("roles.list").get("roles") or []
            unknown, notes = check_roles(declared, roles)
            self.warnings.extend(notes)
            if unknown:
                self.fail("unknown roles (the server would silently ignore them): %s. Known roles: %s"
                          % (", ".join("%s in group %s" % (role, group) for group, role in unknown),
                             ", ".join(sorted(r.get("name") for r in roles if r.get("name")))),
                          invalid=["mappings"], unknown_roles=[dict(group=g, role=r) for g, r in unknown])
            others = check_roles(OrderedDict((g, v) for g, v in after.items() if g not in declared), roles)[0]
            for group, role in others:
                self.warnings.append("group %s (not managed by this task) maps to unknown role %r" % (group, role))
        elif kind is CHANNELS:
            self.report_channels(after)
        elif kind is TEAMS:
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
        names = _unique(v for values in after.values() for v in values)
        checked, unchecked = names[:MAX_NAME_LOOKUPS], list(names[MAX_NAME_LOOKUPS:])
        found = OrderedDict((name, self._lookup(path, {key: name})) for name in checked)
        if unchecked:
            self.warnings.append("%d mapped %s were not looked up (at most %d per run, one request each): %s"
                                 % (len(unchecked), self.kind.plural, MAX_NAME_LOOKUPS, ", ".join(unchecked)))
        return found, unchecked

    def report_channels(self, after):
        found, unchecked = self.lookup_names(after, "channels.info", "roomName")
        to_create = [name for name, answer in found.items() if answer is None]
        team_main = [name for name, answer in found.items() if answer and (answer.get("channel") or {}).get("teamMain")]
        admin = _text(self.effective(self.spec.setting("admin_user")))
        admin_exists = bool(admin) and self._exists("users.info", {"username": admin})
        self.result["channels"] = dict(to_create=to_create, unchecked=unchecked, admin_user=admin,
                                       admin_user_exists=admin_exists, team_main_rooms=team_main)
        auto_remove = bool(self.effective(self.spec.setting("auto_remove")))
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
        spec = self.spec
        values = dict((i, self.snapshot.value(i)) for i in DIRECTORY_SETTING_DEFAULTS)
        values.update(self.candidate)
        values.update((i, self.effective(i)) for i, _spec in spec.settings.values())
        unreadable = [i for i, value in values.items() if value is UNREADABLE]
        for setting_id in unreadable:
            values[setting_id] = None
        settings = DirectorySettings(values)
        base_dn = settings.text(spec.setting(spec.base_dn))
        if not base_dn and spec.base_dn_fallback:
            base_dn = settings.text(spec.base_dn_fallback)
        template = settings.text(spec.setting(spec.filter))
        strategy = settings.text(spec.setting(spec.strategy)) if spec.strategy else None
        if not spec.filter_has_groups:
            names = split_list(settings.text("LDAP_Teams_Name_Field")) or ["ou", "cn"]
            template = "(&%s(|%s))" % (template, "".join("(%s=#{groupName})" % n for n in names))
        elif strategy == "once":
            template = "(&%s(|(ou=#{groupName})(cn=#{groupName})))" % template
        if settings.get("LDAP_Authentication"):
            if PASSWORD_ID in unreadable:
                self.fail("validate_groups: the server does not disclose the bind password (%s), so the directory "
                          "cannot be searched as the service account; give it with "
                          "ldap_settings.authentication.bind_password" % PASSWORD_ID, invalid=["ldap_settings"])
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
        kind = self.kind
        module = self.module
        options = dict((setting_id, option) for option, (setting_id, _spec) in self.spec.settings.items())
        options[kind.map_setting] = "mappings"
        for warning in self.warnings:
            module.warn(warning)
        applied = apply_settings(self.client, desired, self.spec.owner, check_mode=module.check_mode,
                                 want_diff=module._diff, options=options, warn=module.warn, snapshot=self.snapshot)
        changed_ids = applied["changed_ids"]
        diff = diff_maps(before_map, after_map) if kind.map_setting in changed_ids else diff_maps({}, {})
        lines = describe_diff(diff, kind, exclusive=self.params["exclusive"], check_mode=module.check_mode)
        for setting_id in changed_ids:
            if setting_id != kind.map_setting:
                lines.append("set %s (%s): %s -> %s" % (options[setting_id], setting_id,
                                                        json.dumps(self.snapshot.value(setting_id)),
                                                        json.dumps(desired[setting_id])))
        result = self.result
        result.update(
            changed=applied["changed"],
            mappings=[{"group": g, kind.plural: list(v)} for g, v in after_map.items()],
            mapping_changes=diff,
            changes=lines,
        )
        if module._diff:
            before = dict((i, v) for i, v in applied["diff"]["before"].items() if i != kind.map_setting)
            after = dict((i, v) for i, v in applied["diff"]["after"].items() if i != kind.map_setting)
            result["diff"] = dict(
                before=_render_state(before, before_map, kind),
                after=_render_state(after, after_map, kind),
                before_header="%s (before)" % self.spec.owner,
                after_header="%s (after)" % self.spec.owner,
            )
        return result


def _render_state(settings, groups, kind):
    """The diff text: one line per changed setting (in the admin UI's order), then the map (a YAML-like view)."""
    lines = "".join("%s: %s\n" % (i, json.dumps(settings[i])) for i in in_admin_ui_order(settings))
    lines += "%s:\n" % kind.map_setting
    return lines + "".join("  " + line + "\n" for line in render_map(groups).splitlines())


def reconcile_mapping(module, client, spec):
    """Run one mapping module (``run`` for ``base.run_module``)."""
    return _Run(module, client, spec, module.params).run()
