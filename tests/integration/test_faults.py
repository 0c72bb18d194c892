"""Faults (issue 13), injected through the sandbox's fault routes (POST /_sandbox/faults) and by stopping a
private slapd (SIGSTOP/SIGCONT) at chosen points. Each test's docstring states the promise it checks;
``promise.fault()`` counts the tests whose promise held for the suite's summary line.

The write under test is one ldap_settings change: on 8.8.1 it is one bulk ``POST /api/v1/settings``
followed by a read-back.
"""

import os
import signal
import time

import pytest
import requests
import yaml

from tests.integration.helpers import connection_vars, run_collection_playbook, run_playbook, stored_settings, writes
from tests.integration.test_playbooks import WORKSPACE, UnsafeTagLoader, write_inventory
from tests.integration.test_role_ldap import role_vars
from tests.sandbox.ldap import Slapd

SETTINGS_ROUTE = '/api/v1/settings'
WRITE = {'chatops.rocketchat.ldap_settings': {'connection': {'host': 'fault.example.org'}}}


def posts_to(sandbox, path):
    return [entry for entry in sandbox.requests() if entry['method'] == 'POST' and entry['path'] == path]


def written_settings(sandbox):
    return [entry for entry in writes(sandbox) if entry['path'] == SETTINGS_ROUTE]


def run_write(sandbox, **connection):
    return run_playbook([WRITE], module_defaults=connection_vars(sandbox, **connection)).results[0]


def test_a_429_storm_within_the_bound_is_waited_out_and_written_once(sandbox_clean, promise):
    """Promise: rate limits are retried (after X-RateLimit-Reset) while the total wait stays within
    max_retry_wait; each retry is a warning; the change is then written exactly once."""
    sandbox = sandbox_clean
    with promise.fault():
        sandbox.fault(SETTINGS_ROUTE, 'ratelimit', method='POST', seconds=1, times=3)
        result = run_write(sandbox, max_retry_wait=10)
        assert result['changed'] and not result.get('failed'), result
        assert len(posts_to(sandbox, SETTINGS_ROUTE)) == 4 and len(written_settings(sandbox)) == 1
        assert sum('rate limited (HTTP 429)' in warning for warning in result['warnings']) == 3, result
        assert stored_settings(sandbox)['LDAP_Host'] == 'fault.example.org'


def test_a_429_storm_beyond_the_bound_fails_cleanly_and_writes_nothing(sandbox_clean, promise):
    """Promise: when the next wait would pass max_retry_wait, the module stops, says how long it waited and
    names max_retry_wait; nothing was written."""
    sandbox = sandbox_clean
    with promise.fault():
        sandbox.fault(SETTINGS_ROUTE, 'ratelimit', method='POST', seconds=5, times=20)
        result = run_write(sandbox, max_retry_wait=2)
        assert result['failed'] and result['error_type'] == 'too-many-requests', result
        assert 'max_retry_wait=2' in result['msg'] and 'gave up after 1 attempt' in result['msg'], result
        assert written_settings(sandbox) == [] and stored_settings(sandbox)['LDAP_Host'] != 'fault.example.org'


def test_5xx_on_reads_is_retried_with_backoff(sandbox_clean, promise):
    """Promise: a 502/503 from a proxy on a read is retried with backoff; the run then succeeds."""
    sandbox = sandbox_clean
    with promise.fault():
        sandbox.fault(SETTINGS_ROUTE, 'status', method='GET', status=503, times=1)
        sandbox.fault('/api/v1/method.call/*', 'status', method='POST', status=502, times=1)
        result = run_write(sandbox)
        assert result['changed'] and not result.get('failed'), result
        assert any('HTTP 503' in warning for warning in result['warnings']), result
        assert any('HTTP 502' in warning for warning in result['warnings']), result
        assert len(written_settings(sandbox)) == 1


def test_a_500_on_the_write_fails_at_once_with_the_status(sandbox_clean, promise):
    """Promise: a server error on a write is not retried (the server may have failed half-way) and is
    reported with its status; the stored value is not the new one."""
    sandbox = sandbox_clean
    with promise.fault():
        sandbox.fault(SETTINGS_ROUTE, 'status', method='POST', status=500, times=1)
        result = run_write(sandbox)
        assert result['failed'] and result['status'] == 500, result
        assert 'POST /api/v1/settings (HTTP 500)' in result['msg'], result
        assert len(posts_to(sandbox, SETTINGS_ROUTE)) == 1 and written_settings(sandbox) == []


