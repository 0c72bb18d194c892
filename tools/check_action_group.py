#!/usr/bin/env python3
"""Fail unless meta/runtime.yml's action group lists exactly the modules in plugins/modules that talk to
Rocket.Chat: all but those run by a controller-side action of the same name (plugins/action/), which take no
connection options.

`module_defaults: group/chatops.rocketchat.rocketchat` is how users set the connection once; a
module missing from the group silently ignores those defaults. Run with a venv's Python (PyYAML).
"""
import os
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
GROUP = "rocketchat"


def main():
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        group = set(yaml.safe_load(handle).get("action_groups", {}).get(GROUP) or [])
    modules_dir = os.path.join(ROOT, "plugins", "modules")
    modules = {
        name[:-3] for name in os.listdir(modules_dir)
        if name.endswith(".py") and not name.startswith("_")
    } if os.path.isdir(modules_dir) else set()
    actions_dir = os.path.join(ROOT, "plugins", "action")
    modules -= {name[:-3] for name in os.listdir(actions_dir)} if os.path.isdir(actions_dir) else set()
    problems = ["module %s is not in the action group %s" % (name, GROUP) for name in sorted(modules - group)]
    problems += ["action group %s lists %s, which is not a module" % (GROUP, name) for name in sorted(group - modules)]
    for problem in problems:
        print("error: meta/runtime.yml: " + problem, file=sys.stderr)
    if problems:
        return 1
    print("action group %s lists all %d modules" % (GROUP, len(modules)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
