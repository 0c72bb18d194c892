"""Unit tests of the sync report (users before/after an LDAP sync)."""
import json

from ansible_collections.chatops.rocketchat.plugins.module_utils import _sync_report as sync_report


def user(uid, username, roles=("user",), active=True, name=None, email=None, ldap=True, **extra):
    data = {"_id": uid, "username": username, "name": name or username.title(), "roles": list(roles),
            "active": active, "ldap": ldap, "emails": [{"address": email or username + "@example.org"}]}
    data.update(extra)
    return data


BEFORE = [user("1", "admin", roles=("admin", "user"), ldap=False), user("2", "alice"), user("3", "bob", roles=("user", "leader"))]


def test_identical_lists_report_nothing_even_with_new_timestamps():
    after = [dict(u, _updatedAt="2030-01-01", lastLogin="2030-01-01", status="online") for u in BEFORE]
    report = sync_report.compare(sync_report.snapshot(BEFORE), sync_report.snapshot(reversed(after)))
    assert report["changed"] is False
    assert report["totals"]["updated"] == 0 and report["totals"]["users_after"] == 3


def test_created_updated_deactivated_and_roles_per_user():
    after = [
        user("1", "admin", roles=("user", "admin"), ldap=False),
        user("2", "alice", roles=("user", "admin"), name="Alice Liddell"),
        user("3", "bob", roles=("user",), active=False),
        user("4", "carol", roles=("user", "moderator")),
    ]
    report = sync_report.compare(sync_report.snapshot(BEFORE), sync_report.snapshot(after))
    assert report["created"] == [{"username": "carol", "roles": ["moderator", "user"], "active": True}]
    assert report["deactivated"] == ["bob"]
    assert report["roles_added"] == {"alice": ["admin"]}
    assert report["roles_removed"] == {"bob": ["leader"]}
    updated = {u["username"]: u["changes"] for u in report["updated"]}
    assert set(updated) == {"alice", "bob"}
    assert updated["alice"]["name"] == {"before": "Alice", "after": "Alice Liddell"}
    assert updated["bob"]["active"] == {"before": True, "after": False}
    assert report["totals"] == {"users_before": 3, "users_after": 4, "created": 1, "updated": 2, "deactivated": 1,
                                "reactivated": 0, "removed": 0, "roles_added": 1, "roles_removed": 1}
    assert report["roles_changed"] == [{"username": "alice", "added": ["admin"], "removed": []},
                                       {"username": "bob", "added": [], "removed": ["leader"]}]
    assert set(report["omitted"].values()) == {0}
    assert report["changed"] is True
    assert sync_report.summary_line(sync_report.summarize(report)).startswith("1 created, 2 updated, 1 deactivated")


def test_reactivated_and_removed_users():
    before = BEFORE + [user("5", "dave", active=False)]
    after = [BEFORE[0], BEFORE[2], user("5", "dave", active=True)]
    report = sync_report.compare(sync_report.snapshot(before), sync_report.snapshot(after))
    assert report["reactivated"] == ["dave"] and report["removed"] == ["alice"]
    assert report["changed"] is True


class PagedClient:
    """Answers users.list as the server's getPaginationItems does: count=0 is every user where
    API_Allow_Infinite_Count is on, else API_Default_Count; any count is capped at API_Upper_Count_Limit."""

    def __init__(self, users, infinite=True, upper=100, default=50):
        self.users = users
        self.infinite, self.upper, self.default = infinite, upper, default
        self.calls = []

    def get(self, path, params):
        self.calls.append((path, dict(params)))
        offset, count = params["offset"], min(params["count"], self.upper)
        if count == 0 and not self.infinite:
            count = self.default
        page = self.users[offset:offset + count] if count else self.users[offset:]
        return {"users": page, "count": len(page), "offset": offset, "total": len(self.users), "success": True}


def test_list_users_asks_for_every_user_at_once_with_the_report_fields():
    users = [user(str(i), "u%05d" % i) for i in range(10000)]
    client = PagedClient(users)
    assert [u["_id"] for u in sync_report.list_users(client)] == [u["_id"] for u in users]
    assert client.calls == [("users.list", {"count": 0, "offset": 0, "sort": '{"_id":1}',
                                            "fields": sync_report.REPORT_FIELDS})]
    assert json.loads(sync_report.REPORT_FIELDS) == {"username": 1, "name": 1, "emails": 1, "active": 1, "roles": 1,
                                                     "ldap": 1}


def test_list_users_reads_large_pages_when_the_server_refuses_count_0():
    users = [user(str(i), "u%03d" % i) for i in range(250)]
    client = PagedClient(users, infinite=False)
    assert [u["_id"] for u in sync_report.list_users(client, fields=False)] == [u["_id"] for u in users]
    # the refused count=0 answers API_Default_Count (50); then pages capped at API_Upper_Count_Limit (100)
    assert [(c[1]["count"], c[1]["offset"]) for c in client.calls] == [
        (0, 0), (sync_report.LARGE_PAGE, 50), (sync_report.LARGE_PAGE, 150)]
    assert all(c[0] == "users.list" and "fields" not in c[1] for c in client.calls)
    # a server whose upper limit is raised answers the rest in one page
    raised = PagedClient(users, infinite=False, upper=5000)
    assert len(list(sync_report.list_users(raised))) == 250 and len(raised.calls) == 2


def test_list_users_of_an_empty_or_exactly_full_page_costs_one_request():
    for users in ([], [user(str(i), "u%d" % i) for i in range(50)]):
        client = PagedClient(users, infinite=False)
        assert len(list(sync_report.list_users(client))) == len(users)
        assert len(client.calls) == 1