def test_a_connection_dropped_under_a_write_is_not_resent_and_says_it_may_have_been_applied(sandbox_clean, promise):
    """Promise: a write whose connection broke after it was sent is never sent again (it may have been
    applied); the message says so and tells to check the server before running again."""
    sandbox = sandbox_clean
    with promise.fault():
        sandbox.fault(SETTINGS_ROUTE, 'drop', method='POST', times=1)
        result = run_write(sandbox)
        assert result['failed'] and result['error_type'] == 'no-reply', result
        assert 'the connection broke' in result['msg'] and 'may still be processing it' in result['msg'], result
        assert len(posts_to(sandbox, SETTINGS_ROUTE)) == 1


def test_a_write_whose_reply_is_lost_after_it_was_applied_is_not_resent(sandbox_clean, promise):
    """Promise: a write applied by the server whose reply did not come in time (a slow server, a dropped
    reply) is not sent again; the failure names the timeout and says the server may have applied it,
    which it did."""
    sandbox = sandbox_clean
    with promise.fault():
        sandbox.fault(SETTINGS_ROUTE, 'delay', method='POST', seconds=3, times=1)
        result = run_write(sandbox, timeout=1)
        assert result['failed'] and result['error_type'] == 'no-reply' and result['changed'] is True, result
        assert 'no reply within 1 s' in result['msg'] and 'may still be processing it' in result['msg'], result
        assert 'a longer timeout may help' in result['msg']
        # the server finishes the delayed request after the module gave up: wait for it to show in the log
        deadline = time.monotonic() + 10
        while not written_settings(sandbox) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(posts_to(sandbox, SETTINGS_ROUTE)) == 1
        assert stored_settings(sandbox)['LDAP_Host'] == 'fault.example.org'  # it was applied, as the message warned


def test_a_gateway_timeout_on_a_write_is_not_resent(sandbox_clean, promise):
    """Promise: a 504 from a proxy on a write means the request may still run behind it: not resent, and
    the message points at the proxy's timeout."""
    sandbox = sandbox_clean
    with promise.fault():
        sandbox.fault(SETTINGS_ROUTE, 'status', method='POST', status=504, times=1)
        result = run_write(sandbox)
        assert result['failed'] and result['error_type'] == 'no-reply' and result['status'] == 504, result
        assert "proxy's read timeout" in result['msg'], result
        assert len(posts_to(sandbox, SETTINGS_ROUTE)) == 1


def test_a_slow_reply_within_the_timeout_is_waited_for(sandbox_clean, promise):
    """Promise: a reply slower than usual but within the module's timeout is simply waited for."""
    sandbox = sandbox_clean
    with promise.fault():
        sandbox.fault(SETTINGS_ROUTE, 'delay', method='POST', seconds=2, times=1)
        result = run_write(sandbox, timeout=15)
        assert result['changed'] and not result.get('failed'), result
        assert len(posts_to(sandbox, SETTINGS_ROUTE)) == 1 and len(written_settings(sandbox)) == 1


def test_a_refused_connection_is_retried_within_the_bound_then_names_api_url(sandbox_clean, promise):
    """Promise: a workspace that does not answer at all is retried with backoff within max_retry_wait,
    then the failure names api_url; nothing is sent anywhere else."""
    with promise.fault():
        result = run_playbook([{'chatops.rocketchat.ldap_settings_info': {}}], module_defaults=dict(
            api_url='http://127.0.0.1:9', api_user_id='some-id', api_token='some-token',
            max_retry_wait=3)).results[0]
        assert result['failed'] and result['error_type'] == 'unavailable', result
        assert 'cannot connect to api_url http://127.0.0.1:9' in result['msg'], result
        assert 'gave up after 3 attempt(s) and 3.0 s of waiting (max_retry_wait=3)' in result['msg'], result


# ----------------------------------------------------------------- a directory that stops answering

@pytest.fixture(scope='module')
def stoppable_slapd():
    """A private slapd (the session's one is shared with other tests): stopped and continued at will."""
    with Slapd(flavour='openldap') as directory:
        yield directory
        os.kill(directory.info['pid'], signal.SIGCONT)


class Stopped:
    """SIGSTOP the directory for the block: it accepts TCP connections (the kernel does) and answers nothing."""

    def __init__(self, directory):
        self.pid = directory.info['pid']

    def __enter__(self):
        os.kill(self.pid, signal.SIGSTOP)

    def __exit__(self, *exc_info):
        os.kill(self.pid, signal.SIGCONT)


