"""Users, roles and rooms: roles.list, users.info, users.list, channels.info, channels.members,
teams.info, teams.members."""

import json
import re

from .. import errors, paging
from ..pipeline import Route

# users.list (contract §7.3). The nine fields getNonEmptyFields lists by default
# (RocketChat/Rocket.Chat apps/meteor/server/api/lib/users.ts @00c0f09c; app/api/server/lib/users.ts @05bdac84):
LIST_DEFAULT_FIELDS = ("name", "username", "emails", "roles", "status", "active", "avatarETag", "lastLogin", "type")
# parseJsonQuery's non-selectable / non-queryable fields and the zeros it always adds to `fields`
# (apps/meteor/server/api/ApiClass.ts @0358e0dc: defaultFieldsToExclude, limitedUserFieldsToExcludeIfIsPrivilegedUser
# for a caller with view-full-other-user-info, defaultLimitedUserFieldsToExclude for the others).
FIELDS_TO_EXCLUDE = ("joinCode", "members", "importIds", "e2e")
PRIVILEGED_USER_FIELDS_TO_EXCLUDE = ("services", "inviteToken")
LIMITED_USER_FIELDS_TO_EXCLUDE = ("avatarOrigin", "emails", "phone", "statusConnection", "createdAt", "lastLogin",
                                  "services", "requirePasswordChange", "requirePasswordChangeReason", "roles",
                                  "statusDefault", "_updatedAt", "settings", "inviteToken")
# clean(query, pathAllowConf.def) keeps these top-level operators (apps/meteor/app/api/server/lib/cleanQuery.ts
# @7aa0d963); users.list's isValidQuery (apps/meteor/server/api/lib/isValidQuery.ts @2048c747) allows its
# queryOperations ['$or', '$and'] plus '$regex', '$options'.
QUERY_CLEAN_ALLOWED = ("$or", "$and", "$regex")
LIST_QUERY_OPERATIONS = ("$or", "$and", "$regex", "$options")
_MISSING = object()


