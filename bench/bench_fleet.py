"""Benchmark: the role on a fleet of workspaces, against a floor measured in the same run (not a test).

For each size N (default 1, 10, 50, 100; `--sizes` or BENCH_N), N Rocket.Chat sandboxes over one slapd run
the demo's configuration (playbooks/inventories/demo: its shared variables and the staging host's, one host
per workspace), with forks = min(N, --forks):

- floor:      a one-task `ansible.builtin.debug` playbook on the same inventory and forks;
- apply:      chatops.rocketchat.configure on fresh workspaces (ldap_sync_mode=never, as the demo does);
- no-op:      the same again (nothing to change);
- drift:      chatops.rocketchat.drift (check mode; the workspaces match, so it passes);
- drift PAT:  drift with a personal access token per workspace instead of the admin's password (no login);
- proto module / proto action: prototypes of the designs issue 14 weighs, with the PAT: ONE task per
              workspace that sends what a drift must ask the server, each thing once (version, licence, settings,
              their metadata, roles, the connection test, a search test per canary user; no comparison), as a
              module process (bench/library/bench_reads_module.py) and as a controller-side action
              (bench/action_plugins/bench_reads_action.py). They are floors of those designs, not features.

Each measure prints wall seconds and its ratio to the floor, CPU seconds per workspace (getrusage of the
children: ansible-playbook, its forks and module processes; not the sandboxes), and requests and writes per
workspace from the sandboxes' request logs. With N = 1 it also shows where the time goes (unless `--no-breakdown`):
the tasks that started a module process and their time (a callback in bench/callback_plugins), the requests
by route, Ansible's fixed cost of a module task (ten `ping` vs ten `debug` tasks), and a controller-side
action (bench/action_plugins/bench_get.py) against `ansible.builtin.uri` for the same GET.

    flock /tmp/heavy.lock .venv/bin/python bench/bench_fleet.py [--sizes 1,10] [--forks 20] [--repeat 3]
"""

import argparse
import collections
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (  # noqa: E402
    Fleet, ROOT, ansible_env, collection_tree, demo_environment, load_lines, machine_load, median, playbook, request_stats,
    require_ok, sandbox_nagle_off, table, temp_dir, write_inventory,
)

# Task actions that run in the controller only (no module process).
CONTROLLER_ACTIONS = {"debug", "set_fact", "assert", "fail", "meta", "include_tasks", "import_tasks", "include_vars",
                      "validate_argument_spec", "set_stats",
                      "include_role", "import_role", "bench_get", "bench_reads_action", "ldap_report_file"}
MEASURES = ("floor", "apply", "no-op", "drift", "drift PAT", "proto module", "proto action")
PROTOTYPE = """- hosts: rocketchat
  gather_facts: false
  check_mode: true
  tasks:
    - %s:
        api_url: "{{ ldap_api_url }}"
        api_user_id: "{{ ldap_api_user_id }}"
        api_token: "{{ ldap_api_token }}"
        canaries: "{{ ldap_canary_users | map(attribute='username') | list }}"
"""


def controller_only(action):
    return action.rsplit(".", 1)[-1] in CONTROLLER_ACTIONS


def write_playbooks(directory):
    """The floor and the two prototypes' playbooks: ``{measure: path}``."""
    books = {"floor": directory / "floor.yml", "proto module": directory / "proto-module.yml",
             "proto action": directory / "proto-action.yml"}
    books["floor"].write_text("- hosts: rocketchat\n  gather_facts: false\n  tasks:\n"
                              "    - ansible.builtin.debug:\n        msg: floor\n")
    books["proto module"].write_text(PROTOTYPE % "bench_reads_module")
    books["proto action"].write_text(PROTOTYPE % "bench_reads_action")
    return books


def task_profile(lines, workspaces):
    """Per workspace: module tasks run, their seconds, all task seconds; seconds by module action."""
    modules = [line for line in lines
               if line["status"] != "skipped" and not controller_only(line["action"])]
    by_action = collections.Counter()
    for line in modules:
        by_action[line["action"].rsplit(".", 1)[-1]] += line["seconds"] / workspaces
    return {"module_tasks": len(modules) / workspaces,
            "module_seconds": sum(line["seconds"] for line in modules) / workspaces,
            "task_seconds": sum(line["seconds"] for line in lines) / workspaces,
            "by_action": dict(by_action.most_common())}