def check_options(directory):
    info = directory.info
    return {
        'connection': {'host': 'localhost', 'port': info['port'], 'encryption': 'plain', 'timeout': 2000,
                       'connect_timeout': 1000},
        'authentication': {'enabled': True, 'bind_dn': info['ldap_bind_dn'],
                           'bind_password': info['ldap_bind_password']},
        'user_search': {'base_dn': info['ldap_base_dn'], 'filter': '(objectClass=inetOrgPerson)',
                        'search_field': 'uid'},
        'users': [{'username': info['sample_user'], 'password': info['sample_password']}],
    }


def test_ldap_check_against_a_stopped_directory_fails_in_bounded_time_and_recovers(sandbox_clean, stoppable_slapd,
                                                                                   promise):
    """Promise: ldap_check against a directory that accepts connections but answers nothing fails (it does
    not hang, and does not pass), naming the directory's timeout; once the directory answers again the
    same check passes."""
    options = check_options(stoppable_slapd)
    with promise.fault():
        with Stopped(stoppable_slapd):
            stopped = run_playbook([{'chatops.rocketchat.ldap_check': options}], timeout=120).results[0]
        assert stopped['failed'], stopped
        failures = [item for item in stopped['checks'] if item['status'] == 'fail']
        assert failures and any('timed out' in item['detail'] or 'within' in item['detail'] for item in failures), \
            stopped['checks']
        running = run_playbook([{'chatops.rocketchat.ldap_check': options}]).results[0]
        assert not running.get('failed'), running


def test_the_servers_connection_test_against_a_stopped_directory_fails_cleanly(sandbox_clean, stoppable_slapd,
                                                                               promise):
    """Promise: when the workspace's directory stops answering, ldap_test_connection fails with the server's
    answer and what it means, and writes nothing; once it answers again the test passes. (On 9.0: an 8.x
    server's test only opens the TCP connection, which a stopped slapd's kernel still accepts.)"""
    sandbox = sandbox_clean
    sandbox.config(version='9.0.0')
    info = stoppable_slapd.info
    settings = dict(sandbox.ldap_connection_settings(), LDAP_Host='localhost', LDAP_Port=info['port'],
                    LDAP_BaseDN=info['ldap_base_dn'], LDAP_Authentication_UserDN=info['ldap_bind_dn'],
                    LDAP_Authentication_Password=info['ldap_bind_password'], LDAP_Connect_Timeout=1000,
                    LDAP_Timeout=2000)
    for setting_id, value in sorted(settings.items()):
        requests.post('%s/api/v1/settings/%s' % (sandbox.url, setting_id), json={'value': value},
                      headers=sandbox.admin_headers, timeout=30).raise_for_status()
    with promise.fault():
        sandbox.clear_requests()
        with Stopped(stoppable_slapd):
            stopped = run_playbook([{'chatops.rocketchat.ldap_test_connection': {}}],
                                   module_defaults=connection_vars(sandbox), timeout=120).results[0]
        assert stopped['failed'] and stopped['msg'].startswith('LDAP connection test failed: '), stopped
        assert stopped.get('meaning'), stopped
        assert writes(sandbox) == []
        running = run_playbook([{'chatops.rocketchat.ldap_test_connection': {}}],
                               module_defaults=connection_vars(sandbox)).results[0]
        assert not running.get('failed'), running


def test_a_server_reply_with_line_breaks_cannot_add_yaml_to_an_export(sandbox_clean, slapd, tmp_path, promise):
    """Promise: what a server answers is written into the export's comments on one line: a version string
    holding line breaks (a proxy or a tampered server) cannot start a YAML line of its own, so the file
    holds exactly the keys the export writes."""
    sandbox = sandbox_clean
    injected = "8.8.1\nldap_injected: '{{ 7 * 7 }}'\r\u2028ldap_other: 1"
    with promise.fault():
        sandbox.fault('/api/info', 'status', method='GET', status=200,
                      body={'version': injected, 'info': {'version': injected}, 'success': True})
        inventory = write_inventory(tmp_path, role_vars(sandbox, slapd, tmp_path / 'report.md'))
        export = run_collection_playbook('export', inventory, extra_vars={'export_dir': str(tmp_path / 'out')})
        assert export.returncode == 0, export
        text = (tmp_path / 'out' / ('%s.yml' % WORKSPACE)).read_text(encoding='utf-8')
        assert "# LDAP configuration of %s (Rocket.Chat 8.8.1 ldap_injected: '{{ 7 * 7 }}'" % WORKSPACE in text
        exported = yaml.load(text, Loader=UnsafeTagLoader)
        assert sorted(exported) == ['ldap_channel_mapping', 'ldap_role_mapping', 'ldap_settings',
                                    'ldap_team_mapping'], sorted(exported)
