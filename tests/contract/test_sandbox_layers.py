"""The Rocket.Chat sandbox's import graph matches the picture of its layers in docs/dev/layout.md
(the block after `<!-- sandbox layers -->`): every file of tests/sandbox/rocketchat/ is in the picture
once, imports only files on lower lines, and imports nothing of the collection (plugins/)."""

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tests" / "sandbox" / "rocketchat"
ABSOLUTE = "tests.sandbox.rocketchat"


def picture_rows():
    """The picture's files, top row first: [[relative path, ...], ...] (continuation lines skipped)."""
    text = (ROOT / "docs" / "dev" / "layout.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- sandbox layers -->\n```\n(.*?)```", text, re.S).group(1)
    rows = []
    for line in block.splitlines():
        if line and not line[0].isspace():
            names = []
            for token in line.split():
                if not token.endswith(".py"):
                    break
                names.append(token)
            rows.append(names)
    return rows


def package_files():
    return sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


def imports(relative):
    """(files of the package, other top-level modules) that a file imports."""
    path = PACKAGE / relative
    here = pathlib.PurePosixPath(relative).parent
    ours, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.parents[node.level - 2] if node.level > 1 else here
                module = [part for part in base.parts if part != "."] + (node.module.split(".") if node.module else [])
            elif node.module and (node.module + ".").startswith(ABSOLUTE + "."):
                module = node.module.split(".")[3:]
            else:
                others.add((node.module or "").split(".")[0])
                continue
            # `from . import x` names modules; `from .x import y` names things of x
            for candidate in [module + [alias.name] for alias in node.names] + [module]:
                if candidate and (PACKAGE.joinpath(*candidate[:-1]) / (candidate[-1] + ".py")).is_file():
                    ours.add("/".join(candidate) + ".py")
        elif isinstance(node, ast.Import):
            others.update(alias.name.split(".")[0] for alias in node.names)
    return ours, others


def test_every_file_is_in_the_picture_once():
    listed = [name for row in picture_rows() for name in row]
    assert sorted(listed) == package_files()


def test_imports_go_down_only():
    row_of = {name: index for index, row in enumerate(picture_rows()) for name in row}
    wrong = ["%s imports %s" % (name, target) for name in package_files() for target in imports(name)[0]
             if row_of[target] <= row_of[name]]
    assert wrong == []


def test_nothing_of_the_collection():
    wrong = [name for name in package_files() if {"plugins", "ansible_collections"} & imports(name)[1]]
    assert wrong == []
