"""plugins/module_utils/_limax.py against the real npm package: every entry of
tests/data/limax-corpus.json, which tools/oracles/limax/generate.js wrote with the limax version
Rocket.Chat 8.x depends on (pinned in tools/oracles/limax/package.json)."""

import json
import pathlib
import shutil
import subprocess

import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils import _limax as limax

ROOT = pathlib.Path(__file__).resolve().parents[4]
CORPUS = json.loads((ROOT / 'tests' / 'data' / 'limax-corpus.json').read_text(encoding='utf-8'))
ORACLE = ROOT / 'tools' / 'oracles' / 'limax'


@pytest.mark.parametrize('entry', CORPUS['entries'], ids=lambda entry: '%s:%r' % (entry['category'], entry['input']))
def test_slug_agrees_with_the_real_limax(entry):
    assert limax.limax(entry['input'], '.') == entry['limax']
    assert limax.slugify(entry['input']) == entry['username']


def test_the_examples_of_issue_10():
    assert limax.slugify('Jean-Luc Picard') == 'jean-luc.picard'
    assert limax.slugify('Jørgen Straße') == 'jorgen.strasse'
    assert limax.slugify('Иван Петров') == 'ivan.petrov'
    assert limax.slugify('ÅsaÖberg') == 'asaoeberg'


def test_the_corpus_is_large_and_varied():
    assert CORPUS['count'] == len(CORPUS['entries']) >= 300
    assert len({entry['input'] for entry in CORPUS['entries']}) == CORPUS['count']
    assert sum(1 for entry in CORPUS['entries'] if entry['username'] == '') >= 20
    assert CORPUS['call'] == "limax(text, { replacement: '.' }).replace(/[^0-9a-z-_.]/g, '')"


def test_the_corpus_and_the_port_come_from_the_pinned_limax():
    package = json.loads((ORACLE / 'package.json').read_text(encoding='utf-8'))
    lock = json.loads((ORACLE / 'package-lock.json').read_text(encoding='utf-8'))
    pinned = package['dependencies']['limax']
    assert pinned == '3.0.0'  # Rocket.Chat 8.x apps/meteor/package.json: "limax": "^3.0.0" (only 3.0.0 exists)
    assert lock['packages']['node_modules/limax']['version'] == pinned
    assert CORPUS['limax_version'] == pinned
    assert CORPUS['pinyin_loaded'] is True
    for name, version in CORPUS['dependencies'].items():
        assert lock['packages']['node_modules/' + name]['version'] == version
    assert limax.LIMAX_VERSION == pinned
    charmap = json.loads((ROOT / 'tests' / 'data' / 'limax-charmap.json').read_text(encoding='utf-8'))
    assert charmap['limax_version'] == pinned


@pytest.mark.skipif(not (ORACLE / 'node_modules' / 'limax').is_dir() or shutil.which('node') is None,
                    reason='the oracle is not installed (cd tools/oracles/limax && npm install --no-save)')
def test_the_committed_files_are_what_the_installed_library_gives():
    run = subprocess.run(['node', 'generate.js', '--check'], cwd=str(ORACLE), capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
