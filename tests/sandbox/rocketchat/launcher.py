"""Start the sandbox (and, for the CLI, the slapd runner) as background processes, and talk to the
sandbox's test-only routes. Used by tests/sandbox/fixtures.py and tests/sandbox/__main__.py."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]


class LaunchError(RuntimeError):
    pass


def spawn(args, log_path, ready_path, timeout=60.0):
    """Run `python -m <args>` detached, wait until it writes `ready_path` (JSON); return (process, info)."""
    ready_path = pathlib.Path(ready_path)
    if ready_path.exists():
        ready_path.unlink()
    # logs may hold credentials (the slapd runner prints its info): owner-only
    log = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
    try:
        process = subprocess.Popen([sys.executable, "-m"] + list(args), cwd=REPO_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready_path.exists():
            try:
                return process, json.loads(ready_path.read_text(encoding="utf-8"))
            except ValueError:
                pass  # being written
        if process.poll() is not None:
            raise LaunchError("%s exited with %s; see %s" % (args[0], process.returncode, log_path))
        time.sleep(0.05)
    terminate(process.pid)
    raise LaunchError("%s did not become ready within %.0f s; see %s" % (args[0], timeout, log_path))


def terminate(pid, timeout=15.0):
    """SIGTERM, then SIGKILL after `timeout`; quiet when the process is already gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
            if finished:
                return
        except ChildProcessError:  # not our child: poll for its disappearance
            if not pid_alive(pid):
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is gone for our purposes
        with open("/proc/%d/stat" % pid, encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def sandbox_args(port=0, *, ready_file, version=None, license=None, two_factor=None, rate_limiter=False,
                 mask_secrets=False, allow_unsafe_query_and_fields=False, blocked=(), hidden=(), overwrite=None):
    args = ["tests.sandbox.rocketchat", "--port", str(port), "--ready-file", str(ready_file)]
    for flag, value in (("--version", version), ("--license", license), ("--two-factor", two_factor)):
        if value:
            args += [flag, value]
    if rate_limiter:
        args.append("--rate-limiter")
    if mask_secrets:
        args.append("--mask-secrets")
    if allow_unsafe_query_and_fields:
        args.append("--allow-unsafe-query-and-fields")
    if blocked:
        args += ["--blocked", ",".join(blocked)]
    if hidden:
        args += ["--hidden", ",".join(hidden)]
    for key, value in (overwrite or {}).items():
        args += ["--overwrite", "%s=%s" % (key, value)]
    return args


def environment(rocketchat_info, slapd_info):
    """The .sandbox/env.json dict: Slapd.info, the sandbox's ready file, the pids."""
    env = dict(slapd_info or {})
    env.update({k: v for k, v in rocketchat_info.items() if k not in ("pid", "port", "options")})
    env["rocketchat_pid"] = rocketchat_info["pid"]
    env["rocketchat_options"] = rocketchat_info.get("options")
    return env


class SandboxClient:
    """What the `sandbox` fixture yields: the URL, env.json's dict and the /_sandbox/ test routes."""

    def __init__(self, env):
        self.env = env
        self.url = env["rocketchat_url"]
        self.http = requests.Session()

    @property
    def admin_headers(self):
        return {"X-User-Id": self.env["admin_user_id"], "X-Auth-Token": self.env["admin_token"]}

    def _call(self, method, route, body=None):
        response = self.http.request(method, self.url + "/_sandbox/" + route, json=body, timeout=60)
        if response.status_code != 200:
            raise LaunchError("/_sandbox/%s answered %s: %s" % (route, response.status_code, response.text))
        return response.json()

    def requests(self):
        return self._call("GET", "requests")

    def clear_requests(self):
        self._call("DELETE", "requests")

    def reset(self, startup=False):
        """Fresh data under the current options; startup=True also restores the start-up options."""
        self._call("POST", "reset", {"startup": startup})

    def config(self, **options):
        return self._call("POST", "config", options)["options"]

    def restart(self):
        self._call("POST", "restart", {})

    def fault(self, route, kind, *, method=None, status=None, seconds=None, times=None, body=None):
        spec = {"route": route, "kind": kind}
        for key, value in (("method", method), ("status", status), ("seconds", seconds), ("times", times),
                           ("body", body)):
            if value is not None:
                spec[key] = value
        self._call("POST", "faults", spec)

    def clear_faults(self):
        self._call("DELETE", "faults")

    def state(self):
        return self._call("GET", "state")

    def run_job(self, name):
        return self._call("POST", "jobs/" + name, {})

    def set_user_active(self, username, active):
        self._call("POST", "users/" + username, {"active": bool(active)})

    def ldap_connection_settings(self):
        """Settings that point the workspace at this session's slapd (plain LDAP, service bind)."""
        env = self.env
        if "ldap_base_dn" not in env:
            return {}
        settings = {
            "LDAP_Enable": True,
            "LDAP_Host": env.get("host", "localhost"),
            "LDAP_Port": int(env["port"]) if "port" in env else 389,
            "LDAP_Encryption": "plain",
            "LDAP_BaseDN": env["ldap_base_dn"],
            "LDAP_Authentication": True,
            "LDAP_Authentication_UserDN": env["ldap_bind_dn"],
            "LDAP_Authentication_Password": env["ldap_bind_password"],
        }
        if env.get("flavour") == "openldap" or env.get("flavour") == "large":
            settings["LDAP_Server_Type"] = ""
            settings["LDAP_User_Search_Field"] = env.get("login_attribute", "uid")
            settings["LDAP_Username_Field"] = env.get("login_attribute", "uid")
        return settings


class SandboxProcess:
    """One sandbox process for a test session (no slapd: the fixtures own that)."""

    def __init__(self, workdir, **options):
        self.workdir = pathlib.Path(workdir)
        self.options = options
        self.process = None
        self.info = None

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        ready = self.workdir / "rocketchat.json"
        self.process, self.info = spawn(sandbox_args(ready_file=ready, **self.options),
                                        self.workdir / "rocketchat.log", ready, timeout=30)
        return self.info

    def stop(self):
        if self.process is not None:
            terminate(self.process.pid)
            self.process = None
