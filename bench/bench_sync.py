"""Benchmark: `ldap_sync` on a large directory with and without its report (not a test).

One Rocket.Chat sandbox over the generated directory (tests/sandbox/ldap/large.py: 10,000 users by default)
with Background Sync on. A first sync imports the users; then, alternated `--repeat` times, each a one-task
playbook against the unchanged directory:

- floor:          `ldap_sync` with `report: false` (Sync Now only);
- report:         `ldap_sync` with the report (users listed before and after) and `report_skipped: false`;
- report+skipped: the default (the report, and the directory searched from the controller for the users the
                  sync skipped).

Each prints wall seconds, its ratio to the floor, CPU seconds of the controller side (ansible-playbook and the
module process; getrusage of the children) and the requests (`users.list` among them) from the sandbox's log.
`--no-infinite` turns the server's `API_Allow_Infinite_Count` off, so the report reads pages instead.

    flock /tmp/heavy.lock .venv/bin/python bench/bench_sync.py [--users 10000 --repeat 3] [--no-infinite]
"""

import argparse
import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (  # noqa: E402
    Fleet, ansible_env, collection_tree, machine_load, median, playbook, request_stats, require_ok,
    sandbox_nagle_off, table, temp_dir,
)

TASK = """- hosts: localhost
  gather_facts: false
  tasks:
    - chatops.rocketchat.ldap_sync:
        report: %s
        report_skipped: %s
      register: sync
    - ansible.builtin.debug:
        msg: "{{ sync.msg | default('no report') }}"
"""
MEASURES = (("floor", "false", "false"), ("report", "true", "false"), ("report+skipped", "true", "true"))


def configure(fleet, url, info, infinite):
    ldap = fleet.slapd.info
    settings = {
        "LDAP_Enable": True, "LDAP_Host": ldap["host"], "LDAP_Port": int(ldap["port"]), "LDAP_Encryption": "plain",
        "LDAP_BaseDN": ldap["ldap_base_dn"], "LDAP_Authentication": True,
        "LDAP_Authentication_UserDN": ldap["ldap_bind_dn"], "LDAP_Authentication_Password": ldap["ldap_bind_password"],
        "LDAP_Server_Type": "", "LDAP_User_Search_Field": "uid", "LDAP_Username_Field": "uid",
        "LDAP_Unique_Identifier_Field": "uid", "LDAP_User_Search_Filter": "(objectclass=inetOrgPerson)",
        # the whole directory in pages (the default size limit, 1000, stops the sync's search)
        "LDAP_Search_Page_Size": 500, "LDAP_Search_Size_Limit": 100000,
        "LDAP_Background_Sync": True, "LDAP_Background_Sync_Import_New_Users": True,
        "LDAP_Background_Sync_Keep_Existant_Users_Updated": True,
    }
    headers = {"X-User-Id": info["admin_user_id"], "X-Auth-Token": info["admin_token"]}
    body = {"settings": [{"_id": k, "value": v} for k, v in settings.items()]
            + [{"_id": "API_Allow_Infinite_Count", "value": infinite}]}
    reply = fleet.http.post(url + "/api/v1/settings", json=body, headers=headers, timeout=60)
    reply.raise_for_status()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-infinite", dest="infinite", action="store_false",
                        help="API_Allow_Infinite_Count off (the report reads pages)")
    args = parser.parse_args()
    collection_tree()
    work = temp_dir("bench-sync-")
    print("sync benchmark: %d users, API_Allow_Infinite_Count %s, %s; sandbox Nagle off: %s"
          % (args.users, args.infinite, machine_load(), sandbox_nagle_off()))
    started = time.perf_counter()
    with Fleet(1, work / "fleet", flavour="large", slapd_options={"large_users": args.users}) as fleet:
        url, info = fleet.urls[0], fleet.infos[0]
        print("slapd and the sandbox started in %.1f s" % (time.perf_counter() - started))
        configure(fleet, url, info, args.infinite)
        env = ansible_env(ROCKETCHAT_URL=url, ROCKETCHAT_USER_ID=info["admin_user_id"],
                          ROCKETCHAT_AUTH_TOKEN=info["admin_token"])
        books = {}
        for name, report, skipped in MEASURES:
            books[name] = work / ("sync-%s.yml" % name.replace("+", "-"))
            books[name].write_text(TASK % (report, skipped))
        first = require_ok(playbook(books["floor"], "localhost,", env, "-c", "local"), "first sync")
        print("first sync (imports the users): %.1f s" % first.wall)
        runs = collections.defaultdict(list)
        for attempt in range(args.repeat):
            for name, _report, _skipped in MEASURES:
                fleet.clear_requests()
                run = require_ok(playbook(books[name], "localhost,", env, "-c", "local"), name)
                per_ws, _writes, paths = request_stats(fleet.requests())
                runs[name].append((run.wall, run.cpu, per_ws, paths.get("GET /api/v1/users.list", 0)))
            print("  attempt %d done (%s)" % (attempt + 1, machine_load()), flush=True)
        users = len(fleet.call(url, "GET", "state")["users"])
        print("users in the workspace: %d" % users)
        if users < args.users:
            raise SystemExit("the sync did not import the directory's users; see %s" % work)
    floor = median([r[0] for r in runs["floor"]])
    rows = []
    for name, _report, _skipped in MEASURES:
        wall = median([r[0] for r in runs[name]])
        rows.append((name, "%.2f" % wall, "%.2fx" % (wall / floor), "%.2f" % median([r[1] for r in runs[name]]),
                     "%d" % median([r[2] for r in runs[name]]), "%d" % median([r[3] for r in runs[name]])))
    print("\n%d users, median of %d:" % (args.users, args.repeat))
    table(rows, ("ldap_sync", "wall s", "vs floor", "CPU s", "requests", "users.list requests"))
    print("\nwork files: %s" % work)


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parents[1])
    main()
