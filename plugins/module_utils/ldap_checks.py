# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check engine of ``ldap_check``: each check is one item ``{name, status, detail, elapsed_ms}``.

Statuses: ``ok``; ``warn`` (works, but risky or probably not what was meant); ``fail`` (Rocket.Chat
will not do what the settings suggest). The checks follow the order a login or a sync goes through,
and stop where nothing further can be learned (no bind, no search).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ssl
import time

from ansible_collections.chatops.rocketchat.plugins.module_utils.directory import (
    USER_PLACEHOLDERS, DirectoryConnection, DirectoryError, DirectorySettings, Endpoint, MembershipSpec,
    SizeLimitExceeded, find_users, group_filter_items, group_filter_template, ldap_username, map_user, membership,
    passes_group_filter, placeholders, resolve_host, split_list, substitute, tcp_probe, team_names,
    user_search_filter, wrap_filter,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils.mapping import (
    CHANNELS, ROLES, TEAMS, MappingError, check_filter, check_roles, parse_stored_map,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils.reconcile import FilterSyntaxError, validate_filter

OK, WARN, FAIL = 'ok', 'warn', 'fail'
STATUS_ORDER = (OK, WARN, FAIL)
CERT_EXPIRY_WARN_DAYS = 14
# How many entries a count may page through before it stops (a count, not an export).
COUNT_PAGE_SIZE = 500
# OpenLDAP's default sizelimit: unpaged searches past it end early on a default slapd.
SMALLEST_UNPAGED_CAP = 500
# Sample values used to check that a filter is still well-formed once the server substituted it.
_SAMPLE_USER = 'sample.user'
_SAMPLE_DN = 'uid=sample.user,ou=people,dc=example,dc=org'


class Report:
    """Collects the check items; ``run`` times one check."""

    def __init__(self):
        self.items = []

    def add(self, name, status, detail, elapsed_ms=0):
        self.items.append({'name': name, 'status': status, 'detail': detail, 'elapsed_ms': elapsed_ms})
        return status

    def run(self, name, check, *args):
        """Call ``check(*args) -> (status, detail[, value])``; a DirectoryError becomes a fail item.

        Returns ``(status, value)``.
        """
        started = time.time()
        value = None
        try:
            outcome = check(*args)
            status, detail = outcome[0], outcome[1]
            value = outcome[2] if len(outcome) > 2 else None
        except DirectoryError as exc:
            status, detail = FAIL, exc.message
        self.add(name, status, detail, int(round((time.time() - started) * 1000)))
        return status, value

    def summary(self):
        counts = dict((status, 0) for status in STATUS_ORDER)
        for item in self.items:
            counts[item['status']] += 1
        return counts

    def worst(self):
        statuses = [item['status'] for item in self.items]
        for status in reversed(STATUS_ORDER):
            if status in statuses:
                return status
        return OK


def should_fail(report, fail_on):
    """``fail_on``: fail (default) | warn | never."""
    if fail_on == 'never':
        return False
    worst = report.worst()
    return worst == FAIL or (fail_on == 'warn' and worst == WARN)


# --------------------------------------------------------------------------------------------
# Static checks (no directory needed): filters, placeholders, maps
# --------------------------------------------------------------------------------------------

def _filter_problem(text, allowed, **sample):
    """A syntax or placeholder problem of a filter template, or None."""
    unknown = sorted(set(name for name in placeholders(text) if name not in allowed))
    if unknown:
        return 'unknown placeholder(s) %s: the server replaces only %s and sends the rest as written' % (
            ', '.join('#{%s}' % name for name in unknown),
            ', '.join('#{%s}' % name for name in allowed) if allowed else 'none here')
    try:
        validate_filter(substitute(text, **sample))
    except FilterSyntaxError as exc:
        return 'not a valid LDAP filter: %s (filter: %s)' % (exc, text)
    return None


def check_user_filter(settings):
    text = settings.text('LDAP_User_Search_Filter')
    problem = _filter_problem(wrap_filter(text), ())
    if problem:
        return FAIL, 'LDAP_User_Search_Filter is %s' % problem
    search = user_search_filter(settings, '*')
    try:
        validate_filter(search)
    except FilterSyntaxError as exc:
        return FAIL, 'the user search %s is not valid: %s (check the search field)' % (search, exc)
    detail = 'the server searches users with %s' % search
    if not text.startswith('('):
        detail += ' (the filter was wrapped in parentheses, as the server does)'
    return OK, detail


def check_group_filter(settings):
    template = group_filter_template(settings)
    if template is None:
        return OK, 'the group filter is off: every user the search finds may log in'
    problem = _filter_problem(template, USER_PLACEHOLDERS, username=_SAMPLE_USER, userdn=_SAMPLE_DN)
    if problem:
        return FAIL, 'the group filter %s' % problem
    if not any(name in placeholders(template) for name in USER_PLACEHOLDERS):
        return WARN, ('the group filter %s names no user (#{username} or #{userdn} in the member format): '
                      'it either admits every user or nobody' % template)
    return OK, 'login and sync require a match of %s' % template


def parse_map(settings, kind):
    """(map or None, problem or None) for a JSON group map setting, read as the server reads it."""
    try:
        stored = parse_stored_map(settings.get(kind.map_setting), kind)
    except MappingError as exc:
        return None, '%s: the server maps nothing' % exc
    if stored.problems:
        return None, '%s: %s' % (kind.map_setting, '; '.join(stored.problems))
    return stored.groups, None


def check_membership_config(settings, spec, roles=None):
    """Static checks of a role or channel mapping: map JSON, base DN, filter, placeholders, over-grant."""
    kind = ROLES if spec.kind == 'roles' else CHANNELS
    mapping, problem = parse_map(settings, kind)
    if problem:
        return FAIL, problem, None
    if not mapping:
        return WARN, '%s is on but %s is empty: nothing will be granted' % (spec.enabled_id, spec.map_id), mapping
    if not spec.base_dn:
        return FAIL, ('%s is empty: the server has no fallback, logs "Please setup LDAP Group Filter and '
                      'LDAP Group BaseDN" and treats every user as in no group' % spec.base_dn_id), mapping
    problems = check_filter(spec.filter, spec.filter_id, group_count=len(mapping), strategy=spec.strategy)
    if problems:
        return FAIL, '; '.join(problems), mapping
    if roles is not None and kind is ROLES:
        unknown, _notes = check_roles(mapping, roles)
        if unknown:
            return FAIL, ('%s names roles the server does not have, which it drops silently: %s' % (
                spec.map_id, ', '.join('%s (group %s)' % (role, group) for group, role in unknown))), mapping
    return OK, '%d group(s) mapped, strategy %s, filter %s under %s' % (
        len(mapping), spec.strategy, spec.filter, spec.base_dn), mapping


def check_teams_config(settings):
    mapping, problem = parse_map(settings, TEAMS)
    if problem:
        return FAIL, problem, None
    if not mapping:
        return WARN, 'LDAP_Enable_LDAP_Groups_To_RC_Teams is on but the teams map is empty', mapping
    query = settings.text('LDAP_Query_To_Get_User_Teams')
    problems = check_filter(query, 'LDAP_Query_To_Get_User_Teams', allow_group=False)
    if problems:
        return FAIL, '; '.join(problems), mapping
    if not split_list(settings.text('LDAP_Teams_Name_Field')):
        return FAIL, 'LDAP_Teams_Name_Field is empty: no team name can be read', mapping
    return OK, '%d group(s) mapped to teams, query %s' % (len(mapping), query), mapping


# --------------------------------------------------------------------------------------------
# Directory checks
# --------------------------------------------------------------------------------------------

def check_dns(endpoint):
    if not endpoint.host:
        return FAIL, 'LDAP_Host is empty'
    addresses = resolve_host(endpoint.host, endpoint.port)
    return OK, '%s resolves to %s' % (endpoint.host, ', '.join(addresses))


def check_tcp(endpoint):
    tcp_probe(endpoint.host, endpoint.port, max(endpoint.connect_timeout, 1.0))
    return OK, '%s:%d accepts TCP connections' % (endpoint.host, endpoint.port)


def _plain_warning(settings):
    if settings.get('LDAP_Authentication') and settings.text('LDAP_Authentication_Password'):
        return 'the service bind password crosses the network in plain text'
    return None


def check_encryption(settings, conn):
    """TLS as LDAP_Encryption demands; the connection is already open (the handshake happened)."""
    endpoint = conn.endpoint
    if not endpoint.uses_tls:
        warning = _plain_warning(settings)
        detail = 'plain LDAP: user passwords on login%s cross the network in plain text' % (
            ' and the service bind password' if warning else '')
        return WARN, detail + '; use LDAP_Encryption tls (StartTLS) or ssl (LDAPS)'
    session = conn.tls.session or {}
    mode = 'StartTLS' if endpoint.encryption == 'tls' else 'LDAPS'
    detail = '%s with %s (%s)' % (mode, session.get('protocol'), session.get('cipher'))
    if not endpoint.verify:
        return WARN, detail + ('; certificate checks are off (LDAP_Reject_Unauthorized false): chain, host name '
                               'and expiry are not verified, so anyone in between can read the passwords')
    detail += '; certificate valid for %s, signed by %s' % (
        endpoint.host, 'the configured CA' if endpoint.ca_pem else 'a system CA')
    not_after = session.get('not_after')
    if not_after:
        days = int((ssl.cert_time_to_seconds(not_after) - time.time()) // 86400)
        detail += ', expires %s (in %d days)' % (not_after, days)
        if days < CERT_EXPIRY_WARN_DAYS:
            return WARN, detail + ': renew it soon'
    return OK, detail


def check_bind(settings, conn):
    if not settings.get('LDAP_Authentication'):
        conn.bind()
        return OK, 'anonymous (LDAP_Authentication is off): searches run without a service account'
    if not settings.text('LDAP_Authentication_UserDN'):
        return FAIL, 'LDAP_Authentication is on but LDAP_Authentication_UserDN is empty'
    conn.bind()
    return OK, 'bound as %s' % settings.text('LDAP_Authentication_UserDN')


def check_base_dn(conn, setting_id, base_dn, fallback_note=''):
    if not base_dn:
        return FAIL, '%s is empty%s' % (setting_id, fallback_note)
    if not conn.exists(base_dn):
        return FAIL, '%s %r does not exist (or the service account cannot read it)' % (setting_id, base_dn)
    return OK, '%s exists' % base_dn


def _member_key(value):
    return value.strip().lower()


def check_user_count(settings, conn):
    """How many users a sync would import: the user search with * , then the group filter."""
    search = user_search_filter(settings, '*')
    page = settings.number('LDAP_Search_Page_Size')
    entries = conn.search(settings.text('LDAP_BaseDN'), search, scope=settings.scope,
                          attributes=_username_attributes(settings),
                          page_size=page if page > 0 else COUNT_PAGE_SIZE)
    total = len(entries)
    detail = '%d entr%s match %s' % (total, 'y' if total == 1 else 'ies', search)
    passing = total
    template = group_filter_template(settings)
    if template is not None and total:
        passing = _count_group_filter(settings, conn, entries)
        detail += '; %d of them pass the group filter' % passing
    status = OK
    limit = settings.number('LDAP_Search_Size_Limit')
    notes = []
    if limit > 0 and total > limit:
        # The server's search of all users carries this size limit; the directory answers
        # sizeLimitExceeded, which the server treats as a failed search.
        status = FAIL if settings.get('LDAP_Background_Sync') else WARN
        notes.append('more than LDAP_Search_Size_Limit (%d): the server\'s search of all users ends with '
                     'sizeLimitExceeded, so a sync stops without importing anyone; raise the limit' % limit)
    if page <= 0 and total > SMALLEST_UNPAGED_CAP:
        status = WARN
        notes.append('LDAP_Search_Page_Size is 0 (no paging): directories usually cap unpaged searches '
                     '(OpenLDAP at 500, AD at 1000)')
    if passing == 0:
        status = WARN
        notes.append('a sync would import nobody')
    if notes:
        detail += ': ' + '; '.join(notes)
    return status, detail, {'matching': total, 'importable': passing}


def _username_attributes(settings):
    """The attributes the user search and the username mapping read (not the whole entries)."""
    spec = settings.conditional('LDAP_Username_Field')
    names = placeholders(spec) if '#{' in spec else split_list(spec)
    return sorted(set(names + settings.search_fields)) or ['1.1']


def _count_group_filter(settings, conn, entries):
    """Users passing the group filter, in a constant number of searches when the filter allows it.

    The filter is (&(objectclass=C)(<member attr>=<member format>)(<id attr>=<name>)): the groups it
    selects are searched once with their member values, then each user's member value is looked up.
    """
    member_attribute = settings.text('LDAP_Group_Filter_Group_Member_Attribute')
    member_format = settings.text('LDAP_Group_Filter_Group_Member_Format')
    if not member_attribute or not any(name in member_format for name in ('#{username}', '#{userdn}')):
        return sum(1 for entry in entries
                   if passes_group_filter(conn, settings, ldap_username(entry, settings) or '', entry.dn))
    parts = group_filter_items(settings, member=False)
    groups_filter = '(&%s)' % ''.join(parts) if parts else '(objectclass=*)'
    members = set()
    for group in conn.search(settings.text('LDAP_BaseDN'), groups_filter, scope='sub', attributes=[member_attribute]):
        members.update(_member_key(value) for value in group.texts(member_attribute))
    # A sync puts the entry's LDAP username (before the slug) into #{username}.
    return sum(1 for entry in entries
               if _member_key(member_format.replace('#{username}', ldap_username(entry, settings) or '')
                              .replace('#{userdn}', entry.dn)) in members)


# --------------------------------------------------------------------------------------------
# Per-user preview
# --------------------------------------------------------------------------------------------

def preview_user(report, settings, conn, user, specs, teams_map):
    """Check one user the way login and sync treat them; returns the preview dict."""
    login = user['username']
    prefix = 'user %s: ' % login
    preview = {'username': login, 'found': False}
    status, entries = report.run(prefix + 'search', _check_search, settings, conn, login)
    if status == FAIL or not entries:
        return preview
    entry = entries[0]
    mapped = map_user(entry, settings, login_name=login)
    preview.update(found=True, dn=entry.dn, rocketchat=dict(
        (key, mapped[key]) for key in ('username', 'email', 'name', 'unique_id', 'unique_id_attribute')))
    report.run(prefix + 'mapping', _check_mapping, settings, mapped)
    status, verdict = report.run(prefix + 'group filter', _check_user_group_filter, settings, conn, login, entry.dn)
    preview['group_filter'] = verdict
    report.run(prefix + 'state', _check_state, settings, mapped)
    grants_for = mapped['username'] or login
    for spec, mapping in specs:
        status, granted = report.run(prefix + spec.kind, _check_grants, conn, spec, mapping, grants_for, entry.dn,
                                     settings)
        preview[spec.kind] = granted
    if teams_map is not None:
        status, teams = report.run(prefix + 'teams', _check_teams, conn, settings, teams_map, grants_for, entry.dn)
        preview['teams'] = teams
    if user.get('password'):
        status, bound = report.run(prefix + 'bind', _check_user_bind, settings, entry.dn, user['password'], verdict)
        preview['login'] = bound
    return preview


def _check_search(settings, conn, login):
    entries = find_users(conn, settings, login, attributes=['*', '+'])
    search = user_search_filter(settings, login)
    if not entries:
        return FAIL, 'no entry matches %s under %s: the user cannot log in and is not synced' % (
            search, settings.text('LDAP_BaseDN')), entries
    if len(entries) > 1:
        return FAIL, ('%d entries match %s (%s): the server needs exactly one and refuses the login' % (
            len(entries), search, '; '.join(entry.dn for entry in entries[:5]))), []
    return OK, 'exactly one entry: %s' % entries[0].dn, entries


def _check_mapping(settings, mapped):
    if not mapped['email']:
        return FAIL, ('no e-mail: none of %s holds an address with "@", no LDAP_Default_Domain is set and there '
                      'is no mail attribute; the server rejects this user ("Failed to get email address from LDAP '
                      'user")' % (settings.conditional('LDAP_Email_Field') or 'the e-mail fields'))
    detail = 'becomes username %r, e-mail %r%s, name %r, unique id %s=%s' % (
        mapped['username'], mapped['email'],
        ' (from LDAP_Default_Domain)' if mapped['email_source'] == 'default domain' else '',
        mapped['name'], mapped['unique_id_attribute'], mapped['unique_id'])
    if not mapped['username']:
        return FAIL, detail + ': the username is empty'
    return OK, detail


def _check_user_group_filter(settings, conn, login, userdn):
    verdict = passes_group_filter(conn, settings, login, userdn)
    if verdict is None:
        return OK, 'the group filter is off', None
    if not verdict:
        return FAIL, ('the group filter finds no group for this user: login falls back to a local login (and '
                      'fails), and a sync does not import the user'), False
    return OK, 'the group filter admits this user', True


def _check_state(settings, mapped):
    reason = mapped['disabled']
    if not reason:
        return OK, 'enabled in the directory'
    policy = settings.text('LDAP_Sync_User_Active_State') or 'disable'
    effect = {
        'none': 'LDAP_Sync_User_Active_State is none, so Rocket.Chat keeps the user active',
        'disable': 'a sync deactivates the Rocket.Chat user and auto-logout ends the sessions',
        'both': 'a sync deactivates the Rocket.Chat user (and re-activates it once enabled again)',
    }.get(policy, 'LDAP_Sync_User_Active_State is %r' % policy)
    return WARN, 'disabled in the directory (%s): %s' % (reason, effect)


def _check_grants(conn, spec, mapping, username, userdn, settings):
    groups = membership(conn, spec, list(mapping), username, userdn,
                        size_limit=settings.number('LDAP_Search_Size_Limit'),
                        page_size=max(settings.number('LDAP_Search_Page_Size'), 0))
    granted = sorted(set(value.split('.', 1)[0] if spec.kind == 'roles' else value
                         for group in groups for value in mapping[group]))
    if not groups:
        return OK, 'in none of the %d mapped groups: no %s granted' % (len(mapping), spec.kind), granted
    return OK, 'member of %s: gets %s' % (', '.join(groups), ', '.join(granted)), granted


def _check_teams(conn, settings, teams_map, username, userdn):
    names = team_names(conn, settings, userdn, username)
    groups = [name for name in teams_map if name in names]
    teams = sorted(set(team for group in groups for team in teams_map[group]))
    if not teams:
        return OK, 'no mapped team group found for this user', teams
    return OK, 'groups %s: joins teams %s' % (', '.join(groups), ', '.join(teams)), teams


def _check_user_bind(settings, userdn, password, group_verdict):
    with DirectoryConnection(settings, bind_dn=userdn, password=password) as conn:
        try:
            conn.bind()
        except DirectoryError as exc:
            return FAIL, ('the user\'s own bind failed (%s): the LDAP login fails and falls back to a local login'
                          % exc.message), False
    if group_verdict is False:
        return FAIL, 'the password is right, but the group filter rejects the user: the login fails', False
    return OK, 'the user\'s own bind succeeded: the LDAP login works', True


# --------------------------------------------------------------------------------------------
# The whole run
# --------------------------------------------------------------------------------------------

def run_checks(values, users=(), roles=None, notes=()):
    """Run every check for the settings ``values`` ({setting id: value}).

    ``users``: [{username, password?}]; ``roles``: the server's roles (roles.list items) when known
    (mapped roles are then checked). Returns ``(report, result)``; ``result`` holds ``users`` (the
    previews) and ``import_count``. ``notes``: ``(name, status, detail)`` items the caller found first.
    """
    settings = DirectorySettings(values)
    report = Report()
    for name, status, detail in notes:
        report.add(name, status, detail)
    result = {'users': [], 'import_count': None}
    if not settings.get('LDAP_Enable'):
        report.add('enabled', WARN, 'LDAP_Enable is off: Rocket.Chat does not use these settings yet')
    report.run('filter: user search', check_user_filter, settings)
    report.run('filter: group filter', check_group_filter, settings)
    specs = []
    for kind in ('roles', 'channels'):
        spec = MembershipSpec(settings, kind)
        if spec.enabled:
            status, mapping = report.run('%s mapping' % kind, check_membership_config, settings, spec,
                                         roles if kind == 'roles' else None)
            if mapping and status != FAIL:
                specs.append((spec, mapping))
    teams_map = None
    if settings.get('LDAP_Enable_LDAP_Groups_To_RC_Teams'):
        status, mapping = report.run('teams mapping', check_teams_config, settings)
        teams_map = mapping if mapping and status != FAIL else None

    endpoint = Endpoint(settings)
    if report.run('dns', check_dns, endpoint)[0] == FAIL:
        return report, result
    if report.run('tcp', check_tcp, endpoint)[0] == FAIL:
        return report, result
    conn = DirectoryConnection(settings, bind_dn=settings.text('LDAP_Authentication_UserDN') or None,
                               password=settings.text('LDAP_Authentication_Password') or None)
    if not settings.get('LDAP_Authentication'):
        conn.bind_dn = conn.password = None
    started = time.time()
    try:
        conn.open()
    except DirectoryError as exc:
        report.add('encryption', FAIL, exc.message, int(round((time.time() - started) * 1000)))
        return report, result
    try:
        report.add('encryption', *check_encryption(settings, conn),
                   elapsed_ms=int(round((time.time() - started) * 1000)))
        if report.run('bind', check_bind, settings, conn)[0] == FAIL:
            return report, result
        base_ok = report.run('base DN: users', check_base_dn, conn, 'LDAP_BaseDN',
                             settings.text('LDAP_BaseDN'))[0] != FAIL
        for spec, mapping in list(specs):
            if report.run('base DN: %s' % spec.kind, check_base_dn, conn, spec.base_dn_id, spec.base_dn)[0] == FAIL:
                specs.remove((spec, mapping))
        if teams_map is not None:
            teams_base = settings.text('LDAP_Teams_BaseDN') or settings.text('LDAP_BaseDN')
            if report.run('base DN: teams', check_base_dn, conn, 'LDAP_Teams_BaseDN (or LDAP_BaseDN)',
                          teams_base)[0] == FAIL:
                teams_map = None  # like roles and channels: no per-user grants from a base DN that failed
        if not base_ok:
            return report, result
        status, counts = report.run('users to import', _guard_size_limit(check_user_count), settings, conn)
        result['import_count'] = counts
        for user in users:
            result['users'].append(preview_user(report, settings, conn, user, specs, teams_map))
    finally:
        conn.close()
    return report, result


def _guard_size_limit(check):
    def guarded(settings, conn):
        try:
            return check(settings, conn)
        except SizeLimitExceeded as exc:
            return WARN, ('the directory stopped the count at %d entries (its own size limit for this account)'
                          % len(exc.entries)), {'matching': len(exc.entries), 'importable': None}
    return guarded


def describe(report):
    """One line for ``msg``: the failed (or warned) checks."""
    summary = report.summary()
    bad = [item for item in report.items if item['status'] == FAIL] or \
          [item for item in report.items if item['status'] == WARN]
    text = '%d ok, %d warn, %d fail' % (summary[OK], summary[WARN], summary[FAIL])
    if bad:
        text += ': ' + '; '.join('%s: %s' % (item['name'], item['detail']) for item in bad[:5])
    return text