def test_fields_go_only_to_servers_before_9_0_which_refuses_the_parameter():
    assert sync_report.accepts_fields((8, 8, 1)) and sync_report.accepts_fields((7, 10, 0))
    assert not sync_report.accepts_fields((9, 0, 0))


def test_a_snapshot_keeps_one_small_tuple_per_user_and_nothing_of_the_rest():
    listed = user("7", "alice", roles=("user", "admin", "user"), email="Alice@example.org", status="online",
                  lastLogin="2030-01-01", avatarETag="x", services={"ldap": {"id": "abc", "idAttribute": "uid"}})
    rows = sync_report.snapshot(iter([listed]))
    assert rows == {"7": sync_report.UserRow("alice", "Alice", ("Alice@example.org",), True, ("admin", "user"),
                                             True, "abc")}
    assert type(rows["7"]).__mro__[1] is tuple and not hasattr(rows["7"], "__dict__")


def test_every_list_names_the_first_50_by_username_and_counts_the_rest():
    before = [user("a%03d" % i, "old%03d" % i) for i in range(60)]
    after = [user("a%03d" % i, "old%03d" % i, roles=("user", "admin"), active=False) for i in range(60)]
    after += [user("n%03d" % i, "new%03d" % i) for i in range(120, 50, -1)]  # 70 new users, out of order
    report = sync_report.compare(sync_report.snapshot(before), sync_report.snapshot(after))
    assert [u["username"] for u in report["created"]] == ["new%03d" % i for i in range(51, 101)]
    assert report["deactivated"] == ["old%03d" % i for i in range(50)]
    assert sorted(report["roles_added"]) == ["old%03d" % i for i in range(50)]
    assert report["roles_changed"][0] == {"username": "old000", "added": ["admin"], "removed": []}
    assert len(report["updated"]) == len(report["roles_changed"]) == 50
    assert report["omitted"] == {"created": 20, "updated": 10, "deactivated": 10, "reactivated": 0, "removed": 0,
                                 "roles_changed": 10, "roles_added": 10, "roles_removed": 0}
    assert report["totals"]["created"] == 70 and report["totals"]["deactivated"] == 60
    assert report["totals"]["roles_added"] == 60


def test_skipped_users_are_named_bounded_and_counted_in_the_summary():
    report = sync_report.compare(sync_report.snapshot(BEFORE), sync_report.snapshot(BEFORE))
    skipped = [{"username": "u%02d" % i, "dn": "uid=u%02d,dc=x" % i, "reason": "no e-mail attribute"}
               for i in range(55, 0, -1)]
    sync_report.add_skipped(report, skipped)
    assert [s["username"] for s in report["skipped"]] == ["u%02d" % i for i in range(1, 51)]
    assert report["skipped_count"] == 55 and report["omitted"]["skipped"] == 5 and "skipped_note" not in report
    summary = sync_report.summarize(report)
    assert summary["skipped"] == 55
    line = sync_report.summary_line(summary)
    assert line.endswith("(3 users before, 3 after); 55 skipped") and "u01" not in line


def test_undetermined_skipped_users_are_said_so_not_reported_as_none():
    report = sync_report.compare(sync_report.snapshot(BEFORE), sync_report.snapshot(BEFORE))
    sync_report.add_skipped(report, None, "skipped users could not be determined: the directory could not be reached")
    assert report["skipped"] == [] and report["skipped_count"] is None
    assert report["skipped_note"].startswith("skipped users could not be determined")
    assert sync_report.summarize(report)["skipped"] is None
    assert sync_report.summary_line(sync_report.summarize(report)).endswith("; skipped users not determined")
    # without the directory search the summary says nothing about skipped users
    plain = sync_report.compare(sync_report.snapshot(BEFORE), sync_report.snapshot(BEFORE))
    assert "skipped" not in sync_report.summarize(plain)
    assert "skipped" not in sync_report.summary_line(sync_report.summarize(plain))


def test_the_summary_counts_every_user_of_the_totals_and_its_line_names_none():
    before = [user("a%03d" % i, "old%03d" % i, roles=("user", "bot")) for i in range(60)]
    after = [user("a%03d" % i, "old%03d" % i, roles=("user", "admin"), active=i % 2 == 0) for i in range(1, 60)]
    after += [user("n%03d" % i, "new%03d" % i) for i in range(70)]
    report = sync_report.compare(sync_report.snapshot(before), sync_report.snapshot(after))
    summary = sync_report.summarize(report)
    # one type for summary across the modules: a dict of counts (ldap_check's counts statuses)
    assert summary == {"created": 70, "updated": 59, "deactivated": 30, "reactivated": 0, "removed": 1,
                       "roles_added": 59, "roles_removed": 59, "users_before": 60, "users_after": 129}
    assert all(type(count) is int for count in summary.values())
    assert set(summary) == set(sync_report.SUMMARY_KEYS) and set(summary) <= set(report["totals"])
    assert len(report["created"]) == 50  # the lists are bounded, the counts are not
    assert sync_report.summary_line(summary) == ("70 created, 59 updated, 30 deactivated, 0 reactivated; "
                                                 "59 roles added, 59 removed (60 users before, 129 after)")
    sync_report.add_skipped(report, [{"username": "zed", "dn": "uid=zed,dc=x", "reason": "no e-mail attribute"}])
    assert sync_report.summarize(report) == dict(summary, skipped=1)
