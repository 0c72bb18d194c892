"""The sandbox's request parsing and validation against Rocket.Chat's own (issue 10, part 2).

Every case below is a raw request (query string, body bytes, Content-Type) to a route the collection
calls. tools/oracles/rest-typings/oracle.mjs answers each with the server's own pieces run under Node:
`qs` as packages/http-router/src/parseQueryParams.ts calls it, Router.ts's `parseBodyParams`, and the
compiled validators of @rocket.chat/rest-typings 8.8.1 (AJV 8). The sandbox must give the same answer:
the same 400 reply where the router refuses, and, where it lets the request through, no router
refusal and the same data after AJV's coercion (what the handler sees).
"""

import http.client
import json
import math
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.sandbox.rocketchat import app, router, schemas

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "tools" / "oracles" / "rest-typings"
NODE = ["node", "--import", "./register.mjs"]

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# Content-Type headers a client may send with a body: the router reads JSON only when the header
# contains "application/json" (case-sensitive), a form when it contains the form type, else the text.
CONTENT_TYPES = [JSON, "application/json; charset=utf-8", None, "text/plain", "Application/JSON", FORM]

# Query strings every GET route gets: malformed escapes, empty and prototype-named keys, brackets, repeats.
COMMON_QUERIES = ["", "zzz=1", "%ZZ=1", "a=%ZZ", "&&", "=x", "toString=1", "constructor[a]=1", "[0]=1",
                  "__proto__[count]=1", "a[b][c][d][e][f][g]=1"]

QUERIES = {
    "GET /api/v1/settings.public": [
        "count=10&offset=0", "count=abc", "count=", "count=0x10", "count=0o17", "count=0b101", "count=1_000",
        "count=NaN", "count=inf", "count=Infinity", "count=-Infinity", "count=%2012%20", "count=1e2", "count=-5",
        "count=true", "count=1.5", "count[]=5", "count[]=5&count[]=6", "count=5&count=6", "count[a]=5",
        "offset=1&offset=", "_id=Site_Name,Language", "_id[]=Site_Name", "_id=a&_id=b", "_id[x]=a", "_id=",
        "sort=%7B%22_id%22%3A1%7D", "sort[_id]=1", "query=%7B%7D", "fields=%7B%7D", "count=+5", "offset=null",
        "count=5&zzz=1", "_id=%E9", "_id=%C3%A9", "_id=a+b",
    ],
    "GET /api/v1/settings": [
        "includeDefaults=true", "includeDefaults=false", "includeDefaults=1", "includeDefaults=0",
        "includeDefaults=yes", "includeDefaults=", "includeDefaults=TRUE", "includeDefaults[]=true",
        "includeDefaults=true&includeDefaults=false", "count=0", "count=50&offset=50", "count=1_000", "count=0x10",
        "fields=%7B%7D", "query=%7B%7D", "sort=%7B%22_id%22%3A-1%7D", "offset=", "count=null",
        "includeDefaults=null", "count=%20", "sort[a]=1",
    ],
    "GET /api/v1/users.info": [
        "username=alice", "username=", "userId=abc", "importId=x", "email=a%40b.c", "freeSwitchExtension=100",
        "username=a&userId=b", "username=a&fields=%7B%7D", "username=a&includeUserRooms=true",
        "username[]=a", "username=a&username=b", "username[a]=1", "userId=", "username=a&zzz=1",
        "fields=%7B%7D", "includeUserRooms=true", "username=5", "email=", "username=a&includeUserRooms[]=x",
    ],
    "GET /api/v1/users.list": [
        "count=5", "count=5&offset=1", "email=", "email=a%40b.c", "email[]=a", "query=%7B%7D", "fields=%7B%7D",
        "includeUserRooms=true", "sort=%7B%22username%22%3A1%7D", "count=", "count=x", "email=a&email=b",
        "status=online", "count=0x1F", "offset=1e1",
    ],
    "GET /api/v1/teams.info": [
        "teamId=abc", "teamName=ops", "teamId=a&teamName=b", "teamId=a&zzz=1", "teamId[]=a", "teamId=a&teamId=b",
        "teamName=", "teamId[a]=1", "teamName=ops&count=1",
    ],
    "GET /api/v1/teams.members": [
        "teamId=abc", "teamName=ops", "teamId=a&teamName=b", "teamId=a&status=online", "teamId=a&status[]=online",
        "teamId=a&status=online&status=away", "teamId=a&status[0]=x&status[1]=y", "teamId=a&status=", "teamId=a&count=5",
        "teamId=a&count=x", "teamId=a&offset=2&sort=%7B%7D", "teamId=a&username=&name=", "teamName=ops&zzz=1",
        "teamId=a&status[a]=1", "teamId=a&count=",
    ],
    "GET /api/v1/channels.info": [
        "roomId=abc", "roomName=general", "roomId=a&roomName=b", "roomName[]=general", "roomName=a&roomName=b",
        "roomId=a&zzz=1", "roomName=", "roomId[a]=1", "roomName=general&count=5",
    ],
    "GET /api/v1/licenses.info": [
        "loadValues=true", "loadValues=false", "loadValues=1", "loadValues=0", "loadValues=yes", "loadValues=",
        "loadValues=true&loadValues=false", "loadValues[]=true", "loadValues=true&zzz=1", "loadValues=null",
    ],
}

