# -*- coding: utf-8 -*-
# Copyright (c) chatops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The group maps (group -> roles, channels, teams) as values: pure functions, no I/O.

Rocket.Chat stores each map as a JSON object string (``{"group": "role"}`` or ``{"group": ["a", "b"]}``).
This reads such maps and the user's YAML list of ``{group, <values>}`` into one normalized shape (group ->
tuple of values), plans the new map for ``state``/``exclusive``, validates filters and values, describes
the change for a person, and turns a mapping module's options into the settings it writes. The module
run that reads and writes the server is ``_mapping``; ``ldap_check`` previews maps with the same functions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from collections import OrderedDict

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import OWNER
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_filter import (
    GROUP_PLACEHOLDER, USER_PLACEHOLDERS, placeholders, template_problems,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import checked_settings, coerce, split_list


class MappingError(Exception):
    """An input or a stored map that cannot be reconciled; the text names the option."""


def unique(values):
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


def parse_stored_map(text, family):
    """Parse the stored JSON text of the family's map setting.

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
                               % (family.map_setting, family.plural, exc))
    if not isinstance(data, dict):
        raise MappingError("the stored %s is not a JSON object; the server ignores it" % family.map_setting)
    groups = OrderedDict()
    problems = []
    for group, value in data.items():
        if isinstance(value, str):
            values = (value,)
            if family.always_list:
                problems.append("group %r maps to a string, but the server only accepts a list of %s"
                                % (group, family.plural))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            values = unique(value)
            if not values and family.always_list:
                problems.append("group %r maps to an empty list" % group)
        else:
            raise MappingError("the stored %s maps group %r to %s; expected a %s name or a list of them"
                               % (family.map_setting, group, json.dumps(value), family.noun))
        groups[group] = values
    return StoredMap(groups, problems)


# Rocket.Chat substitutes a mapped group into the role and channel filters as #{groupName} unescaped
# (apps/meteor/ee/server/lib/ldap/Manager.ts): these characters change what the filter means. A backslash
# that starts an RFC 4515 escape (\28 for "(") is how such a name is written, and stays allowed.
_UNSAFE_IN_FILTER = re.compile(r"[*()\x00]|\\(?![0-9A-Fa-f]{2})")


def unsafe_in_filter(group):
    """Why ``group`` cannot go into a filter unescaped, or None."""
    found = sorted(set(_UNSAFE_IN_FILTER.findall(group)))
    if not found:
        return None
    text = ("holds %s, which the server puts unescaped into the group filter as #{groupName}"
            % ", ".join(repr(c) for c in found))
    if "*" in found:
        return text + ", where '*' matches every group: the map's values would go to every user in any group"
    return text + (": the filter no longer means what it says; write the name as the filter needs it "
                   "(\\2a for '*', \\28 for '(', \\29 for ')', \\5c for a backslash)")


def normalize_entries(entries, family, state="present"):
    """The user's list of ``{group, <family.plural>}`` as an ordered dict group -> tuple.

    Names are trimmed; a single name counts as a one-item list. With state=absent the
    values may be left out (then the whole group goes).
    """
    result = OrderedDict()
    for index, entry in enumerate(entries or []):
        where = "mappings[%d]" % index
        if not isinstance(entry, dict):
            raise MappingError("%s must be a dictionary with 'group' and '%s'" % (where, family.plural))
        unknown = sorted(set(entry) - {"group", family.plural})
        if unknown:
            raise MappingError("%s has unknown keys %s; accepted: group, %s"
                               % (where, ", ".join(unknown), family.plural))
        group = entry.get("group")
        if not isinstance(group, str) or not group.strip():
            raise MappingError("%s.group must be a non-empty group name" % where)
        group = group.strip()
        if state == "present" and family.group_in_filter and unsafe_in_filter(group):
            raise MappingError("%s.group %r %s; accepted: a group's name without these characters"
                               % (where, group, unsafe_in_filter(group)))
        if group in result:
            raise MappingError("%s.group %r is listed twice; list each group once with all its %s"
                               % (where, group, family.plural))
        raw = entry.get(family.plural)
        if raw is None:
            if state == "present":
                raise MappingError("%s.%s is required with state=present (group %r)" % (where, family.plural, group))
            raw = []
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, (list, tuple)):
            raise MappingError("%s.%s must be a list of %s names" % (where, family.plural, family.noun))
        values = []
        for value in raw:
            if not isinstance(value, str) or not value.strip():
                raise MappingError("%s.%s must hold non-empty %s names (group %r)"
                                   % (where, family.plural, family.noun, group))
            values.append(value.strip())
        if state == "present" and not values:
            raise MappingError("%s.%s is empty for group %r; remove the group with state=absent instead"
                               % (where, family.plural, group))
        result[group] = unique(values)
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


def serialize_map(groups, family):
    """The JSON text to store: a single value as a string (as the admin UI shows it),
    except where the server demands lists."""
    data = OrderedDict()
    for group, values in groups.items():
        data[group] = list(values) if family.always_list or len(values) != 1 else values[0]
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


def describe_diff(diff, family, exclusive=False, check_mode=False):
    """One line per changed group, for a person reading the task output.

    With ``exclusive``, a removed group is drift: the server has it and the inventory does not.
    """
    lines = []
    for item in diff["added"]:
        lines.append("add group %s -> %s %s" % (item["group"], family.plural, ", ".join(item["values"])))
    for item in diff["changed"]:
        parts = ["+" + v for v in item["added"]] + ["-" + v for v in item["removed"]]
        lines.append("change group %s: %s %s (now %s)"
                     % (item["group"], family.plural, " ".join(parts), ", ".join(item["after"])))
    for item in diff["removed"]:
        if exclusive:
            lines.append("group %s (%s %s) is on the server but not in the inventory: %s (exclusive)"
                         % (item["group"], family.plural, ", ".join(item["values"]),
                            "would be removed" if check_mode else "removed"))
        else:
            lines.append("remove group %s (was %s %s)" % (item["group"], family.plural, ", ".join(item["values"])))
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
    problems.extend("%s %r: %s" % (option, text, problem) for problem in template_problems(text, allowed))
    names = placeholders(text)
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


# --- the settings a mapping module writes ------------------------------------------------------

# The bind password's setting id: the candidate one (option ldap_settings) is masked everywhere.
PASSWORD_ID = "LDAP_Authentication_Password"


def candidate_settings(given, current_server_type):
    """``{id: native value}`` of the ``ldap_settings`` option (None or {} = none), as the ldap_settings
    module would store them; failures name the option with its ``ldap_settings.`` prefix.

    Only ids the ldap_settings module owns are accepted: the mapping modules' own settings come from
    their own options.
    """
    if not given:
        return {}
    desired, names = checked_settings(given, current_server_type, prefix="ldap_settings.")
    for setting_id, option in names.items():
        if OWNER[setting_id] != "ldap_settings":
            raise ModuleFailure("ldap_settings.%s: %s is managed by chatops.rocketchat.%s, not by "
                                "chatops.rocketchat.ldap_settings; give it with that module's options"
                                % (option, setting_id, OWNER[setting_id]), invalid=["ldap_settings." + option])
    return desired


# Mapped channels or teams whose existence one run looks up, one request each (no list route exists);
# also the rate limiter's default allowance per route and minute for callers it limits.
MAX_NAME_LOOKUPS = 10


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


def module_options(family, values):
    """The options of ``family``'s module that would leave the settings ``values`` ({id: value}) as they are:
    its plain options and ``mappings`` (the stored map), the inverse of ``desired_settings``. Settings the
    server does not list (no licence) are left out; a map the server cannot use raises MappingError."""
    options = OrderedDict()
    for option, (setting_id, _option_spec) in family.settings.items():
        if setting_id in values and values[setting_id] is not None:
            value = values[setting_id]
            options[option] = split_list(value) if option == "name_attributes" else value
    if family.map_setting in values:
        stored = parse_stored_map(values[family.map_setting], family)
        options["mappings"] = [OrderedDict([("group", group), (family.plural, list(items))])
                               for group, items in stored.groups.items()]
    return options


def desired_settings(family, params, prefix=""):
    """``{setting id: value}`` (in option order) for the plain options of ``family`` that ``params`` gives
    (not None), as the server stores them (``option_value``, ``coerce``); ``prefix`` goes before an option's
    name in errors."""
    desired = OrderedDict()
    for option, (setting_id, _option_spec) in family.settings.items():
        if params.get(option) is not None:
            where = prefix + option
            desired[setting_id] = coerce(setting_id, option_value(option, params[option], where), where)
    return desired
