"""Run real ansible-playbook against the sandbox and get each task's registered result back.

    from tests.integration.helpers import connection_vars, run_playbook

    run = run_playbook([{'chatops.rocketchat.ldap_settings': {'connection': {'host': 'h'}}}],
                       module_defaults=connection_vars(sandbox), check=True, diff=True)
    run.results[0]['changed']      # the registered result of the first task
    run.output                     # stdout + stderr of the whole run

    run = run_collection_playbook('drift', inventory_path, extra_vars={'ldap_report_path': str(report)})
    run.returncode                 # a failing play is returned, not raised (results is None)

Each task gets `register` and `ignore_errors: true` so a failing task still returns its result
(`run.results[i]['failed']`); a last task writes all results as JSON to a temporary file. The
modules run with the interpreter in ANSIBLE_PYTHON_INTERPRETER (else this Python), and the
ansible-playbook of this Python's venv, so the oldest-ansible run uses its own ansible-core.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLLECTIONS_PATH = ROOT / 'build' / 'collections'
COLLECTION_LINK = COLLECTIONS_PATH / 'ansible_collections' / 'chatops' / 'rocketchat'
ACTION_GROUP = 'group/chatops.rocketchat.rocketchat'


class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    def __init__(self, returncode, stdout, stderr, results, playbook):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.results = results
        self.playbook = playbook

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return 'PlaybookRun(rc=%s)\n--- playbook\n%s\n--- output\n%s' % (self.returncode, self.playbook,
                                                                         self.output[-6000:])


def ensure_collection_tree():
    """The tree `make collection-tree` builds: build/collections/ansible_collections/chatops/rocketchat -> repo."""
    if not COLLECTION_LINK.exists():
        COLLECTION_LINK.parent.mkdir(parents=True, exist_ok=True)
        COLLECTION_LINK.symlink_to(ROOT, target_is_directory=True)


def connection_vars(sandbox, login=False, **overrides):
    """Connection options for the sandbox's admin: the bypass PAT, or `login=True` for username/password."""
    env = sandbox.env
    if login:
        options = dict(api_url=sandbox.url, api_username=env['admin_username'], api_password=env['admin_password'])
    else:
        options = dict(api_url=sandbox.url, api_user_id=env['admin_user_id'], api_token=env['admin_token'])
    options.update(overrides)
    return options


def stored_settings(sandbox, prefix='LDAP_'):
    """{id: stored value} of the sandbox's settings whose id starts with `prefix` (from /_sandbox/state)."""
    return dict((s['_id'], s['value']) for s in sandbox.state()['settings']
                if s['_id'].startswith(prefix) and 'value' in s)


def writes(sandbox):
    """The requests in the sandbox's log that changed stored state."""
    return [r for r in sandbox.requests() if r['wrote']]


def run_playbook(tasks, module_defaults=None, check=False, diff=False, verbosity=0, extra_env=None,
                 play_vars=None, timeout=300):
    """Run `tasks` (a list of task dicts) on localhost in one play; returns a `PlaybookRun`.

    `module_defaults` are connection options set for the collection's action group.
    Raises AssertionError (with the output) when the run did not produce its results file.
    """
    ensure_collection_tree()
    with tempfile.TemporaryDirectory(prefix='rc-playbook-') as workdir:
        results_path = pathlib.Path(workdir) / 'results.json'
        names = ['step_%d' % index for index in range(len(tasks))]
        play_tasks = []
        for name, task in zip(names, tasks):
            task = dict(task)
            task.setdefault('name', name)
            task.update(register=name, ignore_errors=True)
            play_tasks.append(task)
        record = '{{ {%s} | to_json }}' % ', '.join("'%s': %s" % (n, n) for n in names)
        play_tasks.append({
            'name': 'record results', 'ansible.builtin.copy': {'content': record, 'dest': str(results_path),
                                                                'mode': '0600'},
            'check_mode': False, 'diff': False, 'no_log': True,
        })
        play = {'name': 'integration', 'hosts': 'localhost', 'gather_facts': False, 'tasks': play_tasks}
        if module_defaults:
            play['module_defaults'] = {ACTION_GROUP: module_defaults}
        if play_vars:
            play['vars'] = play_vars
        playbook_text = yaml.safe_dump([play], sort_keys=False)
        playbook = pathlib.Path(workdir) / 'playbook.yml'
        playbook.write_text(playbook_text, encoding='utf-8')

        completed = _ansible_playbook(['-i', 'localhost,', '-c', 'local', str(playbook)], workdir, check=check,
                                      diff=diff, verbosity=verbosity, extra_env=extra_env, timeout=timeout)
        results = None
        if results_path.exists():
            recorded = json.loads(results_path.read_text(encoding='utf-8'))
            results = [recorded[name] for name in names]
        run = PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results, playbook_text)
        assert results is not None, run
        return run


def custom_stats(output):
    """The run's custom stats (set_stats, per run) as the default callback prints them
    (with ANSIBLE_SHOW_CUSTOM_STATS)."""
    line = next(line for line in output.splitlines() if line.startswith('\tRUN: '))
    return json.loads(line[len('\tRUN: '):])


def run_collection_playbook(name, inventory, extra_vars=None, check=False, diff=False, verbosity=0,
                            extra_env=None, timeout=300, extra_args=()):
    """Run the collection's playbook `chatops.rocketchat.<name>` (by FQCN) against `inventory` (a path).

    `extra_vars` (a dict) go in with `-e`; `extra_args` are more ansible-playbook arguments. Returns a
    `PlaybookRun` whose `results` is None (the playbook's own tasks are not recorded); a failing play
    is returned like a passing one.
    """
    ensure_collection_tree()
    with tempfile.TemporaryDirectory(prefix='rc-playbook-') as workdir:
        arguments = ['-i', str(inventory), 'chatops.rocketchat.%s' % name]
        if extra_vars:
            arguments += ['-e', json.dumps(extra_vars)]
        arguments += list(extra_args)
        completed = _ansible_playbook(arguments, workdir, check=check, diff=diff, verbosity=verbosity,
                                      extra_env=extra_env, timeout=timeout)
        return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, None,
                           'chatops.rocketchat.%s %s' % (name, ' '.join(arguments[3:])))


def _ansible_playbook(arguments, workdir, check=False, diff=False, verbosity=0, extra_env=None, timeout=300):
    """ansible-playbook of this Python's venv with `arguments`, run in `workdir`: the CompletedProcess."""
    command = [str(pathlib.Path(sys.executable).parent / 'ansible-playbook')] + list(arguments)
    if check:
        command.append('--check')
    if diff:
        command.append('--diff')
    if verbosity:
        command.append('-' + 'v' * verbosity)
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH),
        'ANSIBLE_PYTHON_INTERPRETER': os.environ.get('ANSIBLE_PYTHON_INTERPRETER', sys.executable),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_LOCAL_TEMP': str(pathlib.Path(workdir) / 'tmp'),
        'ANSIBLE_HOME': str(pathlib.Path(workdir) / 'home'),
    })
    env.update(extra_env or {})
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
