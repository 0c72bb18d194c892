# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The directory users an LDAP sync skipped, and why.

A sync of all users (Rocket.Chat's ``apps/meteor/ee/server/lib/ldap/Manager.ts``, ``LDAPEEManager.importNewUsers``) searches
``(&<LDAP_User_Search_Filter>(<search field>=*))`` under ``LDAP_BaseDN``, keeps the entries the
group filter admits, maps each one (``mapUserData``) and hands it to the importer. An entry without
an e-mail address makes ``mapUserData`` throw "Failed to get email address from LDAP user": the
server logs it and creates no user (8.x answers Sync Now with success all the same). The server
reports none of this, so ``find_skipped`` repeats the search from the host that runs the module and
names the admitted entries that have no Rocket.Chat user after the sync, with the reason when it can
tell (no e-mail; an existing local user the sync does not merge; new users not imported).

Which Rocket.Chat users are linked to LDAP: ``users.list`` shows ``ldap: true`` only where the server
honours ``fields`` (Rocket.Chat 7.0-8.x started with ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS=true); it
never lists ``services`` (``parseJsonQuery`` removes it), so ``services.ldap`` is read only should a
server list it. When no listed user carries either, an entry whose username or e-mail address a user
has is taken as synced, and the note says that a local user the sync did not merge cannot be told
apart.

The directory part (search and group filter) is ``directory.sync_candidates``, which ldap_check's count
of the users a sync would import uses too; the no e-mail reason is ``directory.no_email_reason``. Nothing
here may fail a sync: every problem becomes ``(None, note)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    DEFAULTS, HAS_LDAP3, DirectoryError, DirectorySettings, SizeLimitExceeded, map_user, no_email_reason,
    open_service_connection, sync_candidates,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import UNREADABLE

PASSWORD = 'LDAP_Authentication_Password'
NOT_DETERMINED = 'skipped users could not be determined: '


NO_LINKS = ('users.list does not say which users are linked to LDAP (the server lists neither `ldap` nor '
            '`services.ldap`), so %d directory entries whose username or e-mail address a Rocket.Chat user has are '
            'taken as synced: a local user the sync did not merge is not reported')


class SyncSearchCut(Exception):
    """The sync's search of all users matches more entries than ``LDAP_Search_Size_Limit``: the server's search
    stops with sizeLimitExceeded and its sync ends there (apps/meteor/ee/server/lib/ldap/Manager.ts; 8.x only
    logs "Sync failed"), so Sync Now most likely imported and updated nobody."""

    def __init__(self, limit, matching):
        self.limit = limit
        self.matching = matching
        super(SyncSearchCut, self).__init__(
            'Sync Now most likely failed on the server: %d directory entries match the sync\'s search of all users, '
            'more than LDAP_Search_Size_Limit (%d), so the server\'s search stops with sizeLimitExceeded and the sync '
            'ends there (Rocket.Chat 8.x only writes it to its log). Raise LDAP_Search_Size_Limit (user_search.'
            'size_limit) above %d, or set it to 0 for no limit.' % (matching, limit, matching))


def find_skipped(values, users_after, redact=None, warn=None):
    """``(skipped, note)``: the admitted directory users without a Rocket.Chat user after the sync.

    ``values``: the workspace's LDAP settings ``{id: value}`` (``UNREADABLE`` for a masked one);
    ``users_after``: the users after the sync, ``sync_report.UserRow``s. ``skipped`` is a list of
    ``{username, dn, reason}``, or None when the directory could not be searched; ``note`` says why
    (or that the list is incomplete, or that LDAP links were not listed). ``redact`` takes secrets out of a
    message (the client's). ``warn`` is called with the problems (not determined, incomplete), not with the
    remark on unlisted links, which would repeat on every run against Rocket.Chat's own ``users.list``.
    Raises ``SyncSearchCut`` when the server's own search of all users cannot have finished.
    """
    skipped, problem, assumed = _find_skipped(values, users_after, redact or (lambda text: text))
    if problem and warn:
        warn(problem)
    return skipped, '; '.join(text for text in (problem, NO_LINKS % assumed if assumed else None) if text) or None


def _find_skipped(values, users_after, redact):
    """``(skipped, problem, assumed)``: see ``find_skipped`` and ``skipped_entries``."""
    if not HAS_LDAP3:
        return None, NOT_DETERMINED + 'the ldap3 Python library is not installed on the host that runs the module', 0
    hidden = [setting_id for setting_id in DEFAULTS if values.get(setting_id) is UNREADABLE]
    if hidden:
        return None, NOT_DETERMINED + 'the server does not disclose %s' % ', '.join(hidden), 0
    settings = DirectorySettings(dict((i, value) for i, value in values.items() if value is not UNREADABLE))
    problem = None
    try:
        conn = open_service_connection(settings)
    except DirectoryError as exc:
        return None, NOT_DETERMINED + 'the directory could not be reached from the host that runs the module ' \
            '(%s): %s' % (exc.stage, redact(exc.message)), 0
    try:
        try:
            # The unique-id attributes too: synced users are matched by services.ldap.id.
            candidates = sync_candidates(conn, settings, unique_ids=True)
            limit = settings.number('LDAP_Search_Size_Limit')
            if 0 < limit < len(candidates.matching):
                raise SyncSearchCut(limit, len(candidates.matching))
            entries = candidates.admitted
        except SizeLimitExceeded as exc:
            entries = exc.entries
            problem = ('the list may be incomplete: the directory stopped the search of all users after %d entries '
                       '(size limit)' % len(entries))
    except DirectoryError as exc:
        return None, NOT_DETERMINED + 'the directory search failed (%s): %s' % (exc.stage, redact(exc.message)), 0
    finally:
        conn.close()
    skipped, assumed = skipped_entries(settings, entries, users_after)
    return skipped, problem, assumed


def skipped_entries(settings, entries, users_after):
    """``(skipped, assumed)``: the ``entries`` (admitted by the sync's search) without a Rocket.Chat user in
    ``users_after`` (``UserRow``s), and how many entries were taken as synced only by username or e-mail
    because the listing tells no user's LDAP link."""
    by_username, by_email, by_ldap_id = {}, {}, {}
    links_known = False
    for user in users_after:
        links_known = links_known or user.ldap or bool(user.ldap_id)
        if user.username:
            by_username.setdefault(user.username.lower(), user)
        for address in user.emails:
            if address:
                by_email.setdefault(address.lower(), user)
        if user.ldap_id:
            by_ldap_id[user.ldap_id.lower()] = user
    skipped, assumed = [], 0
    for entry in entries:
        mapped = map_user(entry, settings)
        if mapped['unique_id'].lower() in by_ldap_id:
            continue
        same_name = by_username.get((mapped['username'] or '').lower())
        same_email = by_email.get(mapped['email'].lower()) if mapped['email'] else None
        if any(user is not None and user.ldap for user in (same_name, same_email)):
            continue
        if not links_known and (same_name or same_email):
            assumed += 1
            continue
        skipped.append({'username': mapped['username'], 'dn': entry.dn,
                        'reason': _reason(settings, mapped, same_name or same_email)})
    return skipped, assumed


def _reason(settings, mapped, local_user):
    if not mapped['email']:
        return no_email_reason(settings)
    if local_user is not None:
        same = 'username' if (local_user.username or '').lower() == (mapped['username'] or '').lower() \
            else 'e-mail address'
        merge = settings.values.get('LDAP_Background_Sync_Merge_Existent_Users')
        return ('a Rocket.Chat user %r with the same %s exists and is not linked to LDAP; %s'
                % (local_user.username, same,
                   'the sync merges such users only with LDAP_Background_Sync_Merge_Existent_Users on'
                   if not merge else 'the merge did not happen (see the server log)'))
    if settings.values.get('LDAP_Background_Sync_Import_New_Users') is False:
        return 'not imported: LDAP_Background_Sync_Import_New_Users is off'
    return 'unknown (the server logs the reason; for example the licence\'s user limit, or a sync that failed)'
