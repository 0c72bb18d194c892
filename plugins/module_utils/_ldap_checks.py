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

from collections import OrderedDict

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure, RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import CHANNELS, FAMILIES, ROLES, TEAMS
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    ANY_USER, IN_CHAIN_RULE, DirectoryConnection, DirectoryError, DirectoryLost, DirectorySettings, Endpoint,
    MembershipSpec, SizeLimitExceeded, directory_features, find_users, group_filter_template, map_user,
    matching_rules_in, membership, passes_group_filter, resolve_host, split_list,
    sync_candidates, tcp_probe, team_names, user_search_filter,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_filter import (
    USER_PLACEHOLDERS, FilterSyntaxError, placeholders, template_problems, validate_filter, wrap_filter,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._maps import (
    MAX_NAME_LOOKUPS, MappingError, check_filter, check_roles, desired_settings, normalize_entries, parse_stored_map,
    plan_map, serialize_map, unsafe_in_filter,
)

OK, WARN, FAIL = 'ok', 'warn', 'fail'
STATUS_ORDER = (OK, WARN, FAIL)
CERT_EXPIRY_WARN_DAYS = 14
# OpenLDAP's default sizelimit: unpaged searches past it end early on a default slapd.
SMALLEST_UNPAGED_CAP = 500
# How many users a sync would skip are named in the check's detail, and returned.
SKIPPED_NAMED = 10
SKIPPED_RETURNED = 100


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
        except DirectoryLost:
            raise  # run_checks stops there and says it once
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

def _filter_problem(text, allowed):
    """The problems of a filter template (``template_problems``) as one text naming the filter, or None."""
    problems = template_problems(text, allowed)
    return '%s: %s' % (text, '; '.join(problems)) if problems else None


def check_user_filter(settings):
    text = settings.text('LDAP_User_Search_Filter')
    problem = _filter_problem(wrap_filter(text), ())
    if problem:
        return FAIL, 'LDAP_User_Search_Filter %s' % problem
    search = user_search_filter(settings, ANY_USER)
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
    problem = _filter_problem(template, USER_PLACEHOLDERS)
    if problem:
        return FAIL, 'the group filter %s' % problem
    if not any(name in placeholders(template) for name in USER_PLACEHOLDERS):
        return WARN, ('the group filter %s names no user (#{username} or #{userdn} in the member format): '
                      'it either admits every user or nobody' % template)
    return OK, 'login and sync require a match of %s' % template


def parse_map(settings, family):
    """(map or None, problem or None) for a family's JSON group map setting, read as the server reads it."""
    try:
        stored = parse_stored_map(settings.get(family.map_setting), family)
    except MappingError as exc:
        return None, '%s: the server maps nothing' % exc
    if stored.problems:
        return None, '%s: %s' % (family.map_setting, '; '.join(stored.problems))
    return stored.groups, None


def check_membership_config(settings, spec, roles=None, managed=None):
    """Static checks of a role or channel mapping: map JSON, base DN, filter, placeholders, over-grant.

    ``managed``: the groups the task declares (``role_mapping.mappings``), or None when the task checks the
    whole map. An unknown role in a group the task does not manage (such as Rocket.Chat's default
    ``tech-support: support``) is a warning: this run neither wrote it nor can fix it.
    """
    family = spec.family
    mapping, problem = parse_map(settings, family)
    if problem:
        return FAIL, problem, None
    if not mapping:
        return WARN, '%s is on but %s is empty: nothing will be granted' % (spec.enabled_id, spec.map_id), mapping
    if not spec.base_dn:
        return FAIL, ('%s is empty: the server has no fallback, logs "Please setup LDAP Group Filter and '
                      'LDAP Group BaseDN" and treats every user as in no group' % spec.base_dn_id), mapping
    problems = check_filter(spec.filter, spec.filter_id, group_count=len(mapping), strategy=spec.strategy)
    if spec.strategy != 'once':
        problems.extend('group %r %s' % (group, unsafe_in_filter(group)) for group in mapping if unsafe_in_filter(group))
    if problems:
        return FAIL, '; '.join(problems), mapping
    if roles is not None and family is ROLES:
        unknown, _notes = check_roles(mapping, roles)
        ours = [(group, role) for group, role in unknown if managed is None or group in managed]
        others = [(group, role) for group, role in unknown if (group, role) not in ours]
        if unknown:
            status = FAIL if ours else WARN
            detail = '%s names roles the server does not have, which it drops silently: %s' % (
                spec.map_id, ', '.join('%s (group %s)' % (role, group) for group, role in ours or others))
            if ours and others:
                detail += '; also in groups this task does not manage: %s' % ', '.join(
                    '%s (group %s)' % (role, group) for group, role in others)
            elif others:
                detail += ' (groups this task does not manage: remove them with ldap_role_mapping state=absent)'
            return status, detail, mapping
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


def lookup_mapped_channels(client, values):
    """The rooms the channel map names, looked up with ``channels.info?roomName=`` (at most MAX_NAME_LOOKUPS).

    ``values``: the settings ({id: value}). Returns ``{'rooms': {name: room or None}, 'unchecked': [names]}``,
    or None when channel sync is off or the map is empty or unreadable (nothing to look up).
    """
    settings = DirectorySettings(values)
    if not settings.get('LDAP_Sync_User_Data_Channels'):
        return None
    mapping, problem = parse_map(settings, CHANNELS)
    if problem or not mapping:
        return None
    names = []
    for channels in mapping.values():
        for name in channels:
            # The server trims each mapped name before it looks the room up.
            if name.strip() and name.strip() not in names:
                names.append(name.strip())
    rooms = OrderedDict()
    for name in names[:MAX_NAME_LOOKUPS]:
        try:
            rooms[name] = client.get('channels.info', {'roomName': name}).get('channel')
        except RocketChatError as exc:
            if exc.status != 400:  # 400: no such channel (a sync creates it)
                raise
            rooms[name] = None
    return {'rooms': rooms, 'unchecked': names[MAX_NAME_LOOKUPS:]}


def check_team_main_rooms(settings, lookup):
    """Channel-map entries naming a team's main room, which the server's channel sync never joins."""
    mapping = parse_map(settings, CHANNELS)[0] or {}
    teams = []
    for group, channels in mapping.items():
        for name in channels:
            room = lookup['rooms'].get(name.strip())
            if room and room.get('teamMain'):
                teams.append('%s (group %s)' % (name.strip(), group))
    unchecked = lookup['unchecked']
    note = ''
    if unchecked:
        note = '; %d mapped channel(s) not looked up (at most %d per run, one request each): %s' % (
            len(unchecked), MAX_NAME_LOOKUPS, ', '.join(unchecked))
    if teams:
        return WARN, ('the channel map names the main room of a team: %s. The server\'s channel sync never adds a '
                      'user to a team\'s main room; it only logs "Can\'t add user to channel ... because it is a '
                      'team". Map these groups to the teams with ldap_team_mapping (LDAP_Groups_To_Rocket_Chat_Teams) '
                      'instead%s' % (', '.join(teams), note))
    return OK, 'none of the %d mapped channel(s) looked up is a team\'s main room%s' % (len(lookup['rooms']), note)


# --------------------------------------------------------------------------------------------
# The maps the mapping modules would leave (role_mapping, channel_mapping, team_mapping)
# --------------------------------------------------------------------------------------------

# ldap_check's option -> the mapping module whose options it takes.
MAPPING_MODULE_OPTIONS = (('role_mapping', ROLES), ('channel_mapping', CHANNELS), ('team_mapping', TEAMS))
# The options of the mapping modules ldap_check uses besides their settings options (enabled, base_dn, ...).
# The others only matter when writing: the plain ones (validate_groups) are accepted and ignored; nested ones
# (connection settings a mapping module may take) are left out, since ldap_check has its own.
USED_MAPPING_OPTIONS = ('mappings', 'state', 'exclusive', 'allow_empty')


def mapping_options_argument_spec():
    """ldap_check's ``role_mapping``, ``channel_mapping`` and ``team_mapping``: each a dict of its mapping
    module's options (the argument spec comes from _families), less the nested options ldap_check ignores."""
    spec = {}
    for option, family in MAPPING_MODULE_OPTIONS:
        options = dict((name, option_spec) for name, option_spec in family.argument_spec().items()
                       if name in USED_MAPPING_OPTIONS or name in family.settings or 'options' not in option_spec)
        spec[option] = dict(type='dict', options=options)
    return spec


def apply_mapping_options(values, given, params):
    """Put into ``values`` ({id: value}, in place) the settings each given mapping option would leave.

    ``params``: ldap_check's parameters (``role_mapping``... each None, {} or a mapping module's options);
    ``given``: the ids the task's other options set (an id is set once). The map is planned as the
    mapping module plans it, from the map in ``values`` (the saved one with source=workspace; empty, or the
    raw ``settings`` one, with source=options); the plain options (base_dn, filter, enabled, ...) override the
    settings. Returns the ``(name, status, detail)`` notes for the report; raises ModuleFailure on bad input.
    """
    notes = []
    for option, family in MAPPING_MODULE_OPTIONS:
        params_of = params.get(option) or {}
        plain = [name for name in family.settings if params_of.get(name) is not None]
        state = params_of.get('state') or 'present'
        exclusive = bool(params_of.get('exclusive'))
        try:
            entries = normalize_entries(params_of.get('mappings'), family, state)
        except MappingError as exc:
            raise ModuleFailure('%s.%s' % (option, exc), invalid=['%s.mappings' % option])
        if not (plain or entries or exclusive or state == 'absent'):
            continue  # {} (or left out): not managed, the saved (or given) map and settings stand
        if state == 'absent' and exclusive:
            raise ModuleFailure('%s.exclusive: true only applies to state=present' % option,
                                invalid=['%s.exclusive' % option])
        for name in plain:
            setting_id = family.setting(name)
            where = '%s.%s' % (option, name)
            if setting_id in given:
                raise ModuleFailure('%s: %s is already set by %s; give it once'
                                    % (where, setting_id, given[setting_id]), invalid=[where])
        values.update(desired_settings(family, params_of, prefix=option + '.'))
        try:
            stored = parse_stored_map(values.get(family.map_setting), family)
        except MappingError as exc:
            if not exclusive:
                notes.append((option, FAIL, '%s; %s refuses to apply %s to it unless '
                              'exclusive=true, which replaces it' % (exc, family.owner, option)))
                continue
            stored = None
        if not entries and not exclusive and not stored.problems:
            continue  # the map stays as it is
        if family.map_setting in given:
            raise ModuleFailure('%s.mappings: %s is already set by %s; give it once' % (
                option, family.map_setting, given[family.map_setting]), invalid=['%s.mappings' % option])
        try:
            after = plan_map(stored.groups if stored else OrderedDict(), entries, state, exclusive,
                             bool(params_of.get('allow_empty')))
        except MappingError as exc:
            raise ModuleFailure('%s.mappings: %s' % (option, exc), invalid=['%s.mappings' % option])
        values[family.map_setting] = serialize_map(after, family)
    return notes


def previewed_maps(values):
    """The maps the checks use: ``{roles: [{group, roles}], channels: [...], teams: [...]}``.

    A map that cannot be read is left out (its check says why).
    """
    settings = DirectorySettings(values)
    maps = {}
    for family in FAMILIES:
        try:
            stored = parse_stored_map(settings.get(family.map_setting), family)
        except MappingError:
            continue
        maps[family.plural] = [{'group': group, family.plural: list(items)} for group, items in stored.groups.items()]
    return maps


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


def check_user_count(settings, conn):
    """How many users a sync would import: the user search with *, the group filter, the e-mail rule.

    The users the server would reject (no e-mail) are named: the first SKIPPED_NAMED in the detail,
    the first SKIPPED_RETURNED in the result (``directory.sync_candidates`` finds them).
    """
    search = user_search_filter(settings, ANY_USER)
    page = settings.number('LDAP_Search_Page_Size')
    candidates = sync_candidates(conn, settings)
    total = len(candidates.matching)
    detail = '%d entr%s match %s' % (total, 'y' if total == 1 else 'ies', search)
    if group_filter_template(settings) is not None and total:
        detail += '; %d of them pass the group filter' % len(candidates.admitted)
    skipped = candidates.skipped
    passing = candidates.importable
    status = OK
    notes = []
    if skipped:
        status = WARN
        notes.append('a sync skips %d user%s without an e-mail address (the server logs "Failed to get email '
                     'address from LDAP user"; set LDAP_Default_Domain or fill %s): %s' % (
                         len(skipped), '' if len(skipped) == 1 else 's',
                         settings.conditional('LDAP_Email_Field') or 'the e-mail attribute', name_skipped(skipped)))
    limit = settings.number('LDAP_Search_Size_Limit')
    if limit > 0 and total > limit:
        # The server's search of all users carries this size limit; the directory answers
        # sizeLimitExceeded, which the server treats as a failed search.
        status = FAIL if settings.get('LDAP_Background_Sync') else WARN
        notes.append('more than LDAP_Search_Size_Limit (%d): the server\'s search of all users ends with '
                     'sizeLimitExceeded, so a sync stops without importing anyone; raise the limit' % limit)
    if page <= 0 and total > SMALLEST_UNPAGED_CAP:
        status = WARN if status == OK else status
        notes.append('LDAP_Search_Page_Size is 0 (no paging): directories usually cap unpaged searches '
                     '(OpenLDAP at 500, AD at 1000)')
    if passing == 0:
        status = WARN if status == OK else status
        notes.append('a sync would import nobody')
    if notes:
        detail += ': ' + '; '.join(notes)
    return status, detail, {'matching': total, 'importable': passing, 'skipped_count': len(skipped),
                            'skipped': skipped[:SKIPPED_RETURNED]}


def name_skipped(skipped, limit=SKIPPED_NAMED):
    """``alice (dn), bob (dn) and 3 more``: the first ``limit`` users of a SyncCandidates.skipped list."""
    named = ', '.join('%s (%s)' % (user['username'], user['dn']) if user['username'] else user['dn']
                      for user in skipped[:limit])
    if len(skipped) > limit:
        named += ' and %d more' % (len(skipped) - limit)
    return named


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
    preview['disabled'] = mapped['disabled']
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
        ' (from LDAP_Default_Domain)' if mapped['email_source'] == 'LDAP_Default_Domain' else '',
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
    granted = sorted(set(value.split('.', 1)[0] if spec.family.cut_at_dot else value
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

def run_checks(values, users=(), roles=None, notes=(), channel_rooms=None, hidden=(), managed_roles=None):
    """Run every check for the settings ``values`` ({setting id: value}).

    ``users``: [{username, password?}]; ``roles``: the server's roles (roles.list items) when known
    (mapped roles are then checked). Returns ``(report, result)``; ``result`` holds ``users`` (the
    previews) and ``import_count``. ``notes``: ``(name, status, detail)`` items the caller found first.
    ``channel_rooms``: ``lookup_mapped_channels``' answer when the workspace was asked (team main rooms
    are then checked). ``hidden``: the ids the server does not disclose (masked) and the task did not give:
    their values are unknown, so nothing that needs them is checked as if they were empty. ``managed_roles``:
    the groups the task's role mapping declares (see ``check_membership_config``), or None.
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
    for family in (ROLES, CHANNELS):
        spec = MembershipSpec(settings, family)
        if spec.enabled:
            status, mapping = report.run('%s mapping' % family.plural, check_membership_config, settings, spec,
                                         roles if family is ROLES else None, managed_roles)
            if mapping and status != FAIL:
                specs.append((spec, mapping))
            if family is CHANNELS and channel_rooms is not None:
                report.run('channels mapping: team main rooms', check_team_main_rooms, settings, channel_rooms)
    teams_map = None
    if settings.get('LDAP_Enable_LDAP_Groups_To_RC_Teams'):
        status, mapping = report.run('teams mapping', check_teams_config, settings)
        teams_map = mapping if mapping and status != FAIL else None

    endpoint = Endpoint(settings)
    if report.run('dns', check_dns, endpoint)[0] == FAIL:
        return report, result
    if report.run('tcp', check_tcp, endpoint)[0] == FAIL:
        return report, result
    needed = (['LDAP_Authentication_UserDN', 'LDAP_Authentication_Password'] if settings.get('LDAP_Authentication')
              else []) + (['LDAP_CA_Cert'] if settings.text('LDAP_Encryption') in ('tls', 'ssl') else [])
    unknown = [i for i in needed if i in hidden]
    if unknown:
        report.add('directory', WARN, 'not checked: the server does not disclose %s, which the connection needs; '
                   'the directory checks were not run' % ' and '.join(unknown))
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
        uses = filters_in_use(settings, specs, teams_map)
        if any(matching_rules_in(text) for _part, _setting, text in uses):
            status, parts = report.run('filter: matching rules', check_matching_rules, conn, uses)
            # No per-user grants from a filter that matches nothing (they would read "in no group").
            specs = [(spec, mapping) for spec, mapping in specs if spec.kind not in (parts or ())]
            if 'teams' in (parts or ()):
                teams_map = None
        if not base_ok:
            return report, result
        status, counts = report.run('users to import', _guard_size_limit(check_user_count), settings, conn)
        result['import_count'] = counts
        for user in users:
            result['users'].append(preview_user(report, settings, conn, user, specs, teams_map))
    except DirectoryLost as exc:
        report.add('directory', FAIL, '%s; the checks after it were not run (%d of %d user previews done)'
                   % (exc.message, len(result['users']), len(users)))
    finally:
        conn.close()
    return report, result


# What a filter that matches nothing does, per setting (for the matching rule check).
_MATCHES_NOTHING = {
    'user search': 'the user search finds nobody: no LDAP login works and a sync imports nobody',
    'group filter': 'the group filter admits nobody: every LDAP login is refused and a sync imports nobody',
    'roles': 'no user is in any mapped group: role sync grants no role',
    'channels': 'no user is in any mapped group: channel sync joins no channel',
    'teams': 'the teams query finds no group: team sync adds nobody to a team',
}
_GROUP_FILTER_IDS = ('LDAP_Group_Filter_ObjectClass', 'LDAP_Group_Filter_Group_Member_Attribute',
                     'LDAP_Group_Filter_Group_Member_Format', 'LDAP_Group_Filter_Group_Id_Attribute',
                     'LDAP_Group_Filter_Group_Name')


def filters_in_use(settings, specs, teams_map):
    """``[(part, setting id, filter text)]``: the filters the server runs with these settings (role and
    channel filters of ``specs`` and the teams query only when those syncs are on)."""
    uses = [('user search', 'LDAP_User_Search_Filter', wrap_filter(settings.text('LDAP_User_Search_Filter')))]
    template = group_filter_template(settings)
    if template is not None:
        holder = [setting_id for setting_id in _GROUP_FILTER_IDS if ':' in settings.text(setting_id)]
        uses.append(('group filter', 'the group filter (%s)' % ', '.join(holder or ['LDAP_Group_Filter_*']), template))
    for spec, _mapping in specs:
        uses.append((spec.kind, spec.filter_id, spec.filter))
    if teams_map is not None:
        uses.append(('teams', 'LDAP_Query_To_Get_User_Teams', settings.text('LDAP_Query_To_Get_User_Teams')))
    return uses


def check_matching_rules(conn, uses):
    """Filters with an extensible match whose matching rule the directory does not support match nothing.

    ``uses``: from ``filters_in_use``. The directory is asked once (``directory_features``), and only when
    a filter names a matching rule. Returns ``(status, detail, parts)``; ``parts`` are the ``uses`` parts
    whose filter matches nothing.
    """
    ruled = [(part, setting, text, rule) for part, setting, text in uses for rule in matching_rules_in(text)]
    if not ruled:
        return OK, 'no filter uses a matching rule', []
    features = directory_features(conn)
    failed, unknown, supported, parts = [], [], [], []
    for part, setting, text, rule in ruled:
        verdict = features.supports(rule)
        name = '%s (LDAP_MATCHING_RULE_IN_CHAIN, nested groups)' % rule if rule == IN_CHAIN_RULE else rule
        if verdict is False:
            failed.append('%s %s uses the matching rule %s, which the directory does not support (%s): it evaluates '
                          'such an item as Undefined, so the filter matches nothing: %s' % (
                              setting, text, name, features.describe(), _MATCHES_NOTHING[part]))
            if part not in parts:
                parts.append(part)
        elif verdict is None and rule == IN_CHAIN_RULE:
            unknown.append('%s uses the matching rule %s, and whether the directory supports it is unknown (%s): '
                           'if it does not, the filter matches nothing' % (setting, name, features.describe()))
        else:
            supported.append('%s: %s' % (setting, name))
    if failed:
        return FAIL, '; '.join(failed), parts
    if unknown:
        return WARN, '; '.join(unknown), parts
    return OK, 'the directory supports the matching rules the filters use (%s)' % '; '.join(supported), parts


def _guard_size_limit(check):
    def guarded(settings, conn):
        try:
            return check(settings, conn)
        except SizeLimitExceeded as exc:
            return WARN, ('the directory stopped the count at %d entries (its own size limit for this account)'
                          % len(exc.entries)), {'matching': len(exc.entries), 'importable': None,
                                                'skipped_count': None, 'skipped': None}
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
