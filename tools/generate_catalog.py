#!/usr/bin/env python3
"""Regenerate the data block of plugins/module_utils/_catalog.py from tests/data/ldap-settings.json.

    python tools/generate_catalog.py          # rewrite the block in place
    python tools/generate_catalog.py --check  # exit 1 when the block is stale

One row per setting, in the fields of ``_catalog.Setting``. The collection never reads the JSON at
run time; tests/unit/plugins/module_utils/test_catalog.py checks that the two agree.
"""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
JSON_PATH = ROOT / 'tests' / 'data' / 'ldap-settings.json'
CATALOG_PATH = ROOT / 'plugins' / 'module_utils' / '_catalog.py'
BEGIN = '# BEGIN GENERATED from tests/data/ldap-settings.json by tools/generate_catalog.py: do not edit\n'
END = '# END GENERATED\n'
WIDTH = 118   # the repository's line length less the indent
INDENT = '    '


def load_settings(path=JSON_PATH):
    return json.loads(path.read_text(encoding='utf-8'))


def row(entry):
    """The fields of ``_catalog.Setting``, in order."""
    values = tuple(v['key'] for v in entry['values']) if entry['values'] else None
    return (entry['id'], entry['type'], entry['default'], entry['enterprise'], tuple(entry['modules'] or ()),
            values, entry['secret'], entry['tab'], entry['section'])


def _pieces(value):
    """``repr`` of a field, a long text cut into adjacent literals (Python joins them back)."""
    text = repr(value)
    if not isinstance(value, str) or len(text) <= WIDTH - 8:
        return [text]
    chunk = WIDTH - 12
    return [repr(value[i:i + chunk]) for i in range(0, len(value), chunk)]


def row_lines(entry):
    """One line per setting; a row that does not fit goes on as few continuation lines as it needs."""
    fields = [_pieces(value) for value in row(entry)]
    lines, line = [], '('
    for index, pieces in enumerate(fields):
        last = index == len(fields) - 1
        for number, piece in enumerate(pieces):
            end = ('),' if last else ',') if number == len(pieces) - 1 else ''
            token = piece + end
            joiner = '' if line.endswith('(') else ' '
            if len(line) + len(joiner) + len(token) > WIDTH and line.strip('( '):
                lines.append(line.rstrip())
                line = ' ' + token
            else:
                line += joiner + token
    lines.append(line)
    return ''.join(INDENT + text + '\n' for text in lines)


def generated_block(settings):
    return BEGIN + '_SETTINGS_DATA = (\n' + ''.join(row_lines(e) for e in settings) + ')\n' + END


def render(current_text, settings):
    start = current_text.index(BEGIN)
    end = current_text.index(END) + len(END)
    return current_text[:start] + generated_block(settings) + current_text[end:]


def main(argv):
    text = CATALOG_PATH.read_text(encoding='utf-8')
    new = render(text, load_settings())
    if '--check' in argv:
        if new != text:
            sys.stderr.write('plugins/module_utils/_catalog.py is stale: run python tools/generate_catalog.py\n')
            return 1
        return 0
    CATALOG_PATH.write_text(new, encoding='utf-8')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
