# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server's own LDAP quick actions (``ldap.testConnection``, ``ldap.testSearch``), explained.

Both routes write nothing, so they are declared read-only to the client's check-mode guard.
Their failures are terse codes (8.x: Rocket.Chat's ``apps/meteor/app/api/server/v1/ldap.ts``; 9.0:
``apps/meteor/ee/server/api/ldapCore.ts``); ``explain`` turns each into what it means
and what to do, for 8.x and for the pending 9.0 bodies.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure, RocketChatError

TEST_CONNECTION = 'ldap.testConnection'
TEST_SEARCH = 'ldap.testSearch'
PERMISSION = 'test-admin-options'

NOT_VERIFIED_ON_8X = (
    'Rocket.Chat %s reports a successful connection test even when the service bind fails: the bind DN and '
    'password were not verified. Run chatops.rocketchat.ldap_check to test the bind, the user search and '
    'the mapping directly against the directory.')

_EXPLANATIONS = {
    'LDAP_disabled': 'LDAP is disabled on this workspace (LDAP_Enable is false); enable it with '
                     'chatops.rocketchat.ldap_settings first',
    'Connection_failed': 'the server could not connect to the directory (host, port, encryption, CA '
                         'certificate or timeout); Rocket.Chat 8.x writes the cause only to its log: run '
                         'chatops.rocketchat.ldap_check for the details',
    'LDAP_Connection_failed_reason': 'the server could not connect to or bind to the directory',
    'LDAP_search_failed': 'the search did not find exactly one entry (no match, or several), or the search '
                          'itself failed (a wrong bind password, base DN or filter); Rocket.Chat 8.x does not '
                          'say which: run chatops.rocketchat.ldap_check for the details',
    'error-action-not-allowed': 'this server makes LDAP an enterprise feature (Rocket.Chat 9.0): the workspace '
                                'needs the ldap-enterprise licence module',
    'permission': 'the API user lacks the permission %s (by default only the admin role has it)' % PERMISSION,
    'invalid-params': 'the server refused the request body',
}


class ServerTestFailure(object):
    """A failed server test: the server's code, its details and what they mean."""

    def __init__(self, code, meaning, status=None, details=None, reason=None):
        self.code = code
        self.meaning = meaning
        self.status = status
        self.details = details
        self.reason = reason

    @property
    def not_found(self):
        """True when the failure can mean that no (or more than one) user matched."""
        code = (self.code or '').lower()
        return self.code == 'LDAP_search_failed' or 'not_found' in code or 'multiple' in code

    @property
    def fatal(self):
        """Failures that say nothing about a user: the whole test cannot run."""
        return not self.not_found

    def text(self):
        text = '%s: %s' % (self.code, self.meaning)
        if self.reason:
            text += ' (server: %s)' % self.reason
        return text

    def to_result(self):
        return dict(server_error=self.code, status=self.status, details=self.details, meaning=self.meaning)


def explain(exc):
    """A ``ServerTestFailure`` for a ``RocketChatError`` from one of the two routes."""
    error = exc.error or ''
    error_type = exc.error_type or ''
    details = exc.details if isinstance(exc.details, dict) else None
    reason = (details or {}).get('reason')
    denied_types = ('error-unauthorized', 'error-forbidden')
    if exc.status in (401, 403) or 'error-unauthorized' in error or error_type in denied_types:
        if exc.status == 401 and 'logged in' in error:
            return ServerTestFailure('unauthenticated', 'the API credentials were not accepted', exc.status,
                                     details)
        return ServerTestFailure(error_type or 'error-unauthorized', _EXPLANATIONS['permission'], exc.status,
                                 details)
    if error_type == 'error-action-not-allowed':
        return ServerTestFailure(error_type, _EXPLANATIONS[error_type], exc.status, details)
    if error_type in ('invalid-params', 'error-invalid-params'):
        return ServerTestFailure(error_type, '%s: %s' % (_EXPLANATIONS['invalid-params'], error), exc.status,
                                 details)
    code = error if error in _EXPLANATIONS else (error_type or error or 'unknown')
    if code == 'LDAP_Connection_failed_reason' or error_type == 'error-ldap-connection-failed':
        return ServerTestFailure(error_type or code, _EXPLANATIONS['LDAP_Connection_failed_reason'], exc.status,
                                 details, reason)
    if code in _EXPLANATIONS:
        return ServerTestFailure(code, _EXPLANATIONS[code], exc.status, details, reason)
    lowered = code.lower()
    if 'not_found' in lowered:
        meaning = 'no directory entry matched the user search'
    elif 'multiple' in lowered:
        meaning = 'more than one directory entry matched; the server needs exactly one'
    elif 'bind' in lowered:
        meaning = 'the service bind failed: check the bind DN and password'
    else:
        meaning = 'the server reported an LDAP error'
    return ServerTestFailure(code, meaning, exc.status, details, reason)


