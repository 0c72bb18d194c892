# -*- coding: utf-8 -*-
# Copyright (c) chatops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an LDAP sync did, from the users before and after it.

Rocket.Chat's ``ldap.syncNow`` reports nothing, so ``ldap_sync`` lists the users (``users.list``)
before and after the sync and compares the two snapshots here. Everything but ``list_users`` is pure.

Listing costs as few requests as the server allows: ``count=0`` lists every user in one reply where
``API_Allow_Infinite_Count`` is on (its default); where it is off the server answers a page of
``API_Default_Count`` users, and the rest is read in pages of ``LARGE_PAGE`` users, which the server
caps at ``API_Upper_Count_Limit`` (``getPaginationItems``). Each user is reduced at once to the
``UserRow`` the report compares, so memory per user stays at one small tuple.

Every list of users in a report is bounded: the first ``LIST_LIMIT`` (by username) are named and
``omitted`` counts the rest, so a sync of thousands of users still gives a readable result. The users
a sync skipped come from a directory search (``sync_skipped``) and are added with ``add_skipped``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

USERS_LIST_PATH = "users.list"
# Pages asked for when the server refuses count=0; the server caps them at API_Upper_Count_Limit.
LARGE_PAGE = 10000
# The fields the report reads. The server always returns _id and its nine (username, name, emails,
# roles, status, active, avatarETag, lastLogin, type; users.ts getNonEmptyFields; emails, roles and
# lastLogin only to callers with view-full-other-user-info): a 1 in ``fields`` adds to them (a 0 would
# remove one), and `ldap` is what this adds (`services` is never listed). Rocket.Chat 7.0-8.x honour
# ``fields`` only when started with ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS=true (otherwise it is
# ignored); 9.0 refuses the parameter (400 error-invalid-params), so it is sent to servers before 9.0 only.
REPORT_FIELDS = '{"username":1,"name":1,"emails":1,"active":1,"roles":1,"ldap":1}'
FIELDS_UNTIL = (9, 0, 0)

# Compared fields; timestamps (_updatedAt, lastLogin) and presence are noise.
DATA_FIELDS = ("username", "name", "emails")

# What the report keeps of a user: ``ldap_id`` is ``services.ldap.id`` where the server lists it
# (the skipped users are matched by it), else None.
UserRow = namedtuple("UserRow", "username name emails active roles ldap ldap_id")

# How many users each list of a report names; ``omitted`` counts the rest.
LIST_LIMIT = 50
# The lists of a report that are bounded (``roles_added``/``roles_removed`` are maps by username).
BOUNDED = ("created", "updated", "deactivated", "reactivated", "removed", "roles_changed", "roles_added",
           "roles_removed", "skipped")


def list_users(client, fields=True):
    """Every user, as the server lists them (a generator: one reply is held at a time).

    The first request asks for all users (``count=0``); when the reply holds fewer than ``total``,
    the server refused that, and the rest comes in pages of ``LARGE_PAGE`` from where it stopped.
    ``fields``: send ``REPORT_FIELDS`` (only to servers that accept the parameter).
    """
    params = {"count": 0, "offset": 0, "sort": '{"_id":1}'}
    if fields:
        params["fields"] = REPORT_FIELDS
    while True:
        reply = client.get(USERS_LIST_PATH, dict(params))
        page = reply.get("users") or []
        yield from page
        params["offset"] += len(page)
        if not page or params["offset"] >= int(reply.get("total", 0)):
            return
        params["count"] = LARGE_PAGE


def accepts_fields(version):
    """Whether a server of ``version`` (``(major, minor, patch)``) takes users.list's ``fields``."""
    return tuple(version) < FIELDS_UNTIL


def _emails(user):
    return tuple(sorted(e.get("address", "") for e in user.get("emails") or [] if isinstance(e, dict)))


def row(user):
    """The ``UserRow`` of a user as ``users.list`` returns it."""
    ldap_id = ((user.get("services") or {}).get("ldap") or {}).get("id")
    return UserRow(user.get("username"), user.get("name"), _emails(user), bool(user.get("active", True)),
                   tuple(sorted(set(user.get("roles") or []))), bool(user.get("ldap", False)),
                   str(ldap_id) if ldap_id else None)


def snapshot(users):
    """The compared view of each user (a ``UserRow``), keyed by user id; ``users`` may be a generator."""
    return dict((user["_id"], row(user)) for user in users)


