"""The sandbox's username slug against the real npm package: Rocket.Chat 8.x slugifies an LDAP
username with limax(text, {replacement: '.'}) then keeps only [0-9a-z-_.] (Manager.ts ``slugify``,
REST-CONTRACT.md §6.4 "Username ... slugified when UTF8_Names_Slugify is on"). The expected values
are tests/data/limax-corpus.json, written by tools/oracles/limax/generate.js with the real library
(limax 3.0.0, the version apps/meteor/package.json names), not by any Python code."""

import json
from pathlib import Path

import pytest

from tests.sandbox.rocketchat import ldap_mapping

CORPUS = json.loads((Path(__file__).resolve().parents[1] / "data" / "limax-corpus.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", CORPUS["entries"], ids=lambda entry: "%s:%r" % (entry["category"], entry["input"]))
def test_sandbox_slug_agrees_with_the_real_limax(entry):
    assert ldap_mapping.limax(entry["input"], ".") == entry["limax"]
    assert ldap_mapping.slugify(entry["input"], True) == entry["username"]


def test_sandbox_slug_is_off_when_utf8_names_slugify_is_off():
    assert ldap_mapping.slugify("Jørgen Straße", False) == "Jørgen Straße"


def test_sandbox_port_is_of_the_corpus_version():
    assert ldap_mapping._Limax().version == CORPUS["limax_version"] == "3.0.0"
