"""Settings routes: GET settings.public, GET/POST settings (bulk POST 8.6+), GET/POST settings/<id>,
and the methods behind method.call: saveSettings and private-settings/get. With them, the rules a
write passes (types, validation rules) and secret masking."""

import datetime
import json

from .. import ajv, errors, paging, router
from ..encoding import json_type
from ..errors import ApiError
from ..pipeline import Route
from .method_call import MatchError


# ---------------------------------------------------------------------------------------- validation rules
def _teams_map_problem(value):
    """LDAP_Groups_To_Rocket_Chat_Teams: a JSON object whose values are arrays of strings (§6.4; the
    settings data adds "non-empty"); "" means no map. Invalid JSON is refused too (NOT DETERMINED:
    the contract only names the values' shape). The message text is NOT DETERMINED either: the
    wording of Rocket.Chat's own check is used."""
    if value == "":
        return None
    try:
        mapping = router.parse_js_json(value) if isinstance(value, str) else None
    except ValueError:
        mapping = None
    if isinstance(mapping, dict) and all(
            isinstance(teams, list) and teams and all(isinstance(team, str) for team in teams)
            for teams in mapping.values()):
        return None
    return "Please verify your mapping for LDAP X RocketChat Teams. There is some invalid Rocket Chat Teams."


SETTING_VALIDATION_RULES = {"LDAP_Groups_To_Rocket_Chat_Teams": _teams_map_problem}


def _check_validation_rules(setting_id, value):
    """Settings with a validation rule (§5.3, §5.4): 400 error-setting-validation-failed."""
    rule = SETTING_VALIDATION_RULES.get(setting_id)
    message = rule(value) if rule else None
    if message:
        raise errors.failure(message, errorType="error-setting-validation-failed")


