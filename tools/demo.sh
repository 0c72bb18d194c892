#!/usr/bin/env bash
# The demo `make demo` runs: the GitOps workflow of chatops.rocketchat from nothing, against two
# sandboxed Rocket.Chat workspaces (staging and prod) and a real OpenLDAP server (slapd).
#
# Run it through `make demo` (which builds .venv and the collection tree first), or directly from
# the repository root once they exist. Everything it starts is stopped when it ends, also on
# Ctrl-C or an error. Work files (logs, the report) go to build/demo/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
PLAYBOOK="$ROOT/.venv/bin/ansible-playbook"
INVENTORY="$ROOT/playbooks/inventories/demo"
WORK="$ROOT/build/demo"
REPORT="$WORK/rocketchat-ldap-report.md"
# Staging runs slapd and a Rocket.Chat sandbox in .sandbox (as `make sandbox` does); prod is a
# second Rocket.Chat sandbox in .sandbox/prod that uses staging's slapd.
STAGING_STATE="$ROOT/.sandbox"
PROD_STATE="$ROOT/.sandbox/prod"
STARTED_STAGING=0 STARTED_PROD=0

export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$ROOT/build/collections}"
export ANSIBLE_PYTHON_INTERPRETER="${ANSIBLE_PYTHON_INTERPRETER:-$PY}"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PIPELINING=1
# Only what changed or failed, and the recap: the demo's output stays short.
export ANSIBLE_DISPLAY_OK_HOSTS=0 ANSIBLE_DISPLAY_SKIPPED_HOSTS=0

# Bold step titles on a terminal only: a CI log or a file gets plain text.
bold='' plain=''
if [[ -t 1 ]]; then bold=$(tput bold 2>/dev/null || true) plain=$(tput sgr0 2>/dev/null || true); fi
STEP=0
START=$SECONDS
step() { STEP=$((STEP + 1)); printf '\n%s== %d. %s ==%s\n' "$bold" "$STEP" "$1" "$plain"; }
say() { printf '   %s\n' "$@"; }
elapsed() { printf '   (%d s)\n' $((SECONDS - $1)); }

stop_everything() {
    local status=$?
    trap - EXIT INT TERM
    printf '\n%s== Stopping the sandbox ==%s\n' "$bold" "$plain"
    # prod borrows staging's slapd: stop it first. Only what this demo started is stopped.
    if [[ $STARTED_PROD == 1 ]]; then "$PY" -m tests.sandbox stop --state-dir "$PROD_STATE" >/dev/null 2>&1 || true; fi
    if [[ $STARTED_STAGING == 1 ]]; then "$PY" -m tests.sandbox stop --state-dir "$STAGING_STATE" >/dev/null 2>&1 || true; fi
    say "stopped: both workspaces and slapd"
    if [[ $status -eq 0 ]]; then
        say "demo finished in $((SECONDS - START)) s; the report stays in ${REPORT#"$ROOT"/}"
    else
        say "the demo failed (exit $status); logs are in ${WORK#"$ROOT"/}/"
    fi
    exit $status
}

# playbook NAME LOG [args...]: run chatops.rocketchat.NAME against the demo inventory; its output
# goes to build/demo/LOG.log and only the changed/failed tasks and the recap are shown.
playbook() {
    local name=$1 log="$WORK/$2.log"; shift 2
    local status=0
    "$PLAYBOOK" -i "$INVENTORY" "chatops.rocketchat.$name" -e "ldap_report_path=$REPORT" "$@" >"$log" 2>&1 || status=$?
    local diff_lines='^this-matches-nothing$'  # DIFF=1: also the changed settings' before/after lines (masked)
    if [[ "${DIFF:-0}" == 1 ]]; then diff_lines='^[-+] '; fi
    grep -E "^(changed|fatal|failed):|^TASK \\[|^PLAY RECAP|^(staging|prod) +:|\"msg\":|$diff_lines" "$log" \
        | grep -v -E 'Collect this workspace|Write the report' \
        | awk '/^TASK \[/ {task=$0; next} {if (task) {print "   " task; task=""} print "   " $0}'
    return $status
}

# The summary table at the top of the Markdown report.
report_table() { sed -n '/^| Workspace/,/^$/p' "$REPORT" | sed 's/^/   /'; }

# users URL: the workspace's LDAP users with their roles (REST API, as an administrator). Rocket.Chat's
# users.list lists username and roles but not whether a user comes from LDAP (no `ldap`, no `services`):
# users.info tells that, one request per user.
users() {
    "$PY" - "$1" "$ADMIN_USER_ID" "$ADMIN_TOKEN" <<'EOF'
import sys, requests
url, user_id, token = sys.argv[1:]
session = requests.Session()
session.headers.update({"X-User-Id": user_id, "X-Auth-Token": token})
listed = session.get(url + "/api/v1/users.list", params={"count": 0}, timeout=30).json()["users"]
ldap_users = []
for user in sorted(listed, key=lambda u: u["username"]):
    info = session.get(url + "/api/v1/users.info", params={"userId": user["_id"]}, timeout=30).json()["user"]
    if info.get("ldap"):
        ldap_users.append(dict(user, roles=info.get("roles", user.get("roles", []))))
special = [u for u in ldap_users if set(u.get("roles", [])) != {"user"}]
for u in special:
    print("   %-8s %s" % (u["username"], ", ".join(sorted(u["roles"]))))
names = sorted(u["username"] for u in ldap_users)
print("   ... and %d more LDAP users with the role user (%d in all)" % (len(ldap_users) - len(special), len(names)))
for name in ("victor", "walter"):
    print("   %s: %s" % (name, "present" if name in names else "not imported"))
EOF
}