_FRAME = json.dumps({"msg": "method", "id": "1", "method": "private-settings/get", "params": []})
BODIES = {
    "POST /api/v1/settings": [
        {"settings": [{"_id": "Site_Name", "value": "Differential"}]},
        {"settings": [{"_id": "Site_Name", "value": "x", "editor": "color"}]},
        {"settings": [{"_id": "Site_Name", "value": "x", "editor": "expression"}]},
        {"settings": [{"_id": "Site_Name", "value": "x", "editor": "x"}]},
        {"settings": [{"_id": "Site_Name", "value": "x", "editor": ["x"]}]},
        {"settings": [{"_id": "Site_Name", "value": "x", "extra": 1}]},
        {"settings": [{"_id": 5, "value": "x"}]},
        {"settings": [{"_id": True, "value": "x"}]},
        {"settings": [{"_id": None, "value": "x"}]},
        {"settings": [{"_id": "", "value": "x"}]},
        {"settings": [{"_id": {"a": 1}, "value": "x"}]},
        {"settings": [{"_id": "Site_Name"}]},
        {"settings": [{"value": "x"}]},
        {"settings": [{"_id": "Site_Name", "value": None}]},
        {"settings": [5]},
        {"settings": []},
        {"settings": "Site_Name"},
        {"settings": {"_id": "Site_Name", "value": "x"}},
        {"settings": [{"_id": "Site_Name", "value": "x"}], "extra": 1},
        {},
        [{"_id": "Site_Name", "value": "x"}],
    ],
    "POST /api/v1/settings/:_id": [
        {"value": "Differential"},
        {"value": 5},
        {"value": None},
        {"value": "x", "editor": "color"},
        {"value": "x", "editor": 5},
        {"value": "x", "editor": ["x"]},
        {"value": "x", "editor": {"a": 1}},
        {"execute": True},
        {"execute": "true"},
        {"execute": 1},
        {"execute": "yes"},
        {"execute": [True]},
        {"value": "x", "extra": 1},
        {},
    ],
    "POST /api/v1/users.generatePersonalAccessToken": [
        {"tokenName": "differential"},
        {"tokenName": "differential-bypass", "bypassTwoFactor": True},
        {"tokenName": "differential-null", "bypassTwoFactor": None},
        {"tokenName": "differential-text", "bypassTwoFactor": "true"},
        {"tokenName": "differential-yes", "bypassTwoFactor": "yes"},
        {"tokenName": 5},
        {"tokenName": None},
        {"tokenName": ["differential-list"]},
        {"tokenName": "differential-extra", "extra": 1},
        {"bypassTwoFactor": True},
        {},
    ],
    "POST /api/v1/users.removePersonalAccessToken": [
        {"tokenName": "no-such-token"},
        {"tokenName": 5},
        {"tokenName": None},
        {"tokenName": {"a": 1}},
        {"tokenName": "no-such-token", "bypassTwoFactor": True},
        {},
    ],
    "POST /api/v1/method.call/:method": [
        {"message": _FRAME},
        {"message": 5},
        {"message": True},
        {"message": None},
        {"message": {"msg": "method"}},
        {"message": [_FRAME]},
        {"message": _FRAME, "extra": 1},
        {},
        [_FRAME],
    ],
    "POST /api/v1/ldap.testSearch": [
        {"username": "alice"},
        {"username": ""},
        {"username": 10001},
        {"username": 1.5},
        {"username": None},
        {"username": True},
        {"username": ["alice"]},
        {"username": {"a": 1}},
        {"username": "alice", "extra": 1},
        {"user": "alice"},
        {},
        [],
        ["alice"],
    ],
}
# Raw bodies: what is not an object, not JSON at all, or empty.
RAW_BODIES = ["5", "true", "null", '"alice"', '"\U0001F600"', "{", "", "   ", "\ufeff{}", "username=alice",
              '{"username": NaN}', '{"username": "a", "username": "b"}']
PATHS = {"POST /api/v1/method.call/:method": "/api/v1/method.call/private-settings:get",
         "POST /api/v1/settings/:_id": "/api/v1/settings/Site_Name"}


def _cases():
    cases = []
    for route, queries in QUERIES.items():
        for query in queries + COMMON_QUERIES:
            cases.append({"route": route, "query": query, "body": None, "contentType": None})
    for route, bodies in BODIES.items():
        raw = [json.dumps(body) for body in bodies] + RAW_BODIES
        for body in raw:
            for content_type in CONTENT_TYPES:
                cases.append({"route": route, "query": "", "body": body, "contentType": content_type})
        cases.append({"route": route, "query": "zzz=1&a[b]=2", "body": raw[0], "contentType": JSON})
    for index, case in enumerate(cases):
        case["id"] = index
    return cases


