"""`make sandbox-stop` stops the instance `make sandbox` started with the same SANDBOX_ARGS (issue 13):
it passes on their --state-dir (either spelling) and ignores the start-only flags."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args, expected", [
    ("--flavour samba-ad --state-dir /tmp/one --version 8.5.0", "stop --state-dir /tmp/one"),
    ("--state-dir=/tmp/two --license none", "stop --state-dir=/tmp/two"),
    ("--flavour ad", "stop"),
])
def test_sandbox_stop_takes_the_state_dir_of_sandbox_args(args, expected):
    run = subprocess.run(["make", "-s", "-n", "sandbox-stop", "SANDBOX_ARGS=" + args], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True)
    command = run.stdout.strip().splitlines()[-1]
    assert command.endswith("-m tests.sandbox " + expected), command