def compare(before, after, limit=LIST_LIMIT):
    """The report of two snapshots: users created, updated (with each changed field),
    deactivated, reactivated and removed, roles added and removed per user (``roles_changed``: one
    ``{username, added, removed}`` per user), totals (of all users), and ``omitted``: per list, how
    many users beyond the first ``limit`` are not named."""
    created, updated, deactivated, reactivated, removed, roles_changed = [], [], [], [], [], []
    roles_added, roles_removed = {}, {}
    for user_id in sorted(after, key=lambda i: (after[i].username or "", i)):
        new = after[user_id]
        old = before.get(user_id)
        name = new.username
        if old is None:
            created.append({"username": name, "roles": list(new.roles), "active": new.active})
            continue
        changes = {}
        for field in DATA_FIELDS + ("active", "ldap"):
            if getattr(old, field) != getattr(new, field):
                changes[field] = {"before": _plain(getattr(old, field)), "after": _plain(getattr(new, field))}
        added = [r for r in new.roles if r not in old.roles]
        dropped = [r for r in old.roles if r not in new.roles]
        if added:
            roles_added[name] = added
        if dropped:
            roles_removed[name] = dropped
        if added or dropped:
            changes["roles"] = {"before": list(old.roles), "after": list(new.roles)}
            roles_changed.append({"username": name, "added": added, "removed": dropped})
        if old.active and not new.active:
            deactivated.append(name)
        elif new.active and not old.active:
            reactivated.append(name)
        if changes:
            updated.append({"username": name, "changes": changes})
    for user_id in sorted(before, key=lambda i: (before[i].username or "", i)):
        if user_id not in after:
            removed.append(before[user_id].username)
    totals = {
        "users_before": len(before),
        "users_after": len(after),
        "created": len(created),
        "updated": len(updated),
        "deactivated": len(deactivated),
        "reactivated": len(reactivated),
        "removed": len(removed),
        "roles_added": sum(len(v) for v in roles_added.values()),
        "roles_removed": sum(len(v) for v in roles_removed.values()),
    }
    report = {
        "created": created,
        "updated": updated,
        "deactivated": deactivated,
        "reactivated": reactivated,
        "removed": removed,
        "roles_changed": roles_changed,
        "roles_added": roles_added,
        "roles_removed": roles_removed,
        "totals": totals,
        "changed": bool(created or updated or removed),
        "omitted": {},
    }
    for key in BOUNDED:
        if key in report:
            report[key], report["omitted"][key] = _bounded(report[key], limit)
    return report


def _plain(value):
    """A compared value as the result shows it (lists, not tuples)."""
    return list(value) if isinstance(value, tuple) else value


def _bounded(items, limit):
    """``(the first limit items, how many are left out)``; a map keeps its first ``limit`` keys in key order."""
    if isinstance(items, dict):
        keys = sorted(items)
        return dict((key, items[key]) for key in keys[:limit]), max(len(keys) - limit, 0)
    return list(items[:limit]), max(len(items) - limit, 0)


def add_skipped(report, skipped, note=None, limit=LIST_LIMIT):
    """Add the directory users the sync skipped to ``report``.

    ``skipped``: ``[{username, dn, reason}]`` (see ``sync_skipped.find_skipped``), or None when they
    could not be determined, with ``note`` saying why. Sets ``skipped`` (the first ``limit``, by
    username), ``skipped_count`` (None when not determined), ``omitted.skipped`` and, when given,
    ``skipped_note``.
    """
    items = sorted(skipped or [], key=lambda item: (item.get("username") or "", item.get("dn") or ""))
    report["skipped"], report["omitted"]["skipped"] = _bounded(items, limit)
    report["skipped_count"] = None if skipped is None else len(items)
    if note:
        report["skipped_note"] = note
    return report


# The counts of ``summary``: the report's totals (of all users, not only the named ones).
SUMMARY_KEYS = ("created", "updated", "deactivated", "reactivated", "removed", "roles_added", "roles_removed",
                "users_before", "users_after")


def summarize(report):
    """The counts of a report (``ldap_sync``'s ``summary``): ``SUMMARY_KEYS`` from its totals and, when the
    skipped users were searched for (``add_skipped``), ``skipped``: their number, None when not determined."""
    summary = dict((key, report["totals"][key]) for key in SUMMARY_KEYS)
    if "skipped_count" in report:
        summary["skipped"] = report["skipped_count"]
    return summary


def summary_line(summary):
    """A ``summary`` (see ``summarize``) in one line, for the task's ``msg`` and the role's report; names
    no user (the names are in the report)."""
    line = ("%d created, %d updated, %d deactivated, %d reactivated; %d roles added, %d removed "
            "(%d users before, %d after)"
            % (summary["created"], summary["updated"], summary["deactivated"], summary["reactivated"],
               summary["roles_added"], summary["roles_removed"], summary["users_before"], summary["users_after"]))
    if "skipped" in summary:
        if summary["skipped"] is None:
            line += "; skipped users not determined"
        else:
            line += "; %d skipped" % summary["skipped"]
    return line