mkdir -p "$WORK"
rm -f "$REPORT"
trap stop_everything EXIT
trap 'exit 130' INT TERM

printf '%sRocket.Chat LDAP as code: the chatops.rocketchat demo%s\n' "$bold" "$plain"
say "Two Rocket.Chat workspaces, staging and prod, get their LDAP configuration from one Git" \
    "inventory (playbooks/inventories/demo). Rocket.Chat is a sandbox that speaks its REST API;" \
    "the directory is a real OpenLDAP server with 32 sample people."

step "Start a real OpenLDAP server and two Rocket.Chat workspaces"
t=$SECONDS
if [[ -e "$STAGING_STATE/env.json" || -e "$PROD_STATE/env.json" ]]; then
    say "a sandbox is already running (or left its state in .sandbox): \`make sandbox-stop\` stops it" >&2
    exit 1
fi
# SANDBOX_ARGS (for example --version 8.5.0 --license none) apply to both workspaces.
STARTED_STAGING=1
if ! "$PY" -m tests.sandbox start --state-dir "$STAGING_STATE" ${SANDBOX_ARGS:-} >"$WORK/sandbox.log" 2>&1; then
    cat "$WORK/sandbox.log" >&2
    say "could not start the staging sandbox (log above)"
    exit 1
fi
STARTED_PROD=1
if ! "$PY" -m tests.sandbox start --state-dir "$PROD_STATE" --ldap-from "$STAGING_STATE/env.json" \
        ${SANDBOX_ARGS:-} >>"$WORK/sandbox.log" 2>&1; then
    cat "$WORK/sandbox.log" >&2
    say "could not start the prod sandbox (log above)"
    exit 1
fi
eval "$("$PY" - "$STAGING_STATE/env.json" "$PROD_STATE/env.json" <<'EOF'
import json, shlex, sys
env = json.load(open(sys.argv[1]))
prod = json.load(open(sys.argv[2]))
values = {"DEMO_STAGING_URL": env["rocketchat_url"], "DEMO_PROD_URL": prod["rocketchat_url"],
          "DEMO_ADMIN_PASSWORD": env["admin_password"], "DEMO_LDAP_PORT": env["port"],
          "DEMO_LDAP_BIND_PASSWORD": env["ldap_bind_password"],
          "ADMIN_USER_ID": env["admin_user_id"], "ADMIN_TOKEN": env["admin_token"],
          "PROD_ADMIN_USER_ID": prod["admin_user_id"], "PROD_ADMIN_TOKEN": prod["admin_token"]}
for key, value in values.items():
    print("export %s=%s" % (key, shlex.quote(str(value))))
EOF
)"
say "slapd:   ldap://localhost:$DEMO_LDAP_PORT (dc=example,dc=org)" \
    "staging: $DEMO_STAGING_URL" "prod:    $DEMO_PROD_URL"
elapsed $t

# The demo keeps the sync for its own step (by default configure syncs after a change).
NO_SYNC=(-e ldap_sync_mode=never)

step "Configure both workspaces from the inventory (chatops.rocketchat.configure)"
say "Proves: one playbook sets the LDAP settings and the group-to-role map and runs the server's" \
    "own tests, on each workspace with its own settings (prod only admits members of the" \
    "ROCKET_CHAT group). The report lists every changed setting, secrets masked."
t=$SECONDS
playbook configure 1-configure "${NO_SYNC[@]}"
echo
report_table
elapsed $t

step "Run it again: nothing changes"
say "Proves: the run is idempotent (changed=0, no write request, no sync)."
t=$SECONDS
playbook configure 2-configure-again "${NO_SYNC[@]}"
elapsed $t

step "Someone changes prod by hand, behind Ansible's back"
say "An administrator turns prod's group filter off in the admin UI (here: a REST call with curl)," \
    "so every directory user could now log in to prod."
curl -sS -o /dev/null -w '   POST /api/v1/settings/LDAP_Group_Filter_Enable -> HTTP %{http_code}\n' \
    -X POST "$DEMO_PROD_URL/api/v1/settings/LDAP_Group_Filter_Enable" \
    -H "X-User-Id: $PROD_ADMIN_USER_ID" -H "X-Auth-Token: $PROD_ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -d '{"value": false}'

step "The scheduled drift check catches it (chatops.rocketchat.drift)"
say "Proves: check mode with diff compares each workspace with Git without writing anything, and" \
    "fails (as a CI job would) naming what drifted; staging is still fine."
t=$SECONDS
if DIFF=1 playbook drift 4-drift; then
    say "drift was NOT detected: the demo expected it to be" >&2
    exit 1
fi
say "-> the drift job failed, as it should."
echo
report_table
elapsed $t

step "Put prod back and sync the users (configure, then chatops.rocketchat.sync)"
say "Proves: applying Git again repairs the drift; Sync Now imports the directory's users, and the" \
    "group-to-role map gives them their roles."
t=$SECONDS
playbook configure 5-repair "${NO_SYNC[@]}"
playbook sync 5-sync
echo
report_table
elapsed $t
say "" "Users in staging (LDAP users, roles from the group map):"
users "$DEMO_STAGING_URL"
ADMIN_USER_ID=$PROD_ADMIN_USER_ID ADMIN_TOKEN=$PROD_ADMIN_TOKEN
say "" "Users in prod (support staff are livechat agents; the group filter keeps victor and walter out):"
users "$DEMO_PROD_URL"

step "The report (what a pipeline posts as a merge-request comment)"
say "Every playbook run rewrites ${REPORT#"$ROOT"/}; the sync's report, prod's section:"
echo
sed -n '/^## prod/,$p' "$REPORT" | grep -v '^$' | head -22 | sed 's/^/   /'
say "..."
