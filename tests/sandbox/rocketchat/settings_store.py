"""Setting definitions of the sandbox: the project's LDAP settings data plus the few non-LDAP settings
the contract mentions, turned into Rocket.Chat setting documents (ISetting, contract §5)."""

import copy
import datetime
import json
import pathlib

SETTINGS_DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "ldap-settings.json"

LDAP_MODULE = "ldap-enterprise"

# Non-LDAP settings the contract names (§3, §1.4, §9, §5.4), as registered by the server.
# `public` follows the server's registration as far as the contract tells; where it does not, the
# value is the plausible one (2FA switches are public because the login page reads them).
EXTRA_SETTINGS = [
    {"id": "Accounts_TwoFactorAuthentication_Enabled", "type": "boolean", "default": True,
     "group": "Accounts", "section": "Two Factor Authentication", "public": True},
    {"id": "Accounts_TwoFactorAuthentication_Enforce_Password_Fallback", "type": "boolean",
     "default": True, "group": "Accounts", "section": "Two Factor Authentication", "public": True},
    {"id": "Accounts_TwoFactorAuthentication_RememberFor", "type": "int", "default": 1800,
     "group": "Accounts", "section": "Two Factor Authentication", "public": False},
    {"id": "API_Enable_Rate_Limiter", "type": "boolean", "default": True,
     "group": "Rate Limiter", "section": "API_Rate_Limiter", "public": False},
    {"id": "API_Enable_Rate_Limiter_Dev", "type": "boolean", "default": True,
     "group": "Rate Limiter", "section": "API_Rate_Limiter", "public": False},
    {"id": "API_Enable_Rate_Limiter_Limit_Calls_Default", "type": "int", "default": 10,
     "group": "Rate Limiter", "section": "API_Rate_Limiter", "public": False},
    {"id": "API_Enable_Rate_Limiter_Limit_Time_Default", "type": "int", "default": 60000,
     "group": "Rate Limiter", "section": "API_Rate_Limiter", "public": False},
    {"id": "API_Upper_Count_Limit", "type": "int", "default": 100,
     "group": "General", "section": "REST API", "public": False},
    {"id": "API_Default_Count", "type": "int", "default": 50,
     "group": "General", "section": "REST API", "public": False},
    {"id": "API_Allow_Infinite_Count", "type": "boolean", "default": True,
     "group": "General", "section": "REST API", "public": False},
    {"id": "UTF8_Names_Slugify", "type": "boolean", "default": True,
     "group": "General", "section": "UTF8", "public": True},
    # The custom user fields the workspace defines (JSON text); LDAP custom-field sync only fills
    # fields defined here (ldap-settings.json, LDAP_CustomFieldMap: "target field must exist in
    # Accounts_CustomFields"), so with the default "" it sets none.
    {"id": "Accounts_CustomFields", "type": "code", "default": "",
     "group": "Accounts", "section": "Registration", "public": True},
    {"id": "Site_Name", "type": "string", "default": "Rocket.Chat",
     "group": "General", "section": None, "public": True},
    {"id": "Organization_Name", "type": "string", "default": "",
     "group": "Setup_Wizard", "section": "Organization_Info", "public": False},
]

GROUPS = ["Accounts", "General", "LDAP", "Rate Limiter", "Setup_Wizard"]

# The fixed creation time of the workspace's settings (ts of never-changed documents).
EPOCH = datetime.datetime(2024, 1, 15, 9, 0, 0, tzinfo=datetime.timezone.utc)


def load_definitions():
    """All setting definitions, LDAP ones from the project's data file, in a uniform shape."""
    defs = json.loads(SETTINGS_DATA.read_text(encoding="utf-8"))
    for extra in EXTRA_SETTINGS:
        item = {"enterprise": False, "modules": None, "values": None, "secret": False,
                "enableQuery": None, "displayQuery": None, "invalidValue": None,
                "hasInvalidValue": False, "multiline": False, "code": None, "hidden": False,
                "tab": None, "i18nLabel": extra["id"], "i18nDescription": extra["id"] + "_Description"}
        item.update(extra)
        defs.append(item)
    return defs


def definition_for_version(definition, band):
    """Pending 9.0 makes all LDAP premium: LDAP_Enable becomes an enterprise setting (contract §6.6).
    The other core LDAP settings keep being registered without a licence in the sandbox's 9.0: the
    contract says they moved to an EE file but not that their registration moved into the licence
    callback (not determined; LDAP_Enable reading `false` without a licence already disables LDAP)."""
    if band == "9" and definition["id"] == "LDAP_Enable":
        definition = dict(definition, enterprise=True, modules=[LDAP_MODULE], invalidValue=False,
                          hasInvalidValue=True)
    return definition


def new_document(definition, sorter):
    """A setting document as the server stores it at registration (value = packageValue = default)."""
    doc = {
        "_id": definition["id"],
        "type": definition["type"],
        "value": copy.deepcopy(definition["default"]),
        "packageValue": copy.deepcopy(definition["default"]),
        "public": bool(definition.get("public")),
        "blocked": False,
        "hidden": False,
        "group": definition.get("group"),
        "i18nLabel": definition.get("i18nLabel"),
        "i18nDescription": definition.get("i18nDescription"),
        "sorter": sorter,
        "secret": bool(definition.get("secret")),
        "ts": EPOCH,
        "_updatedAt": EPOCH,
        "createdAt": EPOCH,
        "env": False,
        "autocomplete": True,
    }
    for key in ("tab", "section", "enableQuery", "displayQuery", "code"):
        if definition.get(key) is not None:
            doc[key] = copy.deepcopy(definition[key])
    if definition.get("values") is not None:
        # the server's select options are {key, i18nLabel}; `label` is the data file's annotation
        doc["values"] = [{k: v for k, v in option.items() if k != "label"} for option in definition["values"]]
    if definition.get("multiline"):
        doc["multiline"] = True
    if definition.get("enterprise"):
        doc["enterprise"] = True
        doc["modules"] = list(definition.get("modules") or [])
    if definition.get("hasInvalidValue"):
        doc["invalidValue"] = copy.deepcopy(definition["invalidValue"])
    return doc


def new_group_document(group_id, sorter):
    return {"_id": group_id, "type": "group", "i18nLabel": group_id, "sorter": sorter,
            "blocked": False, "hidden": False, "ts": EPOCH, "_updatedAt": EPOCH, "createdAt": EPOCH}


class EnvValueError(ValueError):
    pass


def convert_env_value(setting_type, raw):
    """OVERWRITE_SETTING_<id> values are strings; the server converts them by type (contract §5.7,
    `convertValue.ts`). Returns the converted value or raises EnvValueError (not applied)."""
    if not isinstance(raw, str):
        return raw  # a JSON env file may already carry native values
    if setting_type == "boolean":
        if raw in ("true", "false"):
            return raw == "true"
        raise EnvValueError("not a boolean")
    if setting_type in ("int", "timespan"):
        text = raw.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        raise EnvValueError("not an integer")
    if setting_type == "multiSelect":
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise EnvValueError("not JSON") from exc
    return raw
