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

PLACEHOLDER_RE = re.compile(r"#\{([^}]*)\}")
GROUP_PLACEHOLDER = "groupName"
USER_PLACEHOLDERS = ("username", "userdn")


class MappingError(Exception):
    """An input or a stored map that cannot be reconciled; the text names the option."""


class MapKind:
    """What differs between the roles, channels and teams maps."""

    def __init__(self, noun, plural, map_setting, always_list=False, cut_at_dot=False):
        self.noun = noun                  # "role"
        self.plural = plural              # "roles": also the value key of a mapping entry
        self.map_setting = map_setting    # the setting id holding the JSON map
        self.always_list = always_list    # the server only accepts lists as values (teams)
        self.cut_at_dot = cut_at_dot      # the server reads only the text before the first '.' (roles)


ROLES = MapKind("role", "roles", "LDAP_Sync_User_Data_RolesMap", cut_at_dot=True)
CHANNELS = MapKind("channel", "channels", "LDAP_Sync_User_Data_ChannelsMap")
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


def describe_diff(diff, kind):
    """One line per changed group, for a person reading the task output."""
    lines = []
    for item in diff["added"]:
        lines.append("add group %s -> %s %s" % (item["group"], kind.plural, ", ".join(item["values"])))
    for item in diff["changed"]:
        parts = ["+" + v for v in item["added"]] + ["-" + v for v in item["removed"]]
        lines.append("change group %s: %s %s (now %s)"
                     % (item["group"], kind.plural, " ".join(parts), ", ".join(item["after"])))
    for item in diff["removed"]:
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


def _balanced(text):
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def check_filter(filter_text, option, group_count=0, strategy="each_group", allow_group=True):
    """Problems with a membership filter, as messages naming ``option``.

    - syntax: must be parenthesised and balanced;
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
    if not (text.startswith("(") and text.endswith(")") and _balanced(text)):
        problems.append("%s %r is not a valid LDAP filter (it must be enclosed in balanced parentheses)"
                        % (option, text))
    names = PLACEHOLDER_RE.findall(text)
    allowed = set(USER_PLACEHOLDERS) | ({GROUP_PLACEHOLDER} if allow_group else set())
    unknown = sorted(set(names) - allowed)
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
