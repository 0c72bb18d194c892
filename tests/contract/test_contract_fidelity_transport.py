"""Transport details a contract audit found the sandbox getting wrong (REST-CONTRACT.md §1)."""

import pytest
import requests


@pytest.mark.parametrize("version, expected", [
    # §1.3: 7.x routes are legacy addRoute routes (validateParams): "<ajv> [invalid-params]"
    ("7.10.0", {"success": False, "error": "must NOT have additional properties [invalid-params]",
                "errorType": "invalid-params"}),
    # §1.3: the typed router's query-string failure (8.x)
    ("8.8.1", {"success": False, "error": "must NOT have additional properties",
               "errorType": "error-invalid-params"}),
])
def test_query_string_validation_error_shape_per_band(rc, version, expected):
    rc.config(version=version)
    reply = requests.get(rc.api("settings"), params={"unknownKey": "1"}, headers=rc.admin, timeout=10)
    assert reply.status_code == 400
    assert reply.json() == expected
