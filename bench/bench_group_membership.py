"""Benchmark: resolving a user's memberships of many mapped groups (not a test).

Against the generated 10,000-user, 500-group directory (a real slapd from tests/sandbox/ldap),
with all 500 groups mapped to roles, it resolves the groups of some users two ways and prints
both: one paged search per user with the user's part factored out of the OR,
(&<user part>(|(cn=g1)(cn=g2)...)) (what ldap_check does, see directory.GroupBatch), and one
search per mapped group (what the server's each_group strategy does), with LDAP round trips and
wall time. With 500 groups most of the batched search's time is ldap3 compiling and encoding the
filter on the client, not the directory.

    .venv/bin/python bench/bench_group_membership.py [--users 10000 --groups 500 --sample 20]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'build' / 'collections'))  # `make collection-tree`

from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (  # noqa: E402
    DirectorySettings, MembershipSpec, membership, open_service_connection,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import ROLES  # noqa: E402
from tests.sandbox.ldap import Slapd  # noqa: E402
from tests.sandbox.ldap.large import group_number_name, user_uid  # noqa: E402

FILTERS = {
    'posixGroup memberUid': ('posix-', '(&(cn=#{groupName})(memberUid=#{username}))'),
    'groupOfNames member DN': ('group-', '(&(objectClass=groupOfNames)(cn=#{groupName})(member=#{userdn}))'),
}


def measure(conn, spec, groups, users, batch):
    trips = conn.round_trips
    started = time.perf_counter()
    found = [membership(conn, spec, groups, uid, dn, page_size=250, batch=batch) for uid, dn in users]
    return time.perf_counter() - started, conn.round_trips - trips, found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--users', type=int, default=10000)
    parser.add_argument('--groups', type=int, default=500)
    parser.add_argument('--sample', type=int, default=20, help='users whose groups are resolved')
    args = parser.parse_args()
    warnings.simplefilter('ignore', DeprecationWarning)

    started = time.perf_counter()
    with Slapd('large', large_users=args.users, large_groups=args.groups) as directory:
        info = directory.info
        print('slapd with %d users and %d groups of each kind started in %.1f s'
              % (args.users, args.groups, time.perf_counter() - started))
        step = max(args.users // args.sample, 1)
        users = [(user_uid(n), 'uid=%s,%s' % (user_uid(n), info['users_dn']))
                 for n in range(1, args.users + 1, step)][:args.sample]
        for label, (prefix, role_filter) in FILTERS.items():
            groups = ['%s%s' % (prefix, group_number_name(n)) for n in range(1, args.groups + 1)]
            settings = DirectorySettings(dict(
                LDAP_Host=info['host'], LDAP_Port=info['port'], LDAP_Encryption='plain',
                LDAP_Authentication=True, LDAP_Authentication_UserDN=info['ldap_bind_dn'],
                LDAP_Authentication_Password=info['ldap_bind_password'], LDAP_BaseDN=info['ldap_base_dn'],
                LDAP_Sync_User_Data_Roles_BaseDN=info['groups_dn'], LDAP_Sync_User_Data_Roles_Filter=role_filter))
            spec = MembershipSpec(settings, ROLES)
            conn = open_service_connection(settings)
            try:
                batched = measure(conn, spec, groups, users, batch=True)
                per_group = measure(conn, spec, groups, users, batch=False)
            finally:
                conn.close()
            assert batched[2] == per_group[2], 'the two methods disagree'
            memberships = sum(len(found) for found in batched[2])
            print('\n%s, %d mapped groups, %d users (%d memberships found, identical both ways):'
                  % (label, len(groups), len(users), memberships))
            for name, (seconds, trips, _found) in (('one search per user', batched),
                                                   ('one search per group', per_group)):
                print('  %-24s %6d round trips  %8.3f s  (%.1f ms per user)'
                      % (name, trips, seconds, 1000.0 * seconds / len(users)))
            print('  speed-up: %.0fx' % (per_group[0] / batched[0] if batched[0] else float('inf')))


if __name__ == '__main__':
    main()
