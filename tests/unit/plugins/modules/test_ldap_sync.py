"""ldap_sync's run against pinned HTTP: every request of a reported sync, in order."""
from urllib.parse import parse_qs, urlsplit

import yaml

from ansible_collections.chatops.rocketchat.plugins.module_utils._sync_report import LARGE_PAGE, REPORT_FIELDS
from ansible_collections.chatops.rocketchat.plugins.modules import ldap_sync
from tests.unit.plugins.module_utils.conftest import http, make_client, recorder  # noqa: F401 (the pinned-HTTP fixtures)
from tests.unit.plugins.module_utils.rc_http import URL
from tests.unit.plugins.module_utils.test_settings_api import FakeServer

USERS_URL = URL + '/api/v1/users.list'
SYNC_URL = URL + '/api/v1/ldap.syncNow'


class Module:
    def __init__(self, check_mode=False, **params):
        self.params = dict(ensure_background_sync=False, report=True, report_skipped=False, sync_timeout=600)
        self.params.update(params)
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


def user(uid, username, roles=('user',), ldap=True):
    data = {'_id': uid, 'username': username, 'name': username.title(), 'roles': list(roles), 'active': True,
            'emails': [{'address': username + '@example.org'}], 'status': 'offline', 'type': 'user'}
    if ldap:
        data['ldap'] = True
    return data


def users_reply(users, offset=0, total=None):
    return {'users': users, 'count': len(users), 'offset': offset, 'total': len(users) if total is None else total,
            'success': True}


def licensed_server(http, version):
    server = FakeServer(http, version=version, values={'LDAP_Enable': True, 'LDAP_Background_Sync': True})
    server.expect_read()
    return server


def requests_sent(http):
    """``(method, path, query)`` of every request, in order."""
    sent = []
    for call in http.calls:
        url = urlsplit(call.request.url)
        sent.append((call.request.method, url.path, dict((k, v[0]) for k, v in parse_qs(url.query).items())))
    return sent


ADMIN = user('admin-id', 'admin', roles=('admin', 'user'), ldap=False)


def test_a_reported_sync_lists_every_user_in_one_request_before_and_after(http, make_client):
    licensed_server(http, '8.8.1')
    http.get(USERS_URL, json=users_reply([ADMIN, user('a', 'alice')]))
    http.post(SYNC_URL, json={'message': 'Sync_in_progress', 'success': True})
    http.get(USERS_URL, json=users_reply([ADMIN, user('a', 'alice', roles=('admin', 'user')), user('b', 'bob')]))
    result = ldap_sync.run(Module(), make_client())
    listing = {'count': '0', 'offset': '0', 'sort': '{"_id":1}', 'fields': REPORT_FIELDS}
    assert requests_sent(http) == [
        ('GET', '/api/info', {}),
        ('GET', '/api/v1/licenses.info', {}),
        ('GET', '/api/v1/settings', {'count': '0'}),
        ('POST', '/api/v1/method.call/private-settings:get', {}),
        ('GET', '/api/v1/users.list', listing),
        ('POST', '/api/v1/ldap.syncNow', {}),
        ('GET', '/api/v1/users.list', listing),
    ]
    assert result['changed'] is True and result['synced'] is True
    assert result['report']['created'] == [{'username': 'bob', 'roles': ['user'], 'active': True}]
    assert result['report']['roles_changed'] == [{'username': 'alice', 'added': ['admin'], 'removed': []}]
    # summary: counts, as ldap_check's; msg: the same in one line
    assert result['summary'] == {'created': 1, 'updated': 1, 'deactivated': 0, 'reactivated': 0, 'removed': 0,
                                 'roles_added': 1, 'roles_removed': 0, 'users_before': 2, 'users_after': 3}
    assert result['msg'] == '1 created, 1 updated, 0 deactivated, 0 reactivated; 1 roles added, 0 removed ' \
                            '(2 users before, 3 after)'


def test_a_server_that_refuses_count_0_is_read_in_large_pages_and_9_0_gets_no_fields(http, make_client):
    licensed_server(http, '9.0.0')
    everyone = [ADMIN] + [user('u%03d' % i, 'user%03d' % i) for i in range(120)]
    # API_Allow_Infinite_Count off: count=0 answers API_Default_Count (50), the rest is capped at 100 per page
    for _listing in ('before', 'after'):
        http.get(USERS_URL, json=users_reply(everyone[:50], 0, len(everyone)))
        http.get(USERS_URL, json=users_reply(everyone[50:], 50, len(everyone)))
        if _listing == 'before':
            http.post(SYNC_URL, json={'message': 'Sync_in_progress', 'success': True})
    result = ldap_sync.run(Module(), make_client())
    listings = [query for method, path, query in requests_sent(http) if path == '/api/v1/users.list']
    first = {'count': '0', 'offset': '0', 'sort': '{"_id":1}'}
    rest = {'count': str(LARGE_PAGE), 'offset': '50', 'sort': '{"_id":1}'}
    assert listings == [first, rest, first, rest]
    assert [path for _m, path, _q in requests_sent(http)][-5:] == [
        '/api/v1/users.list', '/api/v1/users.list', '/api/v1/ldap.syncNow', '/api/v1/users.list', '/api/v1/users.list']
    assert result['changed'] is False and result['report']['totals']['users_after'] == 121


def test_without_the_report_only_sync_now_is_sent_after_the_read(http, make_client):
    licensed_server(http, '8.8.1')
    http.post(SYNC_URL, json={'message': 'Sync_in_progress', 'success': True})
    result = ldap_sync.run(Module(report=False), make_client())
    assert [path for _m, path, _q in requests_sent(http)][4:] == ['/api/v1/ldap.syncNow']
    assert result['changed'] is True and 'report' not in result


def test_check_mode_lists_no_users_and_sends_no_sync(http, make_client):
    licensed_server(http, '8.8.1')
    result = ldap_sync.run(Module(check_mode=True), make_client())
    assert len(http.calls) == 4 and result['synced'] is False


def test_the_docs_parse_and_match_the_argument_spec():
    doc = yaml.safe_load(ldap_sync.DOCUMENTATION)
    assert set(doc['options']) == {'ensure_background_sync', 'report', 'report_skipped', 'sync_timeout'}
    assert yaml.safe_load(ldap_sync.EXAMPLES) and yaml.safe_load(ldap_sync.RETURN)['report']['contains']['skipped']
