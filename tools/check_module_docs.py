#!/usr/bin/env python3
"""Render the documentation of every module in plugins/modules with ansible-doc; fail on any problem.

Run with a venv's Python (its ansible-doc is used) and ANSIBLE_COLLECTIONS_PATH pointing at a tree
that holds ansible_collections/chatops/rocketchat. A module fails when ansible-doc does not return
it, warns or errs about it, or its documentation lacks options, examples or return values.
"""
import json
import os
import subprocess
import sys

COLLECTION = "chatops.rocketchat"
MODULES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plugins", "modules")


def module_names():
    return sorted(
        name[:-3] for name in os.listdir(MODULES_DIR)
        if name.endswith(".py") and not name.startswith("_")
    )


def render(fqcns):
    """Run ansible-doc once for fqcns; return (docs by name, problems not tied to one module)."""
    ansible_doc = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    result = subprocess.run([ansible_doc, "--json", "-t", "module"] + fqcns,
                            capture_output=True, text=True, check=False)
    problems = []
    if result.returncode != 0:
        problems.append("ansible-doc exited with %d" % result.returncode)
    if result.stderr.strip():
        problems.append("ansible-doc reported:\n" + result.stderr.strip())
    try:
        docs = json.loads(result.stdout or "{}")
    except ValueError:
        docs = {}
        problems.append("ansible-doc did not print JSON")
    return docs, problems


def check(fqcn, entry):
    if not entry or not entry.get("doc"):
        return ["%s: no documentation rendered" % fqcn]
    problems = []
    if not entry["doc"].get("options"):
        problems.append("%s: no options documented" % fqcn)
    if not (entry.get("examples") or "").strip():
        problems.append("%s: no examples" % fqcn)
    if not entry.get("return"):
        problems.append("%s: no return values documented" % fqcn)
    return problems


def main():
    names = module_names()
    if not names:
        print("skipped: no modules in plugins/modules")
        return 0
    fqcns = ["%s.%s" % (COLLECTION, name) for name in names]
    docs, problems = render(fqcns)
    if problems:
        # One broken module makes ansible-doc drop them all: render each alone to name the culprits.
        problems = []
        for fqcn in fqcns:
            docs, own_problems = render([fqcn])
            problems += [fqcn + ": " + problem for problem in own_problems] or check(fqcn, docs.get(fqcn))
    else:
        for fqcn in fqcns:
            problems += check(fqcn, docs.get(fqcn))
    for problem in problems:
        print("error: " + problem, file=sys.stderr)
    if problems:
        return 1
    print("ansible-doc rendered %d modules: %s" % (len(fqcns), ", ".join(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
