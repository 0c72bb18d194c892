"""What the benchmarks share (not a test): paths, running ansible-playbook with its CPU time, a fleet of
sandboxed workspaces over one slapd, the sandboxes' request logs, and printing.

CPU seconds are those of the finished children of this process (``resource.getrusage(RUSAGE_CHILDREN)``
around each ansible-playbook run: the controller, its forks and every module process it started);
the sandboxes keep running during a measure, so their own CPU is not in it.
"""

import collections
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.sandbox.rocketchat import launcher  # noqa: E402

BENCH = ROOT / "bench"
# The venv of the Python that runs the benchmark (.venv/bin/python from `make bench`).
VENV_BIN = Path(sys.executable).parent
PYTHON = Path(sys.executable)
PLAYBOOK = VENV_BIN / "ansible-playbook"
COLLECTIONS_PATH = ROOT / "build" / "collections"
DEMO_INVENTORY = ROOT / "playbooks" / "inventories" / "demo"

warnings.simplefilter("ignore", DeprecationWarning)


def ansible_env(timer_file=None, **extra):
    """The environment of an ansible-playbook run: this tree's collection, the venv's Python, quiet output,
    and (with ``timer_file``) the bench_timer callback writing one JSON line per task and host there."""
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_PATH), ANSIBLE_PYTHON_INTERPRETER=str(PYTHON),
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_PIPELINING="1",
               ANSIBLE_HOST_KEY_CHECKING="0", ANSIBLE_DEPRECATION_WARNINGS="0",
               ANSIBLE_ACTION_PLUGINS=str(BENCH / "action_plugins"), ANSIBLE_LIBRARY=str(BENCH / "library"),
               ANSIBLE_CALLBACK_PLUGINS=str(BENCH / "callback_plugins"),
               PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "")))
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    if timer_file:
        env.update(ANSIBLE_CALLBACKS_ENABLED="bench_timer", BENCH_TIMER_FILE=str(timer_file))
    env.update((k, str(v)) for k, v in extra.items())
    return env


def collection_tree():
    """build/collections/ansible_collections/chatops/rocketchat -> this tree (what `make collection-tree` makes)."""
    link = COLLECTIONS_PATH / "ansible_collections" / "chatops" / "rocketchat"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to("../../../..")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Run(collections.namedtuple("Run", "wall cpu rc output")):
    """One timed command: wall and CPU seconds, exit status, output (stdout and stderr)."""


def timed(command, env, cwd=ROOT, timeout=3600):
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout, check=False)
    return Run(time.perf_counter() - started, children_cpu() - cpu, done.returncode, done.stdout)


def playbook(path, inventory, env, *args):
    return timed([str(PLAYBOOK), "-i", str(inventory), str(path)] + [str(a) for a in args], env)


def require_ok(run, what):
    if run.rc != 0:
        tail = "\n".join(run.output.splitlines()[-40:])
        raise SystemExit("%s failed (exit %d):\n%s" % (what, run.rc, tail))
    return run


def median(values):
    return statistics.median(values) if values else float("nan")


def load_lines(path):
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sandbox_nagle_off():
    """Whether the sandbox's handler turns Nagle's algorithm off (its per-request latency depends on it)."""
    return "disable_nagle_algorithm = True" in (ROOT / "tests/sandbox/rocketchat/server.py").read_text()


def machine_load():
    return "load average %.2f %.2f %.2f on %d cores" % (os.getloadavg() + (os.cpu_count() or 0,))


