"""Users, roles and rooms: roles.list, users.info, users.list, channels.info, channels.members,
teams.info, teams.members."""

from .. import errors, paging
from ..pipeline import Route


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
        """8.x users.list: sorted by username unless asked otherwise; `email` keeps the users with that
        address (exact, case-insensitive) and needs view-full-other-user-info."""
        email = req.query.get("email")
        if email and not self.store.has_permission(req.user, "view-full-other-user-info"):
            raise errors.forbidden(self.store.band)
        sort = paging.requested_sort(req.query) or [("username", 1)]
        page, counts = paging.window(self.store, req.query, self._sorted_views(req.user, email, sort))
        return dict({"users": page}, **counts)

    def _sorted_views(self, viewer, email, sort):
        """What users.list lists for `viewer`, in order. Kept until a user changes (store.users_version)
        or another list is asked for: paging through 10,000 users sorts them once, not once per page."""
        key = (self.store.users_version, viewer["_id"], email, sort)
        if self._listed[0] != key:
            users = self.store.users()
            if email:
                users = [u for u in users
                         if any(e.get("address", "").lower() == email.lower() for e in u.get("emails", []))]
            self._listed = (key, paging.sorted_items([self._user_view(u, viewer) for u in users], sort))
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
