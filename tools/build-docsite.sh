#!/usr/bin/env bash
# Build the collection's docsite (make docs, make test-docsite): antsibull-docs writes the Sphinx
# sources of every module, every role and the extra docs of docs/docsite/ (extra-docs.yml,
# links.yml, rst/) from the collection on COLLECTIONS_PATH, as the Ansible documentation does;
# Sphinx renders them with tools/docsite/conf.py and tools/docsite/index.rst.
# Usage: tools/build-docsite.sh VENV COLLECTIONS_PATH OUT_DIR [SPHINX_BUILD_OPTIONS...]
# The site is OUT_DIR/html (start page index.html); its sources OUT_DIR/rst.
set -euo pipefail

venv="$(cd "${1:?usage: $0 VENV COLLECTIONS_PATH OUT_DIR [SPHINX_BUILD_OPTIONS...]}" && pwd)"
collections="${2:?}"
out="${3:?}"
shift 3
here="$(cd "$(dirname "$0")" && pwd)"

rm -rf "$out/rst" "$out/html"
mkdir -p "$out/rst"
chmod 755 "$out/rst"   # antsibull-docs refuses a destination others may write to
ANSIBLE_COLLECTIONS_PATH="$collections" ANSIBLE_HOME="$out/ansible-home" PATH="$venv/bin:$PATH" \
    antsibull-docs collection --use-current --fail-on-error --cleanup everything \
    --dest-dir "$out/rst" chatops.rocketchat
cp "$here/docsite/index.rst" "$out/rst/index.rst"
DOCSITE_BUILD_DIR="$out" "$venv/bin/sphinx-build" -b html -q -c "$here/docsite" "$@" "$out/rst" "$out/html"
echo "docsite: $out/html/index.html"
