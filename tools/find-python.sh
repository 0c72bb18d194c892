#!/usr/bin/env bash
# Print the absolute path of a working Python X.Y interpreter that can create venvs.
# Usage: tools/find-python.sh 3.12
# pyenv shims are on PATH here but only answer for the pyenv "global" version (others exit with
# "command not found"), so every candidate is run and checked, then resolved to the real binary.
set -euo pipefail

want="${1:?usage: $0 X.Y}"
candidates=()
while IFS= read -r found; do candidates+=("$found"); done < <(type -ap "python$want" || true)
# pyenv roots: $PYENV_ROOT, ~/.pyenv, and the parent of any pyenv shims directory on PATH.
pyenv_roots=("${PYENV_ROOT:-$HOME/.pyenv}")
IFS=: read -r -a path_dirs <<< "$PATH"
for dir in "${path_dirs[@]}"; do
    [[ "$dir" == */shims ]] && pyenv_roots+=("${dir%/shims}")
done
for root in "${pyenv_roots[@]}"; do
    for dir in "$root/versions/$want".*; do
        [[ -x "$dir/bin/python$want" ]] && candidates+=("$dir/bin/python$want")
    done
done
for dir in /usr/local/bin /usr/bin; do
    [[ -x "$dir/python$want" ]] && candidates+=("$dir/python$want")
done

for candidate in "${candidates[@]}"; do
    # Must be the wanted version and able to bootstrap pip into a venv (Debian's system Python
    # lacks ensurepip unless python3-venv is installed).
    real=$("$candidate" -c "
import sys, ensurepip, venv
assert '%d.%d' % sys.version_info[:2] == '$want'
print(sys.executable)" 2>/dev/null) || continue
    echo "$real"
    exit 0
done

echo "error: no usable Python $want found (tried: ${candidates[*]:-nothing}); install it, e.g. with pyenv" >&2
exit 1
