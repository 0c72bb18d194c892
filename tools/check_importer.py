#!/usr/bin/env python
"""Run galaxy-importer on the built collection tarball as Galaxy does on upload, and fail on any finding.

Usage: tools/check_importer.py TARBALL WORKDIR   (with .venv-importer's bin first on PATH)

galaxy-importer exits 0 whatever ansible-lint and ansible-doc say (their findings are log lines, and
without either tool on PATH it skips that step), so this script reads its log and its result:
- both steps ran (ansible-doc and ansible-lint are on PATH and the log says so);
- no line of the log is a warning or an error (ansible-lint findings, ansible-doc failures,
  files listed in meta/execution-environment.yml that are missing, ...);
- every module has its documentation in the result (ansible-doc parsed it), every role its README.
The log and importer_result.json stay in WORKDIR.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys


def main():
    tarball, workdir = sys.argv[1], pathlib.Path(sys.argv[2])
    workdir.mkdir(parents=True, exist_ok=True)
    for tool in ('ansible-doc', 'ansible-lint'):
        if not shutil.which(tool):
            print(f'error: {tool} is not on PATH: galaxy-importer would skip it')
            return 1
    env = dict(os.environ)
    # Galaxy's own settings for a collection upload, set here so that no
    # /etc/galaxy-importer/galaxy-importer.cfg changes them; ansible-test needs containers.
    env.update(GALAXY_IMPORTER_RUN_ANSIBLE_DOC='true', GALAXY_IMPORTER_RUN_ANSIBLE_LINT='true',
               GALAXY_IMPORTER_OFFLINE_ANSIBLE_LINT='true', GALAXY_IMPORTER_CHECK_CHANGELOG='true',
               GALAXY_IMPORTER_RUN_ANSIBLE_TEST='false', GALAXY_IMPORTER_LOG_LEVEL_MAIN='INFO')
    proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', os.path.abspath(tarball)],
                          cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = proc.stdout
    (workdir / 'importer.log').write_text(log)

    problems = []
    if proc.returncode != 0:
        problems.append(f'galaxy-importer exited {proc.returncode}')
    for needed in ('Getting doc strings via ansible-doc', 'Linting collection via ansible-lint',
                   'Importer processing completed successfully'):
        if needed not in log:
            problems.append(f'the log lacks "{needed}"')
    findings = [line for line in log.splitlines() if re.match(r'\s*(WARNING|ERROR|CRITICAL)\b', line)]
    problems += [f'importer: {line[:600]}' for line in findings]

    result_path = workdir / 'importer_result.json'
    if result_path.exists():
        result = json.loads(result_path.read_text())
        contents = result['docs_blob']['contents']
        for item in contents:
            # a module's documentation is ansible-doc's; a role's is its README, rendered
            key = {'module': 'doc_strings', 'role': 'readme_html'}.get(item['content_type'])
            if key and not item.get(key):
                problems.append(f'{item["content_type"]} {item["content_name"]}: no {key} in the result')
        modules = sorted(c['content_name'] for c in contents if c['content_type'] == 'module')
        roles = sorted(c['content_name'] for c in contents if c['content_type'] == 'role')
    else:
        problems.append('galaxy-importer wrote no importer_result.json')
        modules = roles = []

    for problem in problems:
        print('error:', problem)
    if problems:
        print(f'galaxy-importer: {len(problems)} problem(s); the whole log is {workdir / "importer.log"}')
        return 1
    print(f'galaxy-importer: clean ({len(modules)} modules, roles {", ".join(roles)}; ansible-doc and '
          f'ansible-lint ran, no warning)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
