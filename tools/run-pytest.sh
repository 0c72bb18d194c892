#!/usr/bin/env bash
# Run one pytest suite with one venv, for `make test`.
# Usage: tools/run-pytest.sh LABEL VENV DIR [PYTEST_ARGS...]   (DIR may also be one test file)
# A missing DIR is skipped (and says so). pytest's "no tests collected" (exit 5) fails when DIR
# holds test files, since then a broken collection would otherwise pass unnoticed.
set -euo pipefail

label="${1:?usage: $0 LABEL VENV DIR [PYTEST_ARGS...]}"
venv="${2:?}"
dir="${3:?}"
shift 3
root="$(cd "$(dirname "$0")/.." && pwd)"

if [[ ! -e "$dir" ]]; then
    echo "skipped: no $dir"
    exit 0
fi
has_test_files=$(find "$dir" -name 'test_*.py' -o -name '*_test.py' | head -n 1)

python="$root/$venv/bin/python"
echo "==> $label: pytest $dir ($("$python" -c 'import sys, ansible; print("Python %d.%d" % sys.version_info[:2], "ansible-core", ansible.__version__)'))"
mkdir -p "$root/build/reports"
status=0
# The collection is importable as ansible_collections.chatops.rocketchat from build/collections
# (make collection-tree); modules that playbooks run use this venv's Python (pyenv shims on PATH
# break Ansible's interpreter discovery).
env PYTHONPATH="$root/build/collections:$root${PYTHONPATH:+:$PYTHONPATH}" \
    ANSIBLE_COLLECTIONS_PATH="$root/build/collections" \
    ANSIBLE_PYTHON_INTERPRETER="$python" \
    PATH="$root/$venv/bin:$PATH" \
    "$python" -m pytest "$dir" --junitxml="$root/build/reports/$label.xml" "$@" || status=$?

if [[ $status -eq 5 ]]; then
    if [[ -n "$has_test_files" ]]; then
        echo "error: $dir has test files but pytest collected no tests" >&2
        exit 1
    fi
    echo "skipped: no tests in $dir"
    rm -f "$root/build/reports/$label.xml"
    exit 0
fi
exit $status