# ----------------------------------------------------------------------------------------- fleet
class Fleet:
    """N Rocket.Chat sandboxes (8.8.1, licensed, 2FA with the password fallback: the defaults) over one slapd.

    Started in parallel, stopped together; ``urls``, ``infos`` (each sandbox's ready file), ``slapd``."""

    def __init__(self, count, workdir, flavour="openldap", slapd_options=None):
        self.count = count
        self.workdir = Path(workdir)
        self.flavour = flavour
        self.slapd_options = slapd_options or {}
        self.slapd = None
        self.processes = []
        self.infos = []
        self.http = requests.Session()

    def __enter__(self):
        from tests.sandbox.ldap import Slapd
        self.slapd = Slapd(self.flavour, workdir=str(self.workdir), **self.slapd_options)
        self.slapd.start()
        try:
            self._start_sandboxes()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start_sandboxes(self):
        pending = []
        for number in range(1, self.count + 1):
            home = self.workdir / ("ws%03d" % number)
            home.mkdir(parents=True, exist_ok=True)
            ready = home / "rocketchat.json"
            log = open(home / "rocketchat.log", "ab")
            process = subprocess.Popen([sys.executable, "-m"] + launcher.sandbox_args(ready_file=ready), cwd=ROOT,
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
            log.close()
            self.processes.append(process)
            pending.append(ready)
        deadline = time.monotonic() + 60 + 2 * self.count
        for process, ready in zip(self.processes, pending):
            while not ready.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("a sandbox did not start; see %s" % ready.with_name("rocketchat.log"))
                time.sleep(0.05)
            while True:
                try:
                    self.infos.append(json.loads(ready.read_text(encoding="utf-8")))
                    break
                except ValueError:
                    time.sleep(0.02)

    def __exit__(self, *exc):
        for process in self.processes:
            launcher.terminate(process.pid)
        self.processes = []
        if self.slapd is not None:
            self.slapd.stop()
            self.slapd = None

    @property
    def urls(self):
        return [info["rocketchat_url"] for info in self.infos]

    def call(self, url, method, route, body=None):
        reply = self.http.request(method, url + "/_sandbox/" + route, json=body, timeout=120)
        reply.raise_for_status()
        return reply.json()

    def clear_requests(self):
        for url in self.urls:
            self.call(url, "DELETE", "requests")

    def reset(self):
        for url in self.urls:
            self.call(url, "POST", "reset", {"startup": True})

    def requests(self):
        """Every sandbox's request log, one list per workspace."""
        return [self.call(url, "GET", "requests") for url in self.urls]


def request_stats(logs):
    """``(requests per workspace, writes per workspace, Counter of 'METHOD path' over all workspaces)``."""
    paths = collections.Counter()
    total = writes = 0
    for log in logs:
        entries = log if isinstance(log, list) else log.get("requests", [])
        total += len(entries)
        writes += sum(1 for e in entries if e.get("wrote"))
        paths.update("%s %s" % (e["method"], e["path"]) for e in entries)
    count = max(len(logs), 1)
    return total / count, writes / count, paths


def write_inventory(directory, urls, pat=None):
    """An inventory of len(urls) workspaces ws001.. with the demo's shared variables and its staging host's;
    ``pat``: ``[(user_id, token)]`` per workspace for the login-free variant (a personal access token)."""
    directory = Path(directory)
    group_vars = directory / "group_vars" / "rocketchat"
    group_vars.mkdir(parents=True, exist_ok=True)
    (group_vars / "main.yml").write_text((DEMO_INVENTORY / "group_vars" / "rocketchat.yml").read_text())
    (group_vars / "workspace.yml").write_text((DEMO_INVENTORY / "host_vars" / "staging.yml").read_text())
    hosts = {}
    for number, url in enumerate(urls, 1):
        host = {"ldap_api_url": url}
        if pat:
            host.update(ldap_api_user_id=pat[number - 1][0], ldap_api_token=pat[number - 1][1])
        hosts["ws%03d" % number] = host
    inventory = {"rocketchat": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "ansible_pipelining": True}}}
    (directory / "hosts.yml").write_text(json.dumps(inventory, indent=1))
    return directory / "hosts.yml"


def demo_environment(fleet):
    """The DEMO_* variables the demo's group_vars read (every sandbox has the same admin password)."""
    info = fleet.slapd.info
    return {"DEMO_ADMIN_PASSWORD": fleet.infos[0]["admin_password"], "DEMO_LDAP_PORT": info["port"],
            "DEMO_LDAP_BIND_PASSWORD": info["ldap_bind_password"]}


def temp_dir(prefix):
    return Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("BENCH_TMP") or None))


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