def _check_setting_type(doc, value, integer_check):
    setting_type = (doc or {}).get("type", "string")

    def match_error(expected):
        raise errors.failure("Match error: Expected %s, got %s" % (expected, json_type(value)))

    if setting_type == "boolean":
        if not isinstance(value, bool):
            match_error("boolean")
    elif setting_type in ("int", "timespan", "range"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            match_error("number")
        if integer_check and not float(value).is_integer():
            raise errors.meteor_error("error-invalid-setting-value", "Invalid setting value %s" % ajv.js_number_text(value),
                                      {"method": "saveSettings"})
    elif setting_type == "multiSelect":
        if not isinstance(value, list):
            match_error("array")
    elif setting_type == "roomPick":
        if not (isinstance(value, dict) or value == ""):
            raise errors.failure("Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation")
    elif setting_type == "code":
        if not isinstance(value, str):
            match_error("string")
        if doc.get("code") == "application/json" and value != "":  # only "" is exempt (§5.4)
            try:
                router.parse_js_json(value)
            except ValueError:
                raise ApiError(400, {"success": False, "error": "[Invalid JSON provided]",
                                     "errorType": "Invalid JSON provided"})
    elif not isinstance(value, str):
        match_error("string")


# ---------------------------------------------------------------------------------------- secret masking
# develop's maskSecretSettingValue / shouldSkipSecretWrite (§5.8), on with the mask_secrets option.
def is_secret(doc):
    return bool(doc.get("secret")) or doc.get("type") == "password"


def has_value(doc):
    # NOT DETERMINED: the helper's exact test; an unset or empty value is taken as "no value"
    return doc.get("value") not in (None, "")


def masked(doc, item):
    """`item` (a read of `doc`) with the secret value replaced: "" plus hasValue, no env-source keys."""
    item = {k: v for k, v in item.items() if k not in ("processEnvValue", "meteorSettingsValue", "valueSource")}
    item["value"] = ""
    item["hasValue"] = has_value(doc)
    return item


# ---------------------------------------------------------------------------------------- routes
class SettingsRoutes:
    def __init__(self, store, two_factor):
        self.store = store
        self.two_factor = two_factor

    def routes(self):
        return [
            Route("GET", "/api/v1/settings.public", self.settings_public, auth=False),
            Route("GET", "/api/v1/settings", self.settings_list),
            Route("POST", "/api/v1/settings", self.settings_bulk,
                  two_factor={"disable_remember_me": True}, bands=("8.6", "9")),
            Route("GET", "/api/v1/settings/:_id", self.setting_get, permissions=("view-privileged-setting",)),
            Route("POST", "/api/v1/settings/:_id", self.setting_post, permissions=("edit-privileged-setting",),
                  two_factor={}),
        ]

    def methods(self):
        """The method.call methods of this family: name -> handler(req, params)."""
        return {"saveSettings": self.save_settings_method, "private-settings/get": self.private_settings_method}

    # ---------------------------------------------------------------- reads
    def _listed_setting(self, doc, include_defaults):
        """The fixed projection of GET /settings, with the EE fetch-settings hook applied."""
        item = {"_id": doc["_id"]}
        if doc.get("type") != "group":
            if "value" in doc:
                item["value"] = doc["value"]
            if doc.get("enterprise") and not all(self.store.licensed(m) for m in doc.get("modules") or []):
                if "invalidValue" in doc:
                    item["value"] = doc["invalidValue"]
                else:
                    item.pop("value", None)
        for key in ("enterprise", "invalidValue", "modules"):
            if key in doc:
                item[key] = doc[key]
        if include_defaults and "packageValue" in doc:
            item["packageValue"] = doc["packageValue"]
        return self._secret_read(doc, item)

    def _secret_read(self, doc, item):
        """A REST read of a setting, masked when secret masking is on and the setting is secret."""
        return masked(doc, item) if self.store.options["mask_secrets"] and is_secret(doc) else item

    def settings_list(self, req):
        privileged = self.store.has_permission(req.user, "view-privileged-setting")
        docs = [d for d in self.store.settings.values()
                if not d.get("hidden") and (privileged or d.get("public") is True)]
        include_defaults = req.query.get("includeDefaults") is True
        items = [self._listed_setting(d, include_defaults) for d in docs]
        page, counts = paging.page(self.store, req.query, items)
        return dict({"settings": page}, **counts)

    def settings_public(self, req):
        docs = [d for d in self.store.settings.values() if d.get("public") is True and not d.get("hidden")]
        if "_id" in req.query:
            wanted = set(req.query["_id"].split(","))
            docs = [d for d in docs if d["_id"] in wanted]
        items = [self._listed_setting(d, False) for d in docs]
        page, counts = paging.page(self.store, req.query, items)
        return dict({"settings": page}, **counts)

    def setting_get(self, req):
        doc = self.store.settings.get(req.params["_id"])
        if doc is None or doc.get("hidden"):
            raise errors.failure()
        body = {"_id": doc["_id"]}
        if "value" in doc:
            body["value"] = doc["value"]  # raw stored value: no licence coercion, no masking in 8.x
        return self._secret_read(doc, body)

    def private_settings_method(self, req, params):
        """private-settings/get: full documents (raw stored value), enableQuery/displayQuery as JSON
        strings (§5.6); with a date, only the documents changed since."""
        store = self.store
        if not (store.has_permission(req.user, "view-privileged-setting")
                or store.has_permission(req.user, "manage-selected-settings")):
            return []
        docs = [self._private_setting(d) for d in store.settings.values() if not d.get("hidden")]
        since = params[0] if params else None
        if isinstance(since, datetime.datetime):
            return {"update": [d for d in docs if d["_updatedAt"] > since], "remove": []}
        return docs

    def _private_setting(self, doc):
        full = dict(doc)
        for key in ("enableQuery", "displayQuery"):
            if key in full and not isinstance(full[key], str):
                full[key] = json.dumps(full[key], separators=(",", ":"))
        return self._secret_read(doc, full)

    # ---------------------------------------------------------------- writes
    def _skips_secret_write(self, setting_id, value):
        """shouldSkipSecretWrite: with masking on, "" sent to a secret that has a value changes nothing."""
        doc = self.store.settings.get(setting_id)
        return (self.store.options["mask_secrets"] and doc is not None and is_secret(doc) and value == ""
                and has_value(doc))

    def setting_post(self, req):
        body = req.body if isinstance(req.body, dict) else {}
        doc = self.store.settings.get(req.params["_id"])
        if doc is None or doc.get("hidden"):
            raise errors.failure()
        if body.get("execute") is True and doc.get("type") == "action":
            return {}
        if "value" not in body:
            raise errors.failure()
        _check_validation_rules(doc["_id"], body["value"])
        if self._skips_secret_write(doc["_id"], body["value"]):
            return {}
        if not self.store.write_setting(doc["_id"], body["value"], skip_hidden=True):
            raise errors.failure()  # blocked: the update matched nothing
        self.store.log("setting %s changed by %s" % (doc["_id"], req.user["username"]))
        return {}

    def settings_bulk(self, req):
        self._save_settings(req.user, req.body["settings"], integer_check=True, validation_rules=True)
        return {}

    def save_settings_method(self, req, params):
        """saveSettings([{_id, value}, ...], {twoFactorCode, twoFactorMethod}?): 2FA from the last param."""
        two_factor = {}
        if params and isinstance(params[-1], dict) and "twoFactorCode" in params[-1]:
            two_factor = params[-1]
            params = params[:-1]
        self.two_factor.check(req.user, code=two_factor.get("twoFactorCode"),
                              method=two_factor.get("twoFactorMethod"), headers=req.headers,
                              token_entry=req.token_entry, client_ip=req.client_ip)
        items = params[0] if params else None
        if not isinstance(items, list) or not all(
                isinstance(i, dict) and isinstance(i.get("_id"), str) and "value" in i for i in items):
            raise MatchError("Match error: Expected array, got %s" % json_type(items))
        return self._save_settings(req.user, items, integer_check=False, validation_rules=False)

    def _save_settings(self, user, items, *, integer_check, validation_rules):
        """saveSettings / saveSettingsBulk: permission and type checks before any write (§5.4, §5.5);
        the bulk route also applies validation rules, the saveSettings method does not (§5.5)."""
        store = self.store
        privileged = store.has_permission(user, "edit-privileged-setting")
        not_allowed = []
        for item in items:
            setting_id, value = item["_id"], item["value"]
            if not privileged:
                not_allowed.append(setting_id)
                continue
            doc = store.settings.get(setting_id)
            _check_setting_type(doc, value, integer_check)
            if validation_rules:
                _check_validation_rules(setting_id, value)
        if not_allowed:
            raise errors.meteor_error("error-action-not-allowed", "Editing settings is not allowed",
                                      {"method": "saveSettings", "settingIds": not_allowed})
        # Site_Name follows Organization_Name while it is the default or still equal to the organisation's name
        site_name = store.settings["Site_Name"]["value"]
        site_name_default = site_name in (store.settings["Site_Name"]["packageValue"],
                                          store.settings["Organization_Name"].get("value"))
        for item in items:
            if self._skips_secret_write(item["_id"], item["value"]):
                continue
            # updateValueById: match _id, not blocked; no upsert (unknown ids silently succeed); hidden written
            store.write_setting(item["_id"], item["value"], skip_hidden=False)
            if item["_id"] == "Organization_Name" and site_name_default:
                store.write_setting("Site_Name", item["value"], skip_hidden=False)
        return True