def measure_size(size, args, work):
    results = collections.defaultdict(list)
    profiles, routes = {}, {}
    with Fleet(size, work / ("fleet-%d" % size)) as fleet:
        inventory = write_inventory(work / ("inventory-%d" % size), fleet.urls)
        pat_inventory = write_inventory(work / ("inventory-pat-%d" % size), fleet.urls,
                                        pat=[(i["admin_user_id"], i["admin_token"]) for i in fleet.infos])
        books = write_playbooks(work)
        report = work / "report.md"
        forks = min(size, args.forks)
        common = ["--forks", forks, "-e", "ldap_report_path=%s" % report]
        no_password = ["-e", json.dumps({"ldap_api_username": None, "ldap_api_password": None})]
        repeat = args.repeat or (3 if size <= 10 else 1)
        for attempt in range(repeat):
            timer = work / ("timer-%d-%d" % (size, attempt))
            fleet.reset()
            runs = (("floor", inventory, books["floor"], []), ("apply", inventory, "chatops.rocketchat.configure",
                                                       ["-e", "ldap_sync_mode=never"]),
                    ("no-op", inventory, "chatops.rocketchat.configure", ["-e", "ldap_sync_mode=never"]),
                    ("drift", inventory, "chatops.rocketchat.drift", []),
                    ("drift PAT", pat_inventory, "chatops.rocketchat.drift", no_password),
                    ("proto module", pat_inventory, books["proto module"], []),
                    ("proto action", pat_inventory, books["proto action"], []))
            for name, inv, book, extra in runs:
                fleet.clear_requests()
                timer_file = Path("%s-%s.jsonl" % (timer, name.replace(" ", "-")))
                env = ansible_env(timer_file=timer_file, **demo_environment(fleet))
                run = require_ok(playbook(book, inv, env, *(common + extra)), "%s (N=%d)" % (name, size))
                per_ws, writes, paths = request_stats(fleet.requests())
                results[name].append((run.wall, run.cpu / size, per_ws, writes))
                if attempt == 0:
                    profiles[name] = task_profile(load_lines(timer_file), size)
                    routes[name] = dict(paths.most_common())
            print("  N=%d attempt %d done (%s)" % (size, attempt + 1, machine_load()), flush=True)
        if size == 1 and args.breakdown:
            extras = fixed_costs(fleet, inventory, work)
        else:
            extras = None
    summary = {}
    for name in MEASURES:
        rows = results[name]
        summary[name] = {"wall": median([r[0] for r in rows]), "cpu_per_workspace": median([r[1] for r in rows]),
                         "requests_per_workspace": median([r[2] for r in rows]),
                         "writes_per_workspace": median([r[3] for r in rows]), "runs": len(rows),
                         "profile": profiles.get(name), "routes": routes.get(name)}
    return {"size": size, "forks": min(size, args.forks), "measures": summary, "fixed_costs": extras}


def fixed_costs(fleet, inventory, work):
    """Ansible's fixed cost of a module task, and a controller-side action against ansible.builtin.uri."""
    url = fleet.urls[0] + "/api/info"
    books = {
        "10 debug": "    - ansible.builtin.debug:\n        msg: floor\n",
        "10 ping": "    - ansible.builtin.ping:\n",
        "10 uri GET /api/info": "    - ansible.builtin.uri:\n        url: %s\n" % url,
        "10 action plugin GET /api/info": "    - bench_get:\n        url: %s\n" % url,
    }
    out = {}
    env = ansible_env(**demo_environment(fleet))
    for _attempt in range(3):
        for name, task in books.items():
            path = work / ("fixed-%s.yml" % name.replace(" ", "-").replace("/", ""))
            path.write_text("- hosts: rocketchat\n  gather_facts: false\n  tasks:\n" + task * 10)
            run = require_ok(playbook(path, inventory, env), name)
            out.setdefault(name, []).append((run.wall, run.cpu))
    return dict((name, {"wall": median([w for w, _c in runs]), "cpu": median([c for _w, c in runs])})
                for name, runs in out.items())


def print_size(result):
    size, measures = result["size"], result["measures"]
    floor = measures["floor"]["wall"]
    print("\nN = %d workspaces, forks %d (median of %d):" % (size, result["forks"], measures["floor"]["runs"]))
    rows = []
    for name in MEASURES:
        m = measures[name]
        rows.append((name, "%.1f" % m["wall"], "%.1fx" % (m["wall"] / floor), "%.2f" % m["cpu_per_workspace"],
                     "%.1f" % m["requests_per_workspace"], "%.1f" % m["writes_per_workspace"],
                     "%.1f" % (m["profile"] or {}).get("module_tasks", 0)))
    table(rows, ("measure", "wall s", "vs floor", "CPU s/ws", "requests/ws", "writes/ws", "module tasks/ws"))
    if size == 1:
        for name in MEASURES[1:]:
            m = measures[name]
            profile = m["profile"] or {}
            print("\n%s: %.2f s in %d module tasks (of %.2f s in all tasks): %s" % (
                name, profile.get("module_seconds", 0), profile.get("module_tasks", 0), profile.get("task_seconds", 0),
                ", ".join("%s %.2f" % item for item in (profile.get("by_action") or {}).items())))
            print("  requests: %s" % ", ".join("%s x%d" % item for item in (m["routes"] or {}).items()))
    if result.get("fixed_costs"):
        costs = result["fixed_costs"]
        print("\nfixed costs, one workspace (median of 3):")
        table([(name, "%.2f" % c["wall"], "%.2f" % c["cpu"]) for name, c in costs.items()], ("playbook", "wall s", "CPU s"))
        module_task = (costs["10 ping"]["wall"] - costs["10 debug"]["wall"]) / 10
        action = (costs["10 action plugin GET /api/info"]["wall"] - costs["10 debug"]["wall"]) / 10
        uri = (costs["10 uri GET /api/info"]["wall"] - costs["10 debug"]["wall"]) / 10
        print("a module task costs %.3f s more than a debug task; a GET through ansible.builtin.uri %.3f s, "
              "through a controller-side action %.3f s" % (module_task, uri, action))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_N") or "1,10,50,100",
                        help="comma-separated numbers of workspaces (default: $BENCH_N or 1,10,50,100)")
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=0, help="runs per measure (default 3 up to N=10, else 1)")
    parser.add_argument("--no-breakdown", dest="breakdown", action="store_false")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.replace(" ", "").split(",") if s]
    collection_tree()
    work = temp_dir("bench-fleet-")
    print("fleet benchmark: sizes %s, %s; sandbox Nagle off: %s" % (sizes, machine_load(), sandbox_nagle_off()))
    results = []
    for size in sizes:
        result = measure_size(size, args, work)
        results.append(result)
        print_size(result)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print("\nwork files: %s" % work)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
