"""A directory that stops answering in the middle of the work: the first timeout ends the work, said once."""
import pytest
from ldap3.core.exceptions import LDAPSocketReceiveError

from ansible_collections.chatops.rocketchat.plugins.module_utils import _ldap_checks as checks
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    DirectoryConnection, DirectoryLost, DirectorySettings,
)

SETTINGS = dict(LDAP_Enable=True, LDAP_Host='ldap.example.org', LDAP_Port=389, LDAP_Authentication=False,
                LDAP_BaseDN='dc=example,dc=org', LDAP_User_Search_Field='uid', LDAP_Timeout=2000)


class StoppedDirectory:
    """An ldap3 connection whose server stops answering after ``answers`` searches."""

    def __init__(self, answers):
        self.answers = answers
        self.searches = 0
        self.result = {'result': 0}
        self.response = []

    def search(self, *args, **kwargs):
        self.searches += 1
        if self.searches > self.answers:
            raise LDAPSocketReceiveError('error receiving data: timed out')
        self.response = [{'type': 'searchResEntry', 'dn': 'uid=u%d,dc=example,dc=org' % self.searches,
                          'raw_attributes': {'uid': [b'u'], 'mail': [b'u@example.org']}}]


def test_after_the_first_timeout_no_request_is_sent_and_each_call_says_so():
    conn = DirectoryConnection(DirectorySettings(SETTINGS))
    conn.conn = StoppedDirectory(answers=1)
    assert len(conn.search('dc=example,dc=org', '(uid=a)')) == 1
    with pytest.raises(DirectoryLost) as first:
        conn.search('dc=example,dc=org', '(uid=b)')
    assert 'stopped answering' in first.value.message and 'timed out' in first.value.message
    with pytest.raises(DirectoryLost):
        conn.search('dc=example,dc=org', '(uid=c)')
    assert conn.conn.searches == 2


def test_run_checks_stops_at_the_first_timeout_with_one_failure(monkeypatch):
    directory = StoppedDirectory(answers=3)

    class Connection(DirectoryConnection):
        def open(self):
            self.conn = directory
            return self

        def bind(self):
            return None

        def close(self):
            return None

    monkeypatch.setattr(checks, 'DirectoryConnection', Connection)
    monkeypatch.setattr(checks, 'check_dns', lambda endpoint: (checks.OK, 'resolved'))
    monkeypatch.setattr(checks, 'check_tcp', lambda endpoint: (checks.OK, 'open'))
    users = [{'username': 'user%d' % i} for i in range(200)]
    report, found = checks.run_checks(dict(SETTINGS), users=users)
    failures = [item for item in report.items if item['status'] == checks.FAIL]
    assert len(failures) == 1, failures
    assert failures[0]['name'] == 'directory' and 'stopped answering' in failures[0]['detail']
    assert 'were not run' in failures[0]['detail']
    assert directory.searches == 4  # three answers, one timeout, nothing after it
