#!/usr/bin/env python
"""Check that the release notes are current (make test-changelog; `make changelog` fixes them).

- galaxy.yml's version has a release in changelogs/changelog.yaml (the release being prepared: `make
  changelog` folds every fragment into it), which lists as new every module whose version_added is
  that version (with its short_description as the module says it), every role and every playbook
  that has no earlier release; every module's version_added is a release;
- no fragment in changelogs/fragments is left out of the release notes;
- CHANGELOG.md is what antsibull-changelog generates from changelog.yaml.

Run from the collection root with the venv that has antsibull-changelog and ansible-core.
"""

import ast
import difflib
import os
import pathlib
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path.cwd()


def module_docs():
    """{module name: DOCUMENTATION as data} for plugins/modules/*.py, read without importing."""
    docs = {}
    for path in sorted((ROOT / 'plugins' / 'modules').glob('*.py')):
        if path.name == '__init__.py':
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'DOCUMENTATION' for t in node.targets):
                docs[path.stem] = yaml.safe_load(node.value.value)
    return docs


def main():
    problems = []
    version = yaml.safe_load((ROOT / 'galaxy.yml').read_text())['version']
    changes = yaml.safe_load((ROOT / 'changelogs' / 'changelog.yaml').read_text())
    releases = changes.get('releases') or {}
    release = releases.get(version)
    if release is None:
        print(f'changelogs/changelog.yaml has no release {version} (galaxy.yml); run `make changelog`')
        return 1

    listed = {m['name']: m['description'] for m in release.get('modules') or []}
    for name, doc in module_docs().items():
        added = str(doc.get('version_added'))
        if added not in releases:
            problems.append(f'module {name}: version_added {added} is no release in changelog.yaml '
                            f'(galaxy.yml: {version})')
        elif added != version:
            continue
        elif name not in listed:
            problems.append(f'module {name} (version_added {version}) is not listed as new in {version}')
        elif listed[name].rstrip('.') != doc['short_description'].rstrip('.'):  # add_plugin_period
            problems.append(f'module {name}: listed as {listed[name]!r}, its short_description is '
                            f'{doc["short_description"]!r}')

    earlier = {}
    for other, data in releases.items():
        if other != version:
            for kind, entries in (data.get('objects') or {}).items():
                earlier.setdefault(kind, set()).update(e['name'] for e in entries)
    objects = {kind: {e['name'] for e in entries} for kind, entries in (release.get('objects') or {}).items()}
    wanted = {
        'role': sorted(p.parent.parent.name for p in (ROOT / 'roles').glob('*/meta/argument_specs.yml')),
        'playbook': sorted(p.stem for p in (ROOT / 'playbooks').glob('*.yml')),
    }
    for kind, names in wanted.items():
        for name in names:
            if name not in objects.get(kind, set()) and name not in earlier.get(kind, set()):
                problems.append(f'{kind} {name} is not listed as new in {version} (add it with an '
                                f'"add object.{kind}" fragment)')

    released = {f for data in releases.values() for f in data.get('fragments') or []}
    pending = sorted(p.name for p in (ROOT / 'changelogs' / 'fragments').glob('*.y*ml') if p.name not in released)
    if pending:
        problems.append(f'fragments not yet in the {version} release notes: {", ".join(pending)}')

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'CHANGELOG.md')
        subprocess.run(['antsibull-changelog', 'generate', '--output', out, '--output-format', 'md'],
                       check=True, stdout=subprocess.DEVNULL)
        want = pathlib.Path(out).read_text()
    have = (ROOT / 'CHANGELOG.md').read_text() if (ROOT / 'CHANGELOG.md').exists() else ''
    if have != want:
        diff = ''.join(difflib.unified_diff(have.splitlines(True), want.splitlines(True),
                                            'CHANGELOG.md', 'generated', n=1))
        problems.append('CHANGELOG.md is not what changelog.yaml generates:\n' + diff[:4000])

    for problem in problems:
        print('error:', problem)
    if problems:
        print('run `make changelog` (folds the fragments into the release and regenerates CHANGELOG.md), '
              'review and commit changelogs/ and CHANGELOG.md')
        return 1
    print(f'changelog: release {version} lists {len(listed)} modules, '
          + ', '.join(f'{len(v)} {k}(s)' for k, v in sorted(objects.items()))
          + '; CHANGELOG.md is current; no pending fragment')
    return 0


if __name__ == '__main__':
    sys.exit(main())
