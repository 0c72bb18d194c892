"""python -m tests.sandbox.rocketchat --port 0 [options]: run the Rocket.Chat sandbox in the foreground.

With --ready-file, the address and the credentials a client needs are written there (mode 0600) once
the server listens; secrets are never printed.
"""

import argparse
import json
import os
import signal
import sys
import threading

from .settings_store import LDAP_MODULE
from .server import make_server
from .world import ADMIN_PASSWORD, ADMIN_USERNAME, USER_PASSWORD, USER_USERNAME


def _split_list(values):
    return [item for value in values or [] for item in value.split(",") if item]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.sandbox.rocketchat", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--version", dest="rc_version", help="X.Y.Z (default 8.8.1)")
    parser.add_argument("--license", choices=[LDAP_MODULE, "none"])
    parser.add_argument("--two-factor", choices=["off", "password", "totp", "email"],
                        help="2FA for the admin. password (default, a production server): "
                             "Accounts_TwoFactorAuthentication_Enabled with the password fallback, so a login "
                             "token is challenged on settings writes and Sync Now, the bypass PAT is not; "
                             "totp/email: that method enabled for the admin; off: TEST_MODE (2FA skipped "
                             "unless a route forces it)")
    parser.add_argument("--rate-limiter", action="store_true", default=None)
    parser.add_argument("--mask-secrets", action="store_true", default=None,
                        help='secret/password settings read as "" plus hasValue (develop, contract section 5.8)')
    parser.add_argument("--allow-unsafe-query-and-fields", action="store_true", default=None,
                        help="like env ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS=true (7.x/8.x): users.list "
                             "reads `fields` and `query` (contract section 7.3)")
    parser.add_argument("--blocked", action="append", help="ID,ID (like SETTINGS_BLOCKED)")
    parser.add_argument("--hidden", action="append", help="ID,ID (like SETTINGS_HIDDEN)")
    parser.add_argument("--overwrite", action="append", metavar="ID=VALUE",
                        help="repeatable, like OVERWRITE_SETTING_<ID>=VALUE")
    parser.add_argument("--env-file", help="JSON object with the options above (keys as in /_sandbox/config)")
    parser.add_argument("--ready-file", help="write {url, credentials, pid} here once listening")
    return parser.parse_args(argv)


def options_from_args(args):
    options = {}
    if args.env_file:
        with open(args.env_file, encoding="utf-8") as handle:
            options.update(json.load(handle))
    for key, value in (("version", args.rc_version), ("license", args.license),
                       ("two_factor", args.two_factor), ("rate_limiter", args.rate_limiter),
                       ("mask_secrets", args.mask_secrets),
                       ("allow_unsafe_query_and_fields", args.allow_unsafe_query_and_fields)):
        if value is not None:
            options[key] = value
    if args.blocked:
        options["blocked"] = _split_list(args.blocked)
    if args.hidden:
        options["hidden"] = _split_list(args.hidden)
    if args.overwrite:
        overwrite = dict(options.get("overwrite") or {})
        for item in args.overwrite:
            key, sep, value = item.partition("=")
            if not sep:
                raise SystemExit("--overwrite needs ID=VALUE, got %r" % item)
            overwrite[key] = value
        options["overwrite"] = overwrite
    return options


def write_ready_file(path, server, sandbox):
    store = sandbox.store
    info = {
        "rocketchat_url": sandbox.base_url,
        "port": server.server_address[1],
        "pid": os.getpid(),
        "admin_username": ADMIN_USERNAME,
        "admin_password": ADMIN_PASSWORD,
        "admin_user_id": store.admin_id,
        "admin_token": store.admin_pat,
        "admin_totp_secret": store.admin_totp_secret,
        "user_username": USER_USERNAME,
        "user_password": USER_PASSWORD,
        "user_user_id": store.user_id,
        "options": store.options,
    }
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(info, handle, indent=1)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    server, sandbox = make_server(args.host, args.port, options_from_args(args))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    if args.ready_file:
        write_ready_file(args.ready_file, server, sandbox)
    print("Rocket.Chat sandbox %s listening on %s" % (sandbox.store.options["version"], sandbox.base_url),
          flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
