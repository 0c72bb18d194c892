#!/usr/bin/env bash
# Create (or reuse) a virtual environment with Python X.Y and install requirements into it.
# Usage: tools/make-venv.sh DIR X.Y PIP_INSTALL_ARGS...
# The Makefile calls this only when a requirements file is newer than DIR/.stamp.
set -euo pipefail

venv="${1:?usage: $0 DIR X.Y PIP_INSTALL_ARGS...}"
want="${2:?usage: $0 DIR X.Y PIP_INSTALL_ARGS...}"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"

have=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
if [[ "$have" != "$want" ]]; then
    python="$("$here/find-python.sh" "$want")"
    [[ -e "$venv" ]] && echo "$venv: has Python '${have:-broken}', not $want: recreating"
    rm -rf "$venv"
    echo "$venv: creating with $python"
    "$python" -m venv "$venv"
fi

echo "$venv: installing $*"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
"$venv/bin/python" -m pip check
touch "$venv/.stamp"
echo "$venv: ready ($("$venv/bin/python" -c 'import sys, ansible; print("Python %d.%d.%d" % sys.version_info[:3], "ansible-core", ansible.__version__)' 2>/dev/null || echo 'no ansible-core'))"