class UsersRoutes:
    def __init__(self, store):
        self.store = store
        self._listed = (None, None)   # users.list: (what it was computed for, the sorted views)

    def routes(self):
        return [
            Route("GET", "/api/v1/roles.list", self.roles_list),
            Route("GET", "/api/v1/users.info", self.users_info),
            Route("GET", "/api/v1/users.list", self.users_list, permissions=("view-d-room",)),
            Route("GET", "/api/v1/channels.info", self.channels_info),
            Route("GET", "/api/v1/channels.members", self.channels_members),
            Route("GET", "/api/v1/teams.info", self.teams_info),
            Route("GET", "/api/v1/teams.members", self.teams_members),
        ]

    def roles_list(self, req):
        return {"roles": [dict(r) for r in self.store.roles.values()]}

    # ---------------------------------------------------------------- users
    def _user_view(self, user, viewer):
        view = {k: user[k] for k in ("_id", "username", "name", "type", "status", "active", "roles", "emails",
                                     "utcOffset", "createdAt", "lastLogin", "customFields",
                                     "freeSwitchExtension", "avatarETag") if k in user}
        if user.get("ldap"):
            view["ldap"] = True
        if self.store.has_permission(viewer, "view-full-other-user-info") or (viewer and viewer["_id"] == user["_id"]):
            services = {k: v for k, v in user["services"].items() if k in ("ldap",)}
            if services:
                view["services"] = services
        return view

    def users_info(self, req):
        q = req.query
        if any(q.get(k) == "" for k in ("userId", "username", "importId", "email", "freeSwitchExtension")):
            # the schema lets an empty identifier through; the handler finds no search term
            raise errors.failure("Invalid search query.")
        if "userId" in q:
            user = self.store.find_user(user_id=q["userId"])
        elif "username" in q:
            user = self.store.find_user(username=q["username"])
        elif "email" in q:
            user = self.store.find_user(email=q["email"])
        elif "freeSwitchExtension" in q:
            user = next((u for u in self.store.users() if u.get("freeSwitchExtension") == q["freeSwitchExtension"]),
                        None)
        else:
            user = None  # importId: the sandbox imports nothing through the importer
        if user is None:
            raise errors.failure("User not found.")
        return {"user": self._user_view(user, req.user)}

    def users_list(self, req):
        """users.list as 8.x answers it (contract §7.3, apps/meteor/server/api/v1/users.ts): one aggregation,
        $match -> inclusive $project -> $addFields nameInsensitive -> sort, skip, limit. `fields` and `query` are
        read only with ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS (the start-up option; parseJsonQuery,
        apps/meteor/server/api/lib/parseJsonQuery.ts @11654319); 9.0's schema refuses them. Route read at @00e428ca."""
        privileged = self.store.has_permission(req.user, "view-full-other-user-info")
        sort = paging.requested_sort(req.query)           # parseJsonQuery: sort, then fields, then query
        unsafe = self.store.options["allow_unsafe_query_and_fields"] and self.store.band != "9"
        excluded = FIELDS_TO_EXCLUDE + (PRIVILEGED_USER_FIELDS_TO_EXCLUDE if privileged
                                        else LIMITED_USER_FIELDS_TO_EXCLUDE)
        fields = _parse_fields(req.query.get("fields"), excluded) if unsafe else {}
        query = _parse_query(req.query.get("query"), excluded) if unsafe else {}
        # parseJsonQuery adds the zeros; getNonEmptyFields merges over the defaults; getInclusiveFields keeps the 1s
        merged = dict({name: 1 for name in LIST_DEFAULT_FIELDS}, **fields)
        merged.update({name: 0 for name in excluded})
        projection = tuple(k for k, v in merged.items() if _is_one(v))
        # getNonEmptyQuery
        match = {"$or": [{"username": {"$regex": "", "$options": "i"}}, {"name": {"$regex": "", "$options": "i"}}]}
        if privileged:
            match["$or"].append({"emails.address": {"$regex": "", "$options": "i"}})
        if query:
            match.update(query)
        email = req.query.get("email")
        if email:
            if not privileged:
                raise errors.forbidden(self.store.band)
            match["emails.address"] = {"$regex": "^%s$" % _escape_regexp(email), "$options": "i"}
        allowed = list(projection) + [wildcard for field, wildcard in (
            ("emails", "emails.address.*"), ("username", "username.*"), ("name", "name.*"), ("type", "type.*"),
            ("customFields", "customFields.*")) if field in projection]
        problems = []
        if not _valid_query(match, allowed, LIST_QUERY_OPERATIONS, problems):
            raise errors.meteor_error("error-invalid-query", "\n".join(problems))
        sort = dict(sort or [("username", 1)])
        if "status" in sort:
            sort["active"] = sort["status"]
        if "name" in sort:
            sort["nameInsensitive"] = sort["name"]
        views = self._sorted_views(match, projection, tuple(sort.items()))
        page, counts = paging.window(self.store, req.query, views)
        return dict({"users": page}, **counts)

    def _sorted_views(self, match, projection, sort):
        """What users.list lists for this match, projection and sort, in order. Kept until a user changes
        (store.users_version) or another list is asked for: paging through 10,000 users sorts them once, not
        once per page. Everything that changes the answer is in the key."""
        key = (self.store.users_version, json.dumps(match, sort_keys=True), projection, sort)
        if self._listed[0] != key:
            views = []
            for user in self.store.users():
                doc = _stored_document(user)
                if _matches(doc, match):
                    view = _project(doc, projection)
                    view["nameInsensitive"] = _to_lower(doc.get("name"))
                    views.append(view)
            self._listed = (key, paging.sorted_items(views, list(sort)))
        return self._listed[1]

    # ---------------------------------------------------------------- rooms and teams
    def _find_room(self, req):
        """findChannelByIdOrName: channels.info / channels.members have no schema in 8.x."""
        query = req.query
        if not any(isinstance(query.get(k), str) and query[k].strip() for k in ("roomId", "roomName")):
            raise errors.meteor_error("error-roomid-param-not-provided", 'The parameter "roomId" or "roomName" is required')
        room = None
        if "roomId" in req.query:
            room = self.store.rooms.get(req.query["roomId"])
        elif "roomName" in req.query:
            room = self.store.find_channel(req.query["roomName"])
        if room is None:
            raise errors.meteor_error(
                "error-room-not-found",
                'The required "roomId" or "roomName" param provided does not match any channel')
        return room

    def _room_view(self, room):
        view = {k: v for k, v in room.items() if k != "members"}
        view["usersCount"] = len(room["members"])
        return view

    def channels_info(self, req):
        return {"channel": self._room_view(self._find_room(req))}

    def channels_members(self, req):
        room = self._find_room(req)
        members = [self._member(uid) for uid in room["members"]]
        page, counts = paging.page(self.store, req.query, [m for m in members if m])
        return dict({"members": page}, **counts)

    def _member(self, user_id):
        user = self.store.find_user(user_id=user_id)
        if user is None:
            return None
        return {"_id": user["_id"], "username": user["username"], "name": user.get("name"),
                "status": user.get("status", "offline")}

    def _find_team(self, req):
        team = None
        if "teamId" in req.query:
            team = self.store.teams.get(req.query["teamId"])
        elif "teamName" in req.query:
            team = self.store.find_team(req.query["teamName"])
        if team is None:
            raise errors.failure("Team not found")
        return team

    def teams_info(self, req):
        team = self._find_team(req)
        return {"teamInfo": {k: v for k, v in team.items() if k != "members"}}

    def teams_members(self, req):
        team = self._find_team(req)
        members = [{"user": self._member(uid), "roles": ["owner"] if uid == team["createdBy"]["_id"] else [],
                    "createdAt": team["createdAt"]} for uid in team["members"] if self._member(uid)]
        page, counts = paging.window(self.store, req.query, members)
        return dict({"members": page}, **counts)


