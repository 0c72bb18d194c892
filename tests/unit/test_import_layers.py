"""The import graph of plugins/ matches the layers of docs/dev/layout.md: imports go down, never up, no cycle.

    python tests/unit/test_import_layers.py      # print the graph, layer by layer

The layers are written once, here (LAYERS); docs/dev/layout.md draws the same picture and a test
below checks that it names the same files in the same layers.
"""
import ast
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLUGINS = ROOT / 'plugins'
PREFIX = 'ansible_collections.chatops.rocketchat.plugins.'

# Lowest first. A file imports only from its own layer or lower ones; within a layer, no cycle.
LAYERS = (
    ('leaves', 'pure, import nothing of the collection',
     ('_errors', '_catalog', '_ldap_filter', '_limax_charmap', '_totp', '_certificates')),
    ('domain', 'pure: values, maps and declarations; no I/O',
     ('_limax', '_families', '_reconcile', '_maps')),
    ('transport', 'the only I/O: HTTP to Rocket.Chat, LDAP to the directory',
     ('_client', '_directory')),
    ('services', 'one job each, over the transport',
     ('_settings_api', '_server_tests', '_sync_report', '_sync_skipped', '_ldap_checks', '_mapping', '_workspace')),
    ('runner', 'options, client, fail_json: what every module shares',
     ('_connection', '_base')),
)
# Libraries that mean I/O: not imported below the transport layer.
IO_LIBRARIES = ('requests', 'urllib3', 'ldap3', 'socket', 'http', 'urllib.request')
# Edges the layers allow but the design does not.
FORBIDDEN = {
    ('_ldap_checks', '_mapping'): 'the check engine previews maps with _maps, it does not run a mapping module',
}


def layer_of():
    return dict((name, index) for index, (_title, _what, names) in enumerate(LAYERS) for name in names)


def _imports(path):
    """(collection files, third-party top modules) that a file imports."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    ours, others = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module + '.' + alias.name for alias in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            if module.startswith(PREFIX):
                rest = module[len(PREFIX):].split('.')
                if len(rest) >= 2 and rest[0] == 'module_utils':
                    ours.add(rest[1])
            else:
                others.add(module)
    return ours, others


def graph():
    """{'module_utils/_x' or 'modules/x' or 'filter/x': (set of module_utils it imports, third-party)}."""
    result = {}
    for path in sorted(PLUGINS.glob('*/*.py')):
        if path.name == '__init__.py' or path.parent.name == 'doc_fragments':
            continue
        result['%s/%s' % (path.parent.name, path.stem)] = _imports(path)
    return result


def test_every_module_util_has_a_layer():
    files = set(p.stem for p in (PLUGINS / 'module_utils').glob('_*.py'))
    assert files == set(layer_of()), 'add new module_utils files to LAYERS (and to docs/dev/layout.md)'


def test_module_utils_are_private():
    public = [p.name for p in (PLUGINS / 'module_utils').glob('*.py') if not p.name.startswith('_')]
    assert public == [], 'module_utils are private to the collection: name them _name.py'


def test_imports_go_down_only():
    layers = layer_of()
    wrong = []
    for name, (ours, _others) in graph().items():
        kind, stem = name.split('/')
        for target in ours:
            assert target in layers, '%s imports unknown module_utils %s' % (name, target)
            if kind == 'module_utils' and layers[target] > layers[stem]:
                wrong.append('%s (%s) imports %s (%s)' % (stem, LAYERS[layers[stem]][0], target,
                                                          LAYERS[layers[target]][0]))
            if kind == 'module_utils' and (stem, target) in FORBIDDEN:
                wrong.append('%s imports %s: %s' % (stem, target, FORBIDDEN[(stem, target)]))
    assert wrong == []


def test_no_cycle():
    edges = dict((name.split('/')[1], ours) for name, (ours, _o) in graph().items()
                 if name.startswith('module_utils/'))
    state = {}

    def visit(node, path):
        if state.get(node) == 'done':
            return
        assert state.get(node) != 'open', 'import cycle: %s' % ' -> '.join(path + [node])
        state[node] = 'open'
        for target in sorted(edges.get(node, ())):
            visit(target, path + [node])
        state[node] = 'done'

    for node in sorted(edges):
        visit(node, [])


def test_no_io_below_the_transport():
    layers = layer_of()
    transport = [index for index, (title, _w, _n) in enumerate(LAYERS) if title == 'transport'][0]
    wrong = []
    for name, (_ours, others) in graph().items():
        kind, stem = name.split('/')
        if kind == 'module_utils' and layers[stem] < transport:
            wrong.extend('%s imports %s' % (stem, lib) for lib in others
                         if any(lib == io or lib.startswith(io + '.') for io in IO_LIBRARIES))
    assert wrong == []


def test_the_layout_page_draws_the_same_layers():
    text = (ROOT / 'docs' / 'dev' / 'layout.md').read_text(encoding='utf-8')
    picture = text.split('<!-- layers -->')[1]
    for title, _what, names in LAYERS:
        line = [row for row in picture.splitlines() if row.strip().startswith(title)]
        assert line, 'layout.md: no layer %r in the picture' % title
        assert sorted(re.findall(r'(?<!\w)_[a-z_]+', line[0])) == sorted(names), line[0]


def main():
    edges = graph()
    for title, what, names in reversed(LAYERS):
        print('%s: %s' % (title, what))
        for stem in names:
            print('    %-15s -> %s' % (stem, ', '.join(sorted(edges['module_utils/' + stem][0])) or '(nothing)'))
    print('plugins:')
    for name, (ours, _others) in sorted(edges.items()):
        if not name.startswith('module_utils/'):
            print('    %-28s -> %s' % (name, ', '.join(sorted(ours))))


if __name__ == '__main__':
    sys.exit(main())
