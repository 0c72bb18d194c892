#!/usr/bin/env python3
"""Offline stand-in for the pip bootstrap script ansible-test downloads.

ansible-test bootstraps pip into each of its virtual environments with a ``get-pip.py`` that it
downloads from a host this build cannot reach. It first looks for a cached copy at
``~/.ansible/test/cache/get_pip_<version>.py``; this file is placed there instead.

Two modes:
  python tools/get_pip_standin.py --install   copy this file to the cache path that the
                                              installed ansible-test looks for
  python get_pip_<ver>.py [pip options] PKGS  (as ansible-test calls it) ensurepip, then
                                              ``pip install`` the requested packages
"""
import os
import re
import shutil
import subprocess
import sys

MARKER = "chatops.rocketchat offline get-pip stand-in"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# get-pip.py options that ``pip install`` does not know.
GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}


def ansible_test_pip_version():
    """The pip version the installed ansible-test bootstraps (from its source, not importable alone)."""
    import ansible_test

    source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source, encoding="utf-8") as handle:
        match = re.search(r"default_packages\s*=\s*dict\(\s*pip='([0-9.]+)'", handle.read())
    if not match:
        sys.exit("error: cannot find the pip version in %s" % source)
    return match.group(1)


def install():
    version = ansible_test_pip_version()
    target = os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % version.replace(".", "_"))
    if os.path.exists(target):
        with open(target, encoding="utf-8", errors="replace") as handle:
            if MARKER not in handle.read():
                print("kept the real pip bootstrap script already at %s" % target)
                return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(__file__, target)
    print("installed the offline pip bootstrap stand-in at %s" % target)


def bootstrap(arguments):
    env = dict(os.environ)
    # ensurepip points PIP_CONFIG_FILE at /dev/null; the machine's pip configuration (index,
    # certificates) must apply to the real install.
    env.pop("PIP_CONFIG_FILE", None)
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], env=env,
                          stdout=subprocess.DEVNULL)
    command = [sys.executable, "-m", "pip", "install"]
    if os.path.exists(CA_BUNDLE):
        command += ["--cert", CA_BUNDLE]
    command += [arg for arg in arguments if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call(command, env=env)


if __name__ == "__main__":
    if sys.argv[1:] == ["--install"]:
        install()
    else:
        bootstrap(sys.argv[1:])
