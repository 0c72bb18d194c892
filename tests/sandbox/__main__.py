"""python -m tests.sandbox start|stop|status: the test world in the background (what `make sandbox` runs).

`start` runs a private slapd and the Rocket.Chat sandbox as background processes and writes
<state dir>/env.json (mode 0600; it holds the credentials, which are never printed). `stop` stops
what that start started and removes its files. `status` says whether they run.

Several independent sandboxes can run side by side, each with its own state directory
(`--state-dir`, default .sandbox). `start --ldap-from OTHER/env.json` starts only a Rocket.Chat
sandbox and points it at the slapd that OTHER runs (its `stop` leaves that slapd alone):

    python -m tests.sandbox start                                   # staging: slapd + Rocket.Chat
    python -m tests.sandbox start --state-dir .sandbox/prod --ldap-from .sandbox/env.json
    python -m tests.sandbox stop --state-dir .sandbox/prod          # first the borrowers
    python -m tests.sandbox stop
"""

import argparse
import json
import os
import pathlib
import sys

from tests.sandbox.rocketchat.launcher import (REPO_ROOT, LaunchError, environment, pid_alive, sandbox_args,
                                               spawn, terminate)

DEFAULT_STATE_DIR = REPO_ROOT / ".sandbox"
ENV_FILE = "env.json"
SLAPD_INFO_FILE = "slapd.json"        # the slapd's info (Slapd.info) this instance uses
# Everything a start writes into its state directory, and nothing else: `stop` removes only these,
# so a state directory nested in another one (.sandbox/prod) survives the outer one's stop.
STATE_FILES = (ENV_FILE, SLAPD_INFO_FILE, "slapd.log", "rocketchat.json", "rocketchat.json.tmp", "rocketchat.log")


def _state_dir(args):
    return pathlib.Path(args.state_dir).resolve() if args.state_dir else DEFAULT_STATE_DIR


def _display(path):
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _load_json(path):
    try:
        return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_private_json(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)


def _running(env):
    return {name: env[key] for name, key in (("slapd", "slapd_pid"), ("rocketchat", "rocketchat_pid"))
            if env.get(key) and pid_alive(env[key])}


def _borrowed_slapd(env_path):
    """(slapd info, slapd pid) of the slapd another running sandbox uses (its env.json's directory)."""
    env = _load_json(env_path)
    info = _load_json(pathlib.Path(env_path).parent / SLAPD_INFO_FILE)
    if not env or not info:
        raise LaunchError("--ldap-from %s: no sandbox state there (start that one first)" % env_path)
    if not (env.get("slapd_pid") and pid_alive(env["slapd_pid"])):
        raise LaunchError("--ldap-from %s: its slapd is not running" % env_path)
    return info, env["slapd_pid"]


def start(args):
    state_dir = _state_dir(args)
    env = _load_json(state_dir / ENV_FILE) or {}
    running = _running(env)
    if "rocketchat" in running or ("slapd" in running and env.get("slapd_owned", True)):
        print("the sandbox in %s is already running (%s); run `stop --state-dir %s` first"
              % (_display(state_dir), env.get("rocketchat_url"), _display(state_dir)), file=sys.stderr)
        return 1
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    slapd_process = None
    try:
        if args.ldap_from:
            slapd_info, slapd_pid = _borrowed_slapd(args.ldap_from)
            _write_private_json(state_dir / SLAPD_INFO_FILE, slapd_info)
        else:
            slapd_process, slapd_info = spawn(
                ["tests.sandbox.ldap", "--flavour", args.flavour, "--info-file", str(state_dir / SLAPD_INFO_FILE)],
                state_dir / "slapd.log", state_dir / SLAPD_INFO_FILE, timeout=300)
            slapd_pid = slapd_process.pid
        overwrite = {}
        for item in args.overwrite or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise LaunchError("--overwrite needs ID=VALUE, got %r" % item)
            overwrite[key] = value
        rc_args = sandbox_args(ready_file=state_dir / "rocketchat.json", version=args.version,
                               license=args.license, two_factor=args.two_factor, rate_limiter=args.rate_limiter,
                               mask_secrets=args.mask_secrets,
                               allow_unsafe_query_and_fields=args.allow_unsafe_query_and_fields,
                               blocked=_split(args.blocked), hidden=_split(args.hidden), overwrite=overwrite)
        _process, rc_info = spawn(rc_args, state_dir / "rocketchat.log", state_dir / "rocketchat.json", timeout=30)
    except LaunchError as exc:
        if slapd_process is not None:
            terminate(slapd_process.pid)
        print("sandbox start failed: %s" % exc, file=sys.stderr)
        return 1
    except BaseException:  # a bug or Ctrl-C: still leave no slapd behind
        if slapd_process is not None:
            terminate(slapd_process.pid)
        raise
    env = environment(rc_info, slapd_info)
    env.update(slapd_pid=slapd_pid, slapd_owned=slapd_process is not None, state_dir=str(state_dir))
    if args.ldap_from:
        env["ldap_from"] = str(pathlib.Path(args.ldap_from).resolve())
    _write_private_json(state_dir / ENV_FILE, env)
    print("Rocket.Chat sandbox %s: %s" % (rc_info["options"]["version"], env["rocketchat_url"]))
    print("slapd (%s%s): %s  %s" % (env.get("flavour"), ", shared" if args.ldap_from else "",
                                     env.get("ldap_uri"), env.get("ldaps_uri")))
    print("credentials and everything else: %s" % _display(state_dir / ENV_FILE))
    return 0


