# -*- coding: utf-8 -*-
# Copyright (c) chatops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an LDAP sync did, from the users before and after it.

Rocket.Chat's ``ldap.syncNow`` reports nothing, so ``ldap_sync`` lists the users
(``users.list``, one request per page of users) before and after the sync and
compares the two snapshots here. Everything but ``list_users`` is pure.

Every list of users in a report is bounded: the first ``LIST_LIMIT`` (by username) are named and
``omitted`` counts the rest, so a sync of thousands of users still gives a readable result. The users
a sync skipped come from a directory search (``sync_skipped``) and are added with ``add_skipped``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

USERS_PAGE_SIZE = 100  # the server's upper limit per page (API_Upper_Count_Limit)
USERS_LIST_PATH = "users.list"

# Compared fields; timestamps (_updatedAt, lastLogin) and presence are noise.
DATA_FIELDS = ("username", "name", "emails")

# How many users each list of a report names; ``omitted`` counts the rest.
LIST_LIMIT = 50
# The lists of a report that are bounded (``roles_added``/``roles_removed`` are maps by username).
BOUNDED = ("created", "updated", "deactivated", "reactivated", "removed", "roles_changed", "roles_added",
           "roles_removed", "skipped")


def list_users(client, page_size=USERS_PAGE_SIZE):
    """Every user, one page at a time: the cost grows with pages of users only."""
    users = []
    offset = 0
    while True:
        reply = client.get(USERS_LIST_PATH, {"count": page_size, "offset": offset, "sort": '{"_id":1}'})
        page = reply.get("users") or []
        users.extend(page)
        offset += len(page)
        if not page or offset >= int(reply.get("total", 0)):
            return users


def _emails(user):
    return sorted(e.get("address", "") for e in user.get("emails") or [] if isinstance(e, dict))


def snapshot(users):
    """The compared view of each user, keyed by user id."""
    result = {}
    for user in users:
        result[user["_id"]] = {
            "username": user.get("username"),
            "name": user.get("name"),
            "emails": _emails(user),
            "active": bool(user.get("active", True)),
            "roles": sorted(set(user.get("roles") or [])),
            "ldap": bool(user.get("ldap", False)),
        }
    return result


def compare(before, after, limit=LIST_LIMIT):
    """The report of two snapshots: users created, updated (with each changed field),
    deactivated, reactivated and removed, roles added and removed per user (``roles_changed``: one
    ``{username, added, removed}`` per user), totals (of all users), and ``omitted``: per list, how
    many users beyond the first ``limit`` are not named."""
    created, updated, deactivated, reactivated, removed, roles_changed = [], [], [], [], [], []
    roles_added, roles_removed = {}, {}
    for user_id in sorted(after, key=lambda i: (after[i]["username"] or "", i)):
        new = after[user_id]
        old = before.get(user_id)
        name = new["username"]
        if old is None:
            created.append({"username": name, "roles": new["roles"], "active": new["active"]})
            continue
        changes = {}
        for field in DATA_FIELDS + ("active", "ldap"):
            if old[field] != new[field]:
                changes[field] = {"before": old[field], "after": new[field]}
        added = [r for r in new["roles"] if r not in old["roles"]]
        dropped = [r for r in old["roles"] if r not in new["roles"]]
        if added:
            roles_added[name] = added
        if dropped:
            roles_removed[name] = dropped
        if added or dropped:
            changes["roles"] = {"before": old["roles"], "after": new["roles"]}
            roles_changed.append({"username": name, "added": added, "removed": dropped})
        if old["active"] and not new["active"]:
            deactivated.append(name)
        elif new["active"] and not old["active"]:
            reactivated.append(name)
        if changes:
            updated.append({"username": name, "changes": changes})
    for user_id in sorted(before, key=lambda i: (before[i]["username"] or "", i)):
        if user_id not in after:
            removed.append(before[user_id]["username"])
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


def summarize(report):
    """One line for the task output (the names are in the report, not here)."""
    t = report["totals"]
    line = ("%d created, %d updated, %d deactivated, %d reactivated; %d roles added, %d removed "
            "(%d users before, %d after)"
            % (t["created"], t["updated"], t["deactivated"], t["reactivated"], t["roles_added"],
               t["roles_removed"], t["users_before"], t["users_after"]))
    if "skipped_count" in report:
        if report["skipped_count"] is None:
            line += "; skipped users not determined"
        else:
            line += "; %d skipped" % report["skipped_count"]
    return line