# ---------------------------------------------------------------- users.list helpers (contract §7.3)
def _is_one(value):
    """JS `value === 1` on a JSON number."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 1


def _is_zero_or_one(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1)


def _js_entries(value):
    """Object.entries / for-in of what JSON.parse gave (arrays and strings by index, other scalars none)."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, str)):
        return {str(i): v for i, v in enumerate(value)}
    return {}


def _parse_js_json(raw):
    """JSON.parse: no NaN/Infinity (Python's json takes them)."""
    def refuse(constant):
        raise ValueError(constant)
    return json.loads(raw, parse_constant=refuse)


def _selectable(key, excluded):
    return key not in excluded and key.split(".")[0] not in excluded


def _parse_fields(raw, excluded):
    """parseJsonQuery's `fields` (env on): every value 0 or 1, else error-invalid-fields (also for bad JSON and
    null); the non-selectable keys dropped."""
    if not isinstance(raw, str):
        return {}
    try:
        parsed = _parse_js_json(raw)
        if parsed is None:  # Object.entries(null) throws
            raise ValueError(raw)
        entries = _js_entries(parsed)
        if not all(_is_zero_or_one(v) for v in entries.values()):
            raise ValueError(raw)
    except ValueError:
        raise errors.meteor_error("error-invalid-fields", 'Invalid fields parameter provided: "%s"' % raw,
                                  {"helperMethod": "parseJsonQuery"})
    if not isinstance(parsed, (dict, list)):  # typeof fields !== 'object': no clean-up, Object.assign adds nothing
        return {} if not isinstance(parsed, str) else entries
    return {k: v for k, v in entries.items() if _selectable(k, excluded)}


def _parse_query(raw, excluded):
    """parseJsonQuery's `query` (env on): EJSON.parse (read here as JSON; NOT DETERMINED: EJSON's $date and other
    typed values are not converted), clean() (top-level $-keys other than $or/$and/$regex dropped; clean's nested
    pass works on copies and changes nothing), then the non-queryable top-level keys dropped."""
    if not isinstance(raw, str) or raw == "":
        return {}
    try:
        parsed = _parse_js_json(raw)
    except ValueError:
        raise errors.meteor_error("error-invalid-query", 'Invalid query parameter provided: "%s"' % raw,
                                  {"helperMethod": "parseJsonQuery"})
    query = {k: v for k, v in _js_entries(parsed).items() if k not in ("constructor", "__proto__", "prototype")}
    query = {k: v for k, v in query.items() if not k.startswith("$") or k in QUERY_CLEAN_ALLOWED}
    return {k: v for k, v in query.items() if _selectable(k, excluded)}


def _valid_query(query, allowed, operations, problems, parent=""):
    """isValidQuery (apps/meteor/server/api/lib/isValidQuery.ts): stops at the first bad attribute/operation."""
    for key, value in query.items():
        if key in ("constructor", "__proto__", "prototype"):
            continue
        path = "%s.%s" % (parent, key) if parent else key
        if key.startswith("$"):
            if key not in operations:
                problems.append("Invalid operation: %s" % key)
                return False
            if isinstance(value, list):
                if not all(_valid_query(v, allowed, operations, problems) for v in value if isinstance(v, dict)):
                    return False
            elif isinstance(value, dict) and not _valid_query(value, allowed, operations, problems, path):
                return False
            continue

        def fits(attribute):
            if attribute.endswith(".*"):
                return path.startswith(attribute.replace(".*", "", 1))
            if attribute.endswith("*"):
                return True
            return path == attribute
        if not any(fits(a) for a in allowed):
            problems.append("Invalid attribute: %s" % path)
            return False
        if isinstance(value, dict) and not _valid_query(value, allowed, operations, problems, path):
            return False
    return True


