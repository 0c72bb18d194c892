"""Benchmark: `ldap_check` with 500 mapped groups against a floor in the same run (not a test).

The generated directory (tests/sandbox/ldap/large.py: 10,000 users, 500 posixGroups by default) in a real
slapd; `ldap_check` from the controller (no Rocket.Chat: `source: options`, the settings given as ids), one
task per playbook, alternated `--repeat` times:

- floor:    the connection, bind and user-search checks only (no map, no user);
- 500 map:  the same with a role map of every group (`LDAP_Sync_User_Data_RolesMap`), the map checks and a
            preview of `--sample` users (which roles each gets: one batched group search per user).

Each prints wall seconds, its ratio to the floor and CPU seconds (ansible-playbook and the module process).

    flock /tmp/heavy.lock .venv/bin/python bench/bench_check.py [--users 10000 --groups 500 --sample 20]
"""

import argparse
import collections
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (  # noqa: E402
    ansible_env, collection_tree, machine_load, median, playbook, require_ok, table, temp_dir,
)
from tests.sandbox.ldap import Slapd  # noqa: E402
from tests.sandbox.ldap.large import group_number_name, user_uid  # noqa: E402

ROLES = ("admin", "moderator", "user", "livechat-agent")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--sample", type=int, default=20, help="users previewed")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    collection_tree()
    work = temp_dir("bench-check-")
    print("ldap_check benchmark: %d users, %d groups, %d previewed users, %s"
          % (args.users, args.groups, args.sample, machine_load()))
    with Slapd("large", workdir=str(work), large_users=args.users, large_groups=args.groups) as directory:
        info = directory.info
        base = {
            "LDAP_Enable": True, "LDAP_Host": info["host"], "LDAP_Port": int(info["port"]),
            "LDAP_Encryption": "plain", "LDAP_BaseDN": info["ldap_base_dn"], "LDAP_Authentication": True,
            "LDAP_Authentication_UserDN": info["ldap_bind_dn"], "LDAP_Server_Type": "",
            "LDAP_User_Search_Field": "uid", "LDAP_Username_Field": "uid",
            "LDAP_User_Search_Filter": "(objectclass=inetOrgPerson)",
        }
        mapped = dict(base, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=info["groups_dn"],
                      LDAP_Sync_User_Data_Roles_Filter="(&(cn=#{groupName})(memberUid=#{username}))",
                      LDAP_Sync_User_Data_RolesMap=dict(
                          ("posix-%s" % group_number_name(n), ROLES[n % len(ROLES)])
                          for n in range(1, args.groups + 1)))
        step = max(args.users // args.sample, 1)
        users = [{"username": user_uid(n)} for n in range(1, args.users + 1, step)][:args.sample]
        cases = {"floor": (base, []), "500 map": (mapped, users)}
        env = ansible_env(BENCH_BIND_PASSWORD=info["ldap_bind_password"])
        books = {}
        for name, (settings, previewed) in cases.items():
            task = {"chatops.rocketchat.ldap_check": {
                "settings": settings, "authentication": {"bind_password": "{{ lookup('env', 'BENCH_BIND_PASSWORD') }}"},
                "users": previewed, "fail_on": "fail"}, "register": "check"}
            books[name] = work / ("check-%s.yml" % name.replace(" ", "-"))
            # what was measured did the work: every previewed user found, the import count made
            proof = {"ansible.builtin.assert": {"that": [
                "check.users | default([]) | selectattr('found') | list | length == %d" % len(previewed),
                "check.import_count.matching >= %d" % args.users,
                "(check.users | default([]) | map(attribute='roles') | flatten | length > 0) == %s" % bool(previewed)]}}
            books[name].write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [task, proof]}]))
        runs = collections.defaultdict(list)
        for attempt in range(args.repeat):
            for name in cases:
                run = require_ok(playbook(books[name], "localhost,", env, "-c", "local"), name)
                runs[name].append((run.wall, run.cpu))
            print("  attempt %d done (%s)" % (attempt + 1, machine_load()), flush=True)
    floor = median([w for w, _c in runs["floor"]])
    rows = [(name, "%.2f" % median([w for w, _c in runs[name]]),
             "%.2fx" % (median([w for w, _c in runs[name]]) / floor), "%.2f" % median([c for _w, c in runs[name]]))
            for name in cases]
    print("\n%d users, %d groups mapped, %d users previewed; median of %d:"
          % (args.users, args.groups, args.sample, args.repeat))
    table(rows, ("ldap_check", "wall s", "vs floor", "CPU s"))
    print("\nwork files: %s" % work)


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parents[1])
    main()
