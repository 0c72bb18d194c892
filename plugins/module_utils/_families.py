# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The three group-map families (roles, channels, teams): one declaration each, and who owns each setting.

A family names the module that manages it, its plain options and the setting each one writes, the
setting holding its JSON map and how the server reads that map. Everything else is derived from these
three declarations: the mapping modules' argument specs, ``OWNER`` (the one module that writes each
setting), the directory's view of a membership mapping (``_directory.MembershipSpec``, the teams
query), ``ldap_check``'s options that preview a mapping module, and the test tying the role's
variables to the modules' options.

Pure data: imports only the catalog.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict

from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import (
    SETTING_IDS, ldap_settings_argument_spec,
)

# Options every mapping module has besides its settings options and ``mappings``.
MAPPING_OPTIONS = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    exclusive=dict(type="bool", default=False),
    allow_empty=dict(type="bool", default=False),
    validate_groups=dict(type="bool", default=False),
)

# LDAP_Sync_User_Data_{Roles,Channels}_GroupMembershipValidationStrategy
STRATEGIES = ["each_group", "once"]


class Family:
    """One group map and the settings that go with it.

    ``settings``: ``[(option, (setting id, argument spec))]`` in the module's option order;
    ``enabled``, ``base_dn``, ``filter`` and ``strategy`` name the options playing those parts.
    ``base_dn_fallback`` is the setting the server uses when the base DN is empty (teams only).
    ``group_in_filter``: the server substitutes each mapped group for ``#{groupName}`` in the filter
    (roles, channels; the teams query has no group placeholder). ``always_list``: the server only
    accepts lists as map values (teams). ``cut_at_dot``: the server reads only the text before the
    first '.' of a value (roles).
    """

    def __init__(self, owner, noun, plural, map_setting, settings, enabled="enabled", base_dn="base_dn",
                 filter_option="filter", strategy=None, base_dn_fallback=None, group_in_filter=True,
                 always_list=False, cut_at_dot=False):
        self.owner = owner                # the module that writes these settings
        self.noun = noun                  # "role"
        self.plural = plural              # "roles": also the value key of a mapping entry
        self.map_setting = map_setting    # the setting id holding the JSON map
        self.settings = OrderedDict(settings)
        self.enabled = enabled
        self.base_dn = base_dn
        self.filter = filter_option
        self.strategy = strategy
        self.base_dn_fallback = base_dn_fallback
        self.group_in_filter = group_in_filter
        self.always_list = always_list
        self.cut_at_dot = cut_at_dot

    def setting(self, option):
        """The setting id an option writes."""
        return self.settings[option][0]

    @property
    def setting_ids(self):
        """Every setting the family's module owns: its options' settings and the map."""
        return frozenset([setting_id for setting_id, _spec in self.settings.values()] + [self.map_setting])

    def argument_spec(self):
        spec = dict(MAPPING_OPTIONS)
        spec["mappings"] = dict(type="list", elements="dict", default=[], options=dict(
            group=dict(type="str", required=True),
            **{self.plural: dict(type="list", elements="str")}
        ))
        for option, (_setting_id, option_spec) in self.settings.items():
            spec[option] = dict(option_spec)
        spec["ldap_settings"] = ldap_settings_option_spec()
        return spec

    def __repr__(self):
        return "Family(%s)" % self.plural


def ldap_settings_option_spec():
    """The mapping modules' ``ldap_settings`` option: the ldap_settings module's options that describe
    settings (its typed options and its raw ``settings`` map), so the same variable feeds both modules."""
    options = ldap_settings_argument_spec()
    options["settings"] = dict(type="dict")
    return dict(type="dict", options=options)


def _group_sync_settings(prefix, auto_remove_id, *more):
    """The options of role or channel sync, whose setting ids share ``prefix``; ``more`` goes after enabled."""
    return [("enabled", (prefix, dict(type="bool")))] + list(more) + [
        ("auto_remove", (auto_remove_id, dict(type="bool"))),
        ("base_dn", (prefix + "_BaseDN", dict(type="str"))),
        ("filter", (prefix + "_Filter", dict(type="str"))),
        ("validation_strategy", (prefix + "_GroupMembershipValidationStrategy", dict(type="str", choices=STRATEGIES))),
    ]


ROLES = Family(
    "ldap_role_mapping", "role", "roles", "LDAP_Sync_User_Data_RolesMap",
    _group_sync_settings("LDAP_Sync_User_Data_Roles", "LDAP_Sync_User_Data_Roles_AutoRemove"),
    strategy="validation_strategy", cut_at_dot=True,
)

CHANNELS = Family(
    "ldap_channel_mapping", "channel", "channels", "LDAP_Sync_User_Data_ChannelsMap",
    _group_sync_settings("LDAP_Sync_User_Data_Channels", "LDAP_Sync_User_Data_Channels_Enforce_AutoChannels",
                         ("admin_user", ("LDAP_Sync_User_Data_Channels_Admin", dict(type="str")))),
    strategy="validation_strategy",
)

TEAMS = Family(
    "ldap_team_mapping", "team", "teams", "LDAP_Groups_To_Rocket_Chat_Teams",
    [
        ("enabled", ("LDAP_Enable_LDAP_Groups_To_RC_Teams", dict(type="bool"))),
        ("validate_each_login", ("LDAP_Validate_Teams_For_Each_Login", dict(type="bool"))),
        ("base_dn", ("LDAP_Teams_BaseDN", dict(type="str"))),
        ("name_attributes", ("LDAP_Teams_Name_Field", dict(type="list", elements="str"))),
        ("query", ("LDAP_Query_To_Get_User_Teams", dict(type="str"))),
    ],
    filter_option="query", base_dn_fallback="LDAP_BaseDN", group_in_filter=False, always_list=True,
)

FAMILIES = (ROLES, CHANNELS, TEAMS)

# Each setting id is written by exactly one module, so modules never fight over a value: a family's
# settings by its mapping module, every other LDAP setting by ldap_settings.
OWNER = dict((setting_id, "ldap_settings") for setting_id in SETTING_IDS)
OWNER.update((setting_id, family.owner) for family in FAMILIES for setting_id in family.setting_ids)


def ids_owned_by(module_name):
    """The setting ids ``module_name`` (e.g. ``'ldap_role_mapping'``) owns, in catalog order."""
    return tuple(setting_id for setting_id in SETTING_IDS if OWNER[setting_id] == module_name)
