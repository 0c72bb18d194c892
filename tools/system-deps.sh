#!/usr/bin/env bash
# Install the Debian packages the tests and the demo need (a real OpenLDAP slapd, and a real
# Active Directory: Samba's AD DC with its provisioning data and the ldb tools), only if missing.
# Extra package names as arguments are installed the same way (make test-docsite: chromium).
set -euo pipefail

packages=(slapd ldap-utils samba-ad-dc samba-ad-provision ldb-tools "$@")
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "error: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
# The packages may try to start a system slapd or samba on port 389; the tests never use them (they
# start their own: slapd on free ports, each Samba DC on its own 127.0.0.x). samba-ad-provision
# (the provisioning data) is only a Recommends of samba-ad-dc, hence named here.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
