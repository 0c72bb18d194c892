"""python -m tests.sandbox start|stop|status: the test world in the background (what `make sandbox` runs).

`start` runs a private slapd and the Rocket.Chat sandbox as background processes and writes
.sandbox/env.json (mode 0600; it holds the credentials, which are never printed). `stop` stops both
and removes what they left behind. `status` says whether they run.
"""

import argparse
import json
import os
import pathlib
import shutil
import sys

from tests.sandbox.rocketchat.launcher import (REPO_ROOT, LaunchError, environment, pid_alive, sandbox_args,
                                               spawn, terminate)

STATE_DIR = REPO_ROOT / ".sandbox"
ENV_FILE = STATE_DIR / "env.json"


def _load_env():
    try:
        return json.loads(ENV_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _running(env):
    return {name: env[key] for name, key in (("slapd", "slapd_pid"), ("rocketchat", "rocketchat_pid"))
            if env.get(key) and pid_alive(env[key])}


def start(args):
    env = _load_env()
    if env and _running(env):
        print("the sandbox is already running (%s); run `stop` first" % env.get("rocketchat_url"), file=sys.stderr)
        return 1
    STATE_DIR.mkdir(mode=0o700, exist_ok=True)
    slapd_process = None
    try:
        slapd_process, slapd_info = spawn(
            ["tests.sandbox.ldap", "--flavour", args.flavour, "--info-file", str(STATE_DIR / "slapd.json")],
            STATE_DIR / "slapd.log", STATE_DIR / "slapd.json", timeout=300)
        overwrite = {}
        for item in args.overwrite or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise LaunchError("--overwrite needs ID=VALUE, got %r" % item)
            overwrite[key] = value
        rc_args = sandbox_args(ready_file=STATE_DIR / "rocketchat.json", version=args.version,
                               license=args.license, two_factor=args.two_factor, rate_limiter=args.rate_limiter,
                               blocked=_split(args.blocked), hidden=_split(args.hidden), overwrite=overwrite)
        _process, rc_info = spawn(rc_args, STATE_DIR / "rocketchat.log", STATE_DIR / "rocketchat.json", timeout=30)
    except LaunchError as exc:
        if slapd_process is not None:
            terminate(slapd_process.pid)
        print("sandbox start failed: %s" % exc, file=sys.stderr)
        return 1
    env = environment(rc_info, slapd_info)
    env["slapd_pid"] = slapd_process.pid
    fd = os.open(ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(env, handle, indent=1, sort_keys=True)
    print("Rocket.Chat sandbox %s: %s" % (rc_info["options"]["version"], env["rocketchat_url"]))
    print("slapd (%s): %s  %s" % (args.flavour, env.get("ldap_uri"), env.get("ldaps_uri")))
    print("credentials and everything else: %s" % ENV_FILE.relative_to(REPO_ROOT))
    return 0


def _split(values):
    return [item for value in values or [] for item in value.split(",") if item]


def stop(_args):
    env = _load_env() or {}
    for key in ("rocketchat_pid", "slapd_pid"):  # the slapd runner removes its own directory on SIGTERM
        if env.get(key):
            terminate(env[key])
    if STATE_DIR.exists():
        shutil.rmtree(STATE_DIR, ignore_errors=True)
    print("sandbox stopped")
    return 0


def status(_args):
    env = _load_env()
    running = _running(env) if env else {}
    if not running:
        print("sandbox not running")
        return 1
    print("running: %s; Rocket.Chat %s, LDAP %s" % (", ".join(sorted(running)), env.get("rocketchat_url"),
                                                     env.get("ldap_uri")))
    return 0 if len(running) == 2 else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.sandbox", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="start slapd and the Rocket.Chat sandbox")
    start_parser.add_argument("--version", help="Rocket.Chat version X.Y.Z (default 8.8.1)")
    start_parser.add_argument("--license", choices=["ldap-enterprise", "none"])
    start_parser.add_argument("--two-factor", choices=["off", "password", "totp", "email"])
    start_parser.add_argument("--rate-limiter", action="store_true")
    start_parser.add_argument("--flavour", choices=["openldap", "ad", "large"], default="openldap")
    start_parser.add_argument("--blocked", action="append", help="setting ids, comma-separated")
    start_parser.add_argument("--hidden", action="append", help="setting ids, comma-separated")
    start_parser.add_argument("--overwrite", action="append", metavar="ID=VALUE")
    commands.add_parser("stop", help="stop both and remove their files")
    commands.add_parser("status", help="exit 0 when both run")
    args = parser.parse_args(argv)
    return {"start": start, "stop": stop, "status": status}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
