"""ldap_report_file (a controller-side action) run by real ansible-playbook: it writes, replaces, keeps a file that
is already right, honours check mode, and names the option at fault."""

import os
import stat

from tests.integration.helpers import custom_stats, run_playbook

TASK = 'chatops.rocketchat.ldap_report_file'


def test_it_writes_replaces_and_leaves_a_file_that_is_already_right(tmp_path):
    path = tmp_path / 'report.md'
    first, again, changed_mode, checked, other = run_playbook([
        {TASK: {'path': str(path), 'content': '# Report\n\nä ✓\n'}},
        {TASK: {'path': str(path), 'content': '# Report\n\nä ✓\n'}},
        {TASK: {'path': str(path), 'content': '# Report\n\nä ✓\n', 'mode': '0600'}},
        {TASK: {'path': str(path), 'content': 'not written'}, 'check_mode': True},
        {TASK: {'path': str(tmp_path / 'other.md'), 'content': 'x'}, 'delegate_to': 'localhost'},
    ]).results
    assert first['changed'] is True and first['path'] == str(path), first
    assert again['changed'] is False and changed_mode['changed'] is True
    assert checked['changed'] is True
    assert path.read_text(encoding='utf-8') == '# Report\n\nä ✓\n'
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert other['changed'] is True and (tmp_path / 'other.md').read_text(encoding='utf-8') == 'x'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['other.md', 'report.md']  # no temporary file left


def test_it_publishes_what_it_writes_with_set_stats_in_check_mode_too(tmp_path):
    path = tmp_path / 'report.md'
    run = run_playbook([
        {TASK: {'path': str(path), 'content': '# Report\n', 'publish_as': 'report',
                'publish_data': {'outcome': 'applied', 'workspaces': [{'workspace': 'a'}]}}},
        # check mode: not written, still published (as set_stats is in check mode)
        {TASK: {'path': str(tmp_path / 'other.md'), 'content': 'x', 'publish_as': 'other'}, 'check_mode': True},
    ], extra_env={'ANSIBLE_SHOW_CUSTOM_STATS': 'True'})
    written, checked = run.results
    assert written['changed'] is True and path.read_text(encoding='utf-8') == '# Report\n'
    assert checked['changed'] is True and not (tmp_path / 'other.md').exists()
    assert custom_stats(run.output) == {
        'report': {'outcome': 'applied', 'workspaces': [{'workspace': 'a'}], 'path': str(path),
                   'markdown': '# Report\n'},
        'other': {'path': str(tmp_path / 'other.md'), 'markdown': 'x'},
    }


def test_bad_input_names_the_option(tmp_path):
    bad_mode, no_directory, no_content, data_alone = run_playbook([
        {TASK: {'path': str(tmp_path / 'r.md'), 'content': 'x', 'mode': 'rw-r--r--'}},
        {TASK: {'path': str(tmp_path / 'missing' / 'r.md'), 'content': 'x'}},
        {TASK: {'path': str(tmp_path / 'r.md')}},
        {TASK: {'path': str(tmp_path / 'r.md'), 'content': 'x', 'publish_data': {'a': 1}}},
    ]).results
    assert bad_mode['failed'] and 'mode' in bad_mode['msg'] and '"0644"' in bad_mode['msg'], bad_mode
    assert no_directory['failed'] and 'path: cannot write' in no_directory['msg'], no_directory
    assert no_content['failed'] and 'content' in no_content['msg'], no_content
    assert data_alone['failed'] and 'publish_data: only with publish_as' in data_alone['msg'], data_alone
    assert list(tmp_path.iterdir()) == []
