"""The request schemas of the pipeline's validation step, per route and server version.

They are Rocket.Chat's own (rest_typings.json, generated from @rocket.chat/rest-typings by
tools/oracles/rest-typings/generate.mjs); ajv.py applies them as AJV does. What differs by version is
written here, next to its source.
"""

import copy
import functools
import json
from pathlib import Path

from . import ajv

REST_TYPINGS = json.loads((Path(__file__).with_name("rest_typings.json")).read_text())

# users.info's identifiers that came after 8.0 (contract §7.2): an older server has no such anyOf branch.
_USERS_INFO_SINCE = {"email": (8, 4), "freeSwitchExtension": (8, 5)}


@functools.lru_cache(maxsize=None)
def validator(key, part, band, version):
    """The validator of `part` ('query' or 'body') of route `key` ("GET /api/v1/users.info") on a server
    of `band` and `version` ((major, minor)), or None when the route has no such schema."""
    spec = REST_TYPINGS["routes"].get(key, {}).get(part)
    if spec is None:
        return None
    schema = copy.deepcopy(spec["schema"])
    if band == "9" and part == "query":
        # pending 9.0 changeset "Removes the deprecated `query` and `fields` REST API parameters" (§1.4)
        for name in ("query", "fields"):
            for branch in [schema] + schema.get("anyOf", []):
                branch.get("properties", {}).pop(name, None)
    if key == "GET /api/v1/users.info" and band != "9":
        schema["anyOf"] = [branch for branch in schema["anyOf"] if not any(
            version < _USERS_INFO_SINCE.get(name, (0, 0)) for name in branch.get("required", ()))]
    return ajv.Validator(schema, REST_TYPINGS["instances"][spec["instance"]]["coerceTypes"])
