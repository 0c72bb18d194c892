"""Run one private directory (slapd, or a Samba AD DC) until SIGTERM/SIGINT: ``python -m tests.sandbox.ldap --flavour ad``.

Prints ``Slapd.info`` as one JSON line on standard output once it accepts connections
(and writes it to --info-file if given), then waits; on SIGTERM or SIGINT it stops it and
removes its directory.
"""

import argparse
import json
import os
import signal
import sys
import threading

from . import ALL_FLAVOURS, SAMBA_FLAVOURS, directory


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.sandbox.ldap", description=__doc__.splitlines()[0])
    parser.add_argument("--flavour", choices=ALL_FLAVOURS, default="openldap")
    parser.add_argument("--workdir", help="parent directory for the instance directory")
    parser.add_argument("--large-users", type=int, default=10000)
    parser.add_argument("--large-groups", type=int, default=500)
    parser.add_argument("--info-file", help="also write the info JSON here (mode 0600; it holds passwords)")
    args = parser.parse_args(argv)

    # Handlers (not a blocked mask, which slapd would inherit and so ignore SIGTERM) that are
    # installed before starting, so a signal arriving during start-up is not lost.
    stop_requested = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_requested.set())
    options = {} if args.flavour in SAMBA_FLAVOURS else {"large_users": args.large_users,
                                                         "large_groups": args.large_groups}
    slapd = directory(args.flavour, workdir=args.workdir, **options)
    try:
        info = slapd.start()
        text = json.dumps(info, sort_keys=True)
        if args.info_file:
            fd = os.open(args.info_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text + "\n")
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        stop_requested.wait()
    finally:
        slapd.stop()
        if args.info_file and os.path.exists(args.info_file):
            os.unlink(args.info_file)


if __name__ == "__main__":
    main()
