#!/usr/bin/env bash
# The support matrix (make test-matrix): for each ansible-core version, its unit tests (unless the
# other steps of make test already run them) and `ansible-test sanity --test compile --test import`
# on every module Python the collection claims (tests/config.yml) that this ansible-core supports
# and that is installed. Two versions run at a time (2 cores); a table sums it up at the end.
# Usage: tools/matrix/run.sh COLLECTION_DIR MODULE_PYTHONS ENTRY...
#   COLLECTION_DIR  the installed collection (.../ansible_collections/chatops/rocketchat)
#   MODULE_PYTHONS  e.g. "3.9 3.10 3.11 3.12 3.13"
#   ENTRY           VERSION:VENV:UNITS (UNITS = yes or no), e.g. 2.18:.venv-matrix-2.18:yes
# Internal: run.sh --one COLLECTION_DIR MODULE_PYTHONS ENTRY
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/build/matrix"

one() {
    local source="$1" pythons="$2" entry="$3"
    local version venv units
    IFS=: read -r version venv units <<< "$entry"
    local python="$root/$venv/bin/python"
    local results="$out/results/$version"
    rm -rf "$results" && mkdir -p "$results"
    local got
    got=$("$python" -c 'import ansible; print(".".join(ansible.__version__.split(".")[:2]))')
    if [[ "$got" != "$version" ]]; then
        echo "FAIL: $venv has ansible-core $got, not $version" | tee "$results/error"
        return 1
    fi
    local status=0
    if [[ "$units" == yes ]]; then
        "$root/tools/run-pytest.sh" "unit-matrix-$version" "$venv" tests/unit -q -p no:cacheprovider \
            && echo "pass $(grep -o -m 1 'tests="[0-9]*"' "$root/build/reports/unit-matrix-$version.xml" | tr -dc 0-9)" > "$results/units" \
            || { echo FAIL > "$results/units"; status=1; }
    else
        echo "in test-unit" > "$results/units"
    fi
    # ansible-test writes into the collection (tests/output): one copy per version.
    local tree="$out/trees/$version/ansible_collections/chatops/rocketchat"
    rm -rf "$out/trees/$version" && mkdir -p "$(dirname "$tree")"
    cp -a "$source" "$tree"
    # The Pythons this ansible-core runs modules on (ansible-test's own list).
    local supported
    supported=$("$python" - <<'PY'
import os, ansible_test
path = os.path.join(os.path.dirname(ansible_test.__file__), "_util", "target", "common", "constants.py")
scope = {}
exec(open(path).read(), scope)
print(" ".join(scope["REMOTE_ONLY_PYTHON_VERSIONS"] + scope["CONTROLLER_PYTHON_VERSIONS"]))
PY
)
    "$python" "$root/tools/get_pip_standin.py" --install
    local py
    for py in $pythons; do
        if [[ " $supported " != *" $py "* ]]; then
            echo "n/a" > "$results/sanity-$py"
            continue
        fi
        echo "==> ansible-core $version: ansible-test sanity compile, import (Python $py)"
        if (cd "$tree" && PATH="$out/pythons:$root/$venv/bin:$PATH" \
                "$root/$venv/bin/ansible-test" sanity --test compile --test import --python "$py" --color no); then
            echo pass > "$results/sanity-$py"
        else
            echo FAIL > "$results/sanity-$py"
            status=1
        fi
    done
    return $status
}

if [[ "${1:-}" == --one ]]; then
    shift
    one "$@"
    exit
fi

source_dir="${1:?usage: $0 COLLECTION_DIR MODULE_PYTHONS ENTRY...}"
pythons="${2:?}"
shift 2
rm -rf "$out/results" "$out/logs" "$out/pythons"
mkdir -p "$out/results" "$out/logs" "$out/pythons"
# ansible-test finds pythonX.Y on PATH; pyenv's shims only answer for the global version, so the
# real interpreters go first. A claimed Python that is not installed fails the matrix.
for py in $pythons; do
    ln -sfn "$("$root/tools/find-python.sh" "$py")" "$out/pythons/python$py"
done

start=$SECONDS
status=0
printf '%s\n' "$@" | xargs -P 2 -I {} bash -c '
    entry="{}"; version="${entry%%:*}"
    if "$0" --one "$1" "$2" "$entry" > "$3/logs/$version.log" 2>&1; then
        echo "ansible-core $version: passed ($3/logs/$version.log)"
    else
        echo "ansible-core $version: FAILED; the end of $3/logs/$version.log:"; tail -n 40 "$3/logs/$version.log"; exit 1
    fi' "$0" "$source_dir" "$pythons" "$out" || status=1

echo
echo "Support matrix ($((SECONDS - start)) s): units, and ansible-test sanity compile+import per module Python"
printf '%-14s %-12s' "ansible-core" "unit tests"
for py in $pythons; do printf ' %-6s' "$py"; done
echo
for entry in "$@"; do
    version="${entry%%:*}"
    r="$out/results/$version"
    printf '%-14s %-12s' "$version" "$(cat "$r/units" 2>/dev/null || echo FAIL)"
    for py in $pythons; do printf ' %-6s' "$(cat "$r/sanity-$py" 2>/dev/null || echo FAIL)"; done
    echo
done
if [[ $status -ne 0 ]]; then
    echo "error: the support matrix FAILED (logs in $out/logs)" >&2
fi
exit $status
