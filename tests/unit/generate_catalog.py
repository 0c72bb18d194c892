#!/usr/bin/env python3
"""Regenerate the data block of plugins/module_utils/_catalog.py from tests/data/ldap-settings.json.

    python tests/unit/generate_catalog.py          # rewrite the block in place
    python tests/unit/generate_catalog.py --check  # exit 1 when the block is stale

The collection never reads the JSON at run time; test_catalog.py checks the two agree.
"""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
JSON_PATH = ROOT / 'tests' / 'data' / 'ldap-settings.json'
CATALOG_PATH = ROOT / 'plugins' / 'module_utils' / '_catalog.py'
BEGIN = '# BEGIN GENERATED from tests/data/ldap-settings.json by tests/unit/generate_catalog.py: do not edit\n'
END = '# END GENERATED\n'


def load_settings(path=JSON_PATH):
    return json.loads(path.read_text(encoding='utf-8'))


def setting_line(entry):
    values = tuple(v['key'] for v in entry['values']) if entry['values'] else None
    fields = [
        ('id', entry['id']),
        ('type', entry['type']),
        ('default', entry['default']),
        ('enterprise', entry['enterprise']),
        ('modules', tuple(entry['modules'] or ())),
        ('values', values),
        ('secret', entry['secret']),
        ('code', entry['code']),
        ('invalid_value', entry['invalidValue']),
        ('has_invalid_value', entry['hasInvalidValue']),
        ('tab', entry['tab']),
        ('section', entry['section']),
    ]
    return '    _setting(\n' + ''.join('        %s=%r,\n' % pair for pair in fields) + '    ),\n'


def generated_block(settings):
    return BEGIN + '_SETTINGS_DATA = (\n' + ''.join(setting_line(e) for e in settings) + ')\n' + END


def render(current_text, settings):
    start = current_text.index(BEGIN)
    end = current_text.index(END) + len(END)
    return current_text[:start] + generated_block(settings) + current_text[end:]


def main(argv):
    text = CATALOG_PATH.read_text(encoding='utf-8')
    new = render(text, load_settings())
    if '--check' in argv:
        if new != text:
            sys.stderr.write('_catalog.py is stale: run python tests/unit/generate_catalog.py\n')
            return 1
        return 0
    CATALOG_PATH.write_text(new, encoding='utf-8')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