def _stored_document(user):
    """The user as Rocket.Chat stores it: `ldap` only on LDAP users (the sandbox keeps ldap: False on others)."""
    if user.get("ldap"):
        return user
    return {k: v for k, v in user.items() if k != "ldap"}


def _path_values(doc, parts):
    """The values Mongo compares for a dotted path (arrays on the way expanded)."""
    if not parts:
        return [doc]
    if isinstance(doc, dict):
        if parts[0] not in doc:
            return []
        return _path_values(doc[parts[0]], parts[1:])
    if isinstance(doc, list):
        return [v for item in doc for v in _path_values(item, parts)]
    return []


def _same(a, b):
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def _field_matches(doc, path, condition):
    values = _path_values(doc, path.split("."))
    leaves = [x for v in values for x in (v if isinstance(v, list) else [v])] + \
        [v for v in values if isinstance(v, list)]
    if isinstance(condition, dict) and any(k.startswith("$") for k in condition):
        if set(condition) - {"$regex", "$options"}:
            return False  # no other operator gets past isValidQuery
        if "$regex" not in condition or not isinstance(condition["$regex"], str):
            return False  # NOT DETERMINED: Mongo's error for $options without $regex
        flags = 0
        for letter, flag in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)):
            if letter in str(condition.get("$options") or ""):
                flags |= flag
        try:
            pattern = re.compile(condition["$regex"], flags)
        except re.error as exc:
            # NOT DETERMINED: how the server words Mongo's "Regular expression is invalid" error
            raise errors.failure("Regular expression is invalid: %s" % exc)
        return any(isinstance(v, str) and pattern.search(v) for v in leaves)
    if condition is None:
        return not values or any(v is None for v in leaves)
    return any(_same(v, condition) for v in leaves)


def _matches(doc, query):
    for key, condition in query.items():
        if key == "$or":
            if not any(_matches(doc, q) for q in condition if isinstance(q, dict)):
                return False
        elif key == "$and":
            if not all(_matches(doc, q) for q in condition if isinstance(q, dict)):
                return False
        elif key == "$regex":
            return False  # a top-level $regex matches nothing (Mongo refuses it; NOT DETERMINED: the reply)
        elif not _field_matches(doc, key, condition):
            return False
    return True


def _project_path(value, parts):
    if not parts:
        return value
    if isinstance(value, dict):
        if parts[0] not in value:
            return _MISSING
        inner = _project_path(value[parts[0]], parts[1:])
        return _MISSING if inner is _MISSING else {parts[0]: inner}
    if isinstance(value, list):  # each sub-document keeps the path (or becomes {}); scalars go
        out = []
        for item in value:
            if isinstance(item, (dict, list)):
                inner = _project_path(item, parts)
                out.append({} if inner is _MISSING and isinstance(item, dict) else inner)
        return [v for v in out if v is not _MISSING]
    return _MISSING


def _merge(into, extra):
    for key, value in extra.items():
        if isinstance(into.get(key), dict) and isinstance(value, dict):
            into[key] = dict(into[key])  # never into the stored document
            _merge(into[key], value)
        else:
            into[key] = value


def _project(doc, projection):
    """An inclusive $project: _id and the listed paths the document has (NOT DETERMINED here: Mongo refuses
    a projection holding both a path and its parent with "Path collision"; the sandbox keeps the parent)."""
    view = {"_id": doc["_id"]}
    for key in projection:
        if key == "_id":
            continue
        parts = key.split(".")
        if parts[0] in view and not isinstance(view[parts[0]], dict):
            continue
        projected = _project_path(doc, parts)
        if projected is not _MISSING:
            _merge(view, projected)
    return view


def _to_lower(value):
    """Mongo's $toLower: ASCII letters only; "" for a missing or null name."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _escape_regexp(text):
    """@rocket.chat/string-helpers escapeRegExp: a backslash before each regular-expression metacharacter."""
    return re.sub(r"[.*+?^${}()|[\]\\]", r"\\\g<0>", text)