def run_test(client, route, body=None):
    """POST one test route; returns ``(reply, None)`` or ``(None, ServerTestFailure)``.

    Errors that are not the test's answer (transport, rate limit after retries) propagate.
    """
    try:
        return client.post(route, body or {}, read_only=True), None
    except RocketChatError as exc:
        if exc.status is None or exc.status == 429 or exc.status >= 500 or exc.error_type == 'endpoint-not-available':
            raise
        return None, explain(exc)


def bind_is_verified(client):
    """Whether this server's connection test includes the service bind (9.0 and later)."""
    return client.server_version[0] >= 9


def connection_test(client, warn):
    """The connection test as ``ldap_test_connection`` returns it; ``ModuleFailure`` when it fails."""
    version = client.server_version_string
    reply, failure = run_test(client, TEST_CONNECTION)
    if failure is not None:
        raise ModuleFailure('LDAP connection test failed: %s' % failure.text(), changed=False,
                            server_version=version, **failure.to_result())
    verified = bind_is_verified(client)
    if not verified:
        warn(NOT_VERIFIED_ON_8X % version)
    return dict(changed=False, message=reply.get('message'), bind_verified=verified, server_version=version,
                msg='the server connected to the directory%s' % ('' if verified else
                                                                 ' (bind credentials not verified)'))


def search_test(client, users, warn, connection_tested=False):
    """The search test of ``users`` (``[{username, expect}]``) as ``ldap_test_search`` returns it;
    ``ModuleFailure`` when a user is not as expected or the test cannot run.

    A failed connection would make every user look "not found" on 8.x, so the connection is tested first,
    unless the caller (``connection_tested``) has just done it.
    """
    version = client.server_version_string
    if not connection_tested:
        _reply, failure = run_test(client, TEST_CONNECTION)
        if failure is not None:
            raise ModuleFailure('LDAP search test cannot run: %s' % failure.text(), changed=False,
                                server_version=version, **failure.to_result())
    results = []
    for user in users:
        reply, failure = run_test(client, TEST_SEARCH, {'username': user['username']})
        item = dict(username=user['username'], expect=user['expect'])
        if failure is None:
            item['result'] = 'found'
        elif failure.fatal:
            raise ModuleFailure('LDAP search test for %r failed: %s' % (user['username'], failure.text()),
                                changed=False, server_version=version, results=results, **failure.to_result())
        else:
            item.update(result='not_found', server_error=failure.code, meaning=failure.meaning)
        item['ok'] = item['result'] == user['expect']
        results.append(item)
    _mark_verified(client, results, warn)
    wrong = [item for item in results if not item['ok']]
    summary = ', '.join('%s: %s%s' % (item['username'], item['result'], '' if item['verified'] else ' (unverified)')
                        for item in results)
    if wrong:
        raise ModuleFailure('unexpected LDAP search results: %s' % '; '.join(
            '%s is %s, expected %s%s' % (item['username'], item['result'], item['expect'],
                                         ' (%s)' % item['meaning'] if item.get('meaning') else '')
            for item in wrong), changed=False, results=results, server_version=version)
    return dict(changed=False, results=results, server_version=version, msg=summary)


def _mark_verified(client, results, warn):
    """Set each result's ``verified``: before 9.0 a failed service bind also reads as "not found"."""
    bind_proven = bind_is_verified(client) or any(item['result'] == 'found' for item in results)
    for item in results:
        item['verified'] = item['result'] == 'found' or bind_proven
    unverified = [item['username'] for item in results if not item['verified']]
    if unverified:
        warn('Not found: %s. Rocket.Chat %s gives the same answer when the service bind fails (wrong bind DN '
             'or password), and no user of this task was found to rule that out, so the answer is unverified. '
             'Add a user who must exist to the task, or run chatops.rocketchat.ldap_check to test the bind.'
             % (', '.join(unverified), client.server_version_string))