CASES = _cases()


def _case_id(case):
    text = case["query"] if case["body"] is None else "%s %s" % (case["contentType"], case["body"])
    return "%s:%s" % (case["route"].split("/")[-1], text[:60])


def _decode_numbers(value):
    """oracle.mjs writes Infinity and NaN as {"$number": "..."}."""
    if isinstance(value, dict):
        if set(value) == {"$number"}:
            return {"Infinity": math.inf, "-Infinity": -math.inf}.get(value["$number"], math.nan)
        return {k: _decode_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_numbers(v) for v in value]
    return value


@pytest.fixture(scope="module")
def oracle():
    """The router's answer to every case, computed once with Rocket.Chat's own packages."""
    if shutil.which("node") is None or not (ORACLE / "node_modules" / "@rocket.chat" / "rest-typings").is_dir():
        pytest.fail("the rest-typings oracle is not installed: run `make oracles` (make test does)")
    run = subprocess.run(NODE + ["oracle.mjs"], cwd=ORACLE, input=json.dumps(CASES), capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    return {answer["id"]: _decode_numbers(answer) for answer in json.loads(run.stdout)}


@pytest.fixture(scope="module")
def admin(sandbox):
    sandbox.reset(startup=True)
    return {"X-User-Id": sandbox.env["admin_user_id"], "X-Auth-Token": sandbox.env["admin_token"]}


def _send(sandbox, admin, case):
    """The case as raw bytes (requests would re-quote a malformed query string)."""
    method, path = case["route"].split(" ")
    url = urlsplit(sandbox.url)
    target = PATHS.get(case["route"], path) + ("?" + case["query"] if case["query"] else "")
    headers = dict(admin)
    if case["contentType"] is not None:
        headers["Content-Type"] = case["contentType"]
    body = None if case["body"] is None else case["body"].encode("utf-8")
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers)
        reply = connection.getresponse()
        data = reply.read()
    finally:
        connection.close()
    try:
        return reply.status, json.loads(data)
    except ValueError:
        return reply.status, data.decode("utf-8", "replace")


def _router_refusal(status, reply):
    return status == 400 and isinstance(reply, dict) and (
        reply.get("errorType") in ("invalid-params", "error-invalid-params")
        or reply.get("error") == "Invalid query parameters")


def _validated(case):
    """The sandbox's parsing and validation, in process: the data its handler would see."""
    method = case["route"].split(" ")[0]
    version = (8, 8)
    query = router.parse_query(case["query"])
    body = router.parse_body((case["body"] or "").encode("utf-8") if method != "GET" else b"", case["contentType"])
    data = {}
    for part, value in (("query", query), ("body", body)):
        validator = schemas.validator(case["route"], part, "8.6", version)
        if validator is not None:
            valid, value, _ = validator.validate(value)
            assert valid
        data[part] = value
    return data


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_sandbox_answers_as_rocket_chats_router(sandbox, admin, oracle, case):
    expected = oracle[case["id"]]
    status, reply = _send(sandbox, admin, case)
    if expected["status"] is not None:
        assert (status, reply) == (expected["status"], expected["reply"])
        return
    assert not _router_refusal(status, reply), (status, reply)
    seen = _validated(case)
    assert seen["query"] == expected["query"]
    if case["route"].startswith("POST"):
        assert seen["body"] == expected["body"]


def test_the_cases_cover_each_kind_of_request():
    """valid, missing, extra, coerced, malformed, no content type, repeated and bracketed query keys."""
    assert len(CASES) >= 250
    assert set(QUERIES) | set(BODIES) == set(schemas.REST_TYPINGS["routes"])
    queries = [c["query"] for c in CASES]
    assert any("[]=" in q for q in queries) and any("[a]=" in q for q in queries)
    assert any(q.count("count=") > 1 for q in queries)
    assert any(c["contentType"] is None and c["body"] for c in CASES)


def test_the_oracle_agrees_with_itself_on_what_passes(oracle):
    """Both outcomes occur on every route: a test that only ever saw refusals would prove little."""
    for route in schemas.REST_TYPINGS["routes"]:
        outcomes = {oracle[c["id"]]["status"] for c in CASES if c["route"] == route}
        assert outcomes == {None, 400}, route


def test_the_committed_schemas_are_the_packages():
    """tests/sandbox/rocketchat/rest_typings.json is what generate.mjs reads out of the installed package."""
    run = subprocess.run(NODE + ["generate.mjs", "--check"], cwd=ORACLE, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert schemas.REST_TYPINGS["packages"]["@rocket.chat/rest-typings"] == "8.8.1"


def test_every_schema_route_is_a_sandbox_route():
    sandbox = app.Sandbox()
    routes = {"%s %s" % (r.method, r.pattern) for r in sandbox.routes}
    assert set(schemas.REST_TYPINGS["routes"]) <= routes