def _split(values):
    return [item for value in values or [] for item in value.split(",") if item]


def stop(args):
    state_dir = _state_dir(args)
    env = _load_json(state_dir / ENV_FILE) or {}
    if env.get("rocketchat_pid"):
        terminate(env["rocketchat_pid"])
    # a borrowed slapd belongs to the sandbox that started it (slapd_owned is absent in older files)
    if env.get("slapd_pid") and env.get("slapd_owned", True):
        terminate(env["slapd_pid"])  # the slapd runner removes its own directory on SIGTERM
    for name in STATE_FILES:
        try:
            (state_dir / name).unlink()
        except FileNotFoundError:
            pass
    try:
        state_dir.rmdir()
    except OSError:
        pass  # gone already, or holds another sandbox's state directory
    print("sandbox stopped (%s)" % _display(state_dir))
    return 0


def status(args):
    state_dir = _state_dir(args)
    env = _load_json(state_dir / ENV_FILE)
    running = _running(env) if env else {}
    if not running:
        print("sandbox not running (%s)" % _display(state_dir))
        return 1
    print("running: %s; Rocket.Chat %s, LDAP %s%s" % (", ".join(sorted(running)), env.get("rocketchat_url"),
                                                       env.get("ldap_uri"),
                                                       "" if env.get("slapd_owned", True) else " (shared)"))
    return 0 if len(running) == 2 else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.sandbox", description=__doc__.splitlines()[0])
    state = argparse.ArgumentParser(add_help=False)
    state.add_argument("--state-dir", metavar="DIR",
                       help="where env.json, logs and pids go (default .sandbox); one directory per sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", parents=[state], help="start slapd and the Rocket.Chat sandbox")
    start_parser.add_argument("--version", help="Rocket.Chat version X.Y.Z (default 8.8.1)")
    start_parser.add_argument("--license", choices=["ldap-enterprise", "none"])
    start_parser.add_argument("--two-factor", choices=["off", "password", "totp", "email"],
                              help="password (default, a production server: 2FA with the password fallback), "
                                   "totp, email, or off (TEST_MODE: 2FA skipped)")
    start_parser.add_argument("--rate-limiter", action="store_true")
    start_parser.add_argument("--mask-secrets", action="store_true",
                              help='secret/password settings read as "" plus hasValue (develop behaviour)')
    start_parser.add_argument("--allow-unsafe-query-and-fields", action="store_true",
                              help="like env ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS=true (7.x/8.x): users.list "
                                   "reads `fields` and `query`")
    source = start_parser.add_mutually_exclusive_group()
    source.add_argument("--flavour", choices=["openldap", "ad", "large", "samba-ad", "samba-ad-large"],
                        default="openldap",
                        help="the directory: slapd (openldap, ad, large) or a real Samba AD DC (samba-ad, samba-ad-large)")
    source.add_argument("--ldap-from", metavar="ENV_JSON",
                        help="use the slapd of the sandbox that wrote this env.json instead of starting one")
    start_parser.add_argument("--blocked", action="append", help="setting ids, comma-separated")
    start_parser.add_argument("--hidden", action="append", help="setting ids, comma-separated")
    start_parser.add_argument("--overwrite", action="append", metavar="ID=VALUE")
    commands.add_parser("stop", parents=[state], help="stop what start started there and remove its files")
    commands.add_parser("status", parents=[state], help="exit 0 when its Rocket.Chat sandbox and slapd run")
    args = parser.parse_args(argv)
    return {"start": start, "stop": stop, "status": status}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
