"""Settings details a contract audit found the sandbox getting wrong (REST-CONTRACT.md §5)."""

import requests


def private_settings(rc):
    reply, frame = rc.method_call("private-settings:get", [], rc.admin)
    assert reply.status_code == 200, reply.text
    return {doc["_id"]: doc for doc in frame["result"]}


def test_private_settings_select_options_are_key_and_i18n_label_only(rc):
    """§5.6: the server's documents; `label` is only an annotation of the project's data file."""
    docs = private_settings(rc)
    options = [option for doc in docs.values() for option in doc.get("values") or []]
    assert options, "some settings are selects"
    assert all(set(option) == {"key", "i18nLabel"} for option in options), options
