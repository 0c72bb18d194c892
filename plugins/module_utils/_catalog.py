# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LDAP settings catalog: facts about every LDAP setting of Rocket.Chat (8.x), as data.

The data block, one row per setting, is generated from tests/data/ldap-settings.json (a copy of the
server contract) by tools/generate_catalog.py; tests/unit/plugins/module_utils/test_catalog.py checks
that they agree. Nothing here reads a file at run time. The hand-written tables below it say how a
value is validated beyond its type and how ldap_settings' options name the settings; which module
owns each setting is declared in _families.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

Setting = namedtuple('Setting', [
    'id',                 # setting _id
    'type',               # boolean | int | string | select | password | code
    'default',            # packageValue
    'enterprise',         # needs a licence module (see `modules`)
    'modules',            # licence modules, e.g. ('ldap-enterprise',)
    'values',             # select keys, or None
    'secret',             # the server flags it secret
    'tab',                # admin UI tab
    'section',            # admin UI section
])

# BEGIN GENERATED from tests/data/ldap-settings.json by tools/generate_catalog.py: do not edit
_SETTINGS_DATA = (
    ('LDAP_Enable', 'boolean', False, False, (), None, False, 'LDAP_Connection', None),
    ('LDAP_Server_Type', 'select', 'ad', False, (), ('ad', ''), False, 'LDAP_Connection', None),
    ('LDAP_Host', 'string', '', False, (), None, False, 'LDAP_Connection', None),
    ('LDAP_Port', 'int', 389, False, (), None, False, 'LDAP_Connection', None),
    ('LDAP_Reconnect', 'boolean', False, False, (), None, False, 'LDAP_Connection', None),
    ('LDAP_Login_Fallback', 'boolean', False, False, (), None, False, 'LDAP_Connection', None),
    ('LDAP_Authentication', 'boolean', False, False, (), None, False, 'LDAP_Connection',
     'LDAP_Connection_Authentication'),
    ('LDAP_Authentication_UserDN', 'string', '', False, (), None, True, 'LDAP_Connection',
     'LDAP_Connection_Authentication'),
    ('LDAP_Authentication_Password', 'password', '', False, (), None, True, 'LDAP_Connection',
     'LDAP_Connection_Authentication'),
    ('LDAP_Encryption', 'select', 'plain', False, (), ('plain', 'tls', 'ssl'), False, 'LDAP_Connection',
     'LDAP_Connection_Encryption'),
    ('LDAP_CA_Cert', 'string', '', False, (), None, True, 'LDAP_Connection', 'LDAP_Connection_Encryption'),
    ('LDAP_Reject_Unauthorized', 'boolean', True, False, (), None, False, 'LDAP_Connection',
     'LDAP_Connection_Encryption'),
    ('LDAP_Timeout', 'int', 60000, False, (), None, False, 'LDAP_Connection', 'LDAP_Connection_Timeouts'),
    ('LDAP_Connect_Timeout', 'int', 1000, False, (), None, False, 'LDAP_Connection', 'LDAP_Connection_Timeouts'),
    ('LDAP_Idle_Timeout', 'int', 1000, False, (), None, False, 'LDAP_Connection', 'LDAP_Connection_Timeouts'),
    ('LDAP_Find_User_After_Login', 'boolean', True, False, (), None, False, 'LDAP_UserSearch', None),
    ('LDAP_BaseDN', 'string', '', False, (), None, False, 'LDAP_UserSearch', 'LDAP_UserSearch_Filter'),
    ('LDAP_User_Search_Filter', 'string', '(objectclass=*)', False, (), None, False, 'LDAP_UserSearch',
     'LDAP_UserSearch_Filter'),
    ('LDAP_User_Search_Scope', 'string', 'sub', False, (), None, False, 'LDAP_UserSearch', 'LDAP_UserSearch_Filter'),
    ('LDAP_AD_User_Search_Field', 'string', 'sAMAccountName', False, (), None, False, 'LDAP_UserSearch',
     'LDAP_UserSearch_Filter'),
    ('LDAP_User_Search_Field', 'string', 'uid', False, (), None, False, 'LDAP_UserSearch', 'LDAP_UserSearch_Filter'),
    ('LDAP_Search_Page_Size', 'int', 250, False, (), None, False, 'LDAP_UserSearch', 'LDAP_UserSearch_Filter'),
    ('LDAP_Search_Size_Limit', 'int', 1000, False, (), None, False, 'LDAP_UserSearch', 'LDAP_UserSearch_Filter'),
    ('LDAP_Group_Filter_Enable', 'boolean', False, False, (), None, False, 'LDAP_UserSearch',
     'LDAP_UserSearch_GroupFilter'),
    ('LDAP_Group_Filter_ObjectClass', 'string', 'groupOfUniqueNames', False, (), None, False, 'LDAP_UserSearch',
     'LDAP_UserSearch_GroupFilter'),
    ('LDAP_Group_Filter_Group_Id_Attribute', 'string', 'cn', False, (), None, False, 'LDAP_UserSearch',
     'LDAP_UserSearch_GroupFilter'),
    ('LDAP_Group_Filter_Group_Member_Attribute', 'string', 'uniqueMember', False, (), None, False, 'LDAP_UserSearch',
     'LDAP_UserSearch_GroupFilter'),
    ('LDAP_Group_Filter_Group_Member_Format', 'string', '', False, (), None, False, 'LDAP_UserSearch',
     'LDAP_UserSearch_GroupFilter'),
    ('LDAP_Group_Filter_Group_Name', 'string', 'ROCKET_CHAT', False, (), None, False, 'LDAP_UserSearch',
     'LDAP_UserSearch_GroupFilter'),
    ('LDAP_Unique_Identifier_Field', 'string', 'objectGUID,ibm-entryUUID,GUID,dominoUNID,nsuniqueId,uidNumber,uid', False,
     (), None, False, 'LDAP_DataSync', None),
    ('LDAP_Merge_Existing_Users', 'boolean', False, False, (), None, False, 'LDAP_DataSync', None),
    ('LDAP_Update_Data_On_Login', 'boolean', True, False, (), None, False, 'LDAP_DataSync', None),
    ('LDAP_Update_Data_On_OAuth_Login', 'boolean', False, False, (), None, False, 'LDAP_DataSync', None),
    ('LDAP_Default_Domain', 'string', '', False, (), None, False, 'LDAP_DataSync', None),
    ('LDAP_AD_Username_Field', 'string', 'sAMAccountName', False, (), None, False, 'LDAP_DataSync',
     'LDAP_DataSync_DataMap'),
    ('LDAP_Username_Field', 'string', 'uid', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_AD_Email_Field', 'string', 'mail', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_Email_Field', 'string', 'mail', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_AD_Name_Field', 'string', 'cn', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_Name_Field', 'string', 'cn', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_Extension_Field', 'string', '', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_FederationHomeServer_Field', 'string', '', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_DataSync_UseVariables', 'boolean', False, False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_DataSync_VariableMap', 'code', '{}', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_DataMap'),
    ('LDAP_Sync_User_Avatar', 'boolean', True, False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_Avatar'),
    ('LDAP_Avatar_Field', 'string', '', False, (), None, False, 'LDAP_DataSync', 'LDAP_DataSync_Avatar'),
    ('LDAP_Background_Sync', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_BackgroundSync'),
    ('LDAP_Background_Sync_Interval', 'select', 'every_24_hours', True, ('ldap-enterprise',),
     ('every_1_hour', 'every_6_hours', 'every_12_hours', 'every_24_hours', 'every_48_hours'), False, 'LDAP_Enterprise',
     'LDAP_DataSync_BackgroundSync'),
    ('LDAP_Background_Sync_Import_New_Users', 'boolean', True, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_BackgroundSync'),
    ('LDAP_Background_Sync_Keep_Existant_Users_Updated', 'boolean', True, True, ('ldap-enterprise',), None, False,
     'LDAP_Enterprise', 'LDAP_DataSync_BackgroundSync'),
    ('LDAP_Background_Sync_Merge_Existent_Users', 'boolean', False, True, ('ldap-enterprise',), None, False,
     'LDAP_Enterprise', 'LDAP_DataSync_BackgroundSync'),
    ('LDAP_Background_Sync_Disable_Missing_Users', 'boolean', False, True, ('ldap-enterprise',), None, False,
     'LDAP_Enterprise', 'LDAP_DataSync_BackgroundSync'),
    ('LDAP_Background_Sync_Avatars', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_BackgroundSync'),
    ('LDAP_Background_Sync_Avatars_Interval', 'string', '0 0 * * *', True, ('ldap-enterprise',), None, False,
     'LDAP_Enterprise', 'LDAP_DataSync_BackgroundSync'),
    ('LDAP_Sync_User_Active_State', 'select', 'disable', True, ('ldap-enterprise',), ('none', 'disable', 'both'), False,
     'LDAP_Enterprise', 'LDAP_DataSync_Advanced'),
    ('LDAP_User_Search_AttributesToQuery', 'string', '*,+', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Advanced'),
    ('LDAP_Sync_AutoLogout_Enabled', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_AutoLogout'),
    ('LDAP_Sync_AutoLogout_Interval', 'string', '*/5 * * * *', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_AutoLogout'),
    ('LDAP_Sync_Custom_Fields', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_CustomFields'),
    ('LDAP_CustomFieldMap', 'code', '{}', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_CustomFields'),
    ('LDAP_Sync_User_Data_Roles', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Roles'),
    ('LDAP_Sync_User_Data_Roles_AutoRemove', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Roles'),
    ('LDAP_Sync_User_Data_Roles_BaseDN', 'string', '', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Roles'),
    ('LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy', 'select', 'each_group', True, ('ldap-enterprise',),
     ('each_group', 'once'), False, 'LDAP_Enterprise', 'LDAP_DataSync_Roles'),
    ('LDAP_Sync_User_Data_Roles_Filter', 'string', '(&(cn=#{groupName})(memberUid=#{username}))', True,
     ('ldap-enterprise',), None, False, 'LDAP_Enterprise', 'LDAP_DataSync_Roles'),
    ('LDAP_Sync_User_Data_RolesMap', 'code', '{\n\t"rocket-admin": "admin",\n\t"tech-support": "support"\n}', True,
     ('ldap-enterprise',), None, False, 'LDAP_Enterprise', 'LDAP_DataSync_Roles'),
    ('LDAP_Sync_User_Data_Channels', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Channels'),
    ('LDAP_Sync_User_Data_Channels_Admin', 'string', 'rocket.cat', True, ('ldap-enterprise',), None, False,
     'LDAP_Enterprise', 'LDAP_DataSync_Channels'),
    ('LDAP_Sync_User_Data_Channels_BaseDN', 'string', '', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Channels'),
    ('LDAP_Sync_User_Data_Channels_GroupMembershipValidationStrategy', 'select', 'each_group', True, ('ldap-enterprise',),
     ('each_group', 'once'), False, 'LDAP_Enterprise', 'LDAP_DataSync_Channels'),
    ('LDAP_Sync_User_Data_Channels_Filter', 'string', '(&(cn=#{groupName})(memberUid=#{username}))', True,
     ('ldap-enterprise',), None, False, 'LDAP_Enterprise', 'LDAP_DataSync_Channels'),
    ('LDAP_Sync_User_Data_ChannelsMap', 'code',
     '{\n\t"employee": "general",\n\t"techsupport": [\n\t\t"helpdesk",\n\t\t"support"\n\t]\n}', True,
     ('ldap-enterprise',), None, False, 'LDAP_Enterprise', 'LDAP_DataSync_Channels'),
    ('LDAP_Sync_User_Data_Channels_Enforce_AutoChannels', 'boolean', False, True, ('ldap-enterprise',), None, False,
     'LDAP_Enterprise', 'LDAP_DataSync_Channels'),
    ('LDAP_Enable_LDAP_Groups_To_RC_Teams', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Teams'),
    ('LDAP_Groups_To_Rocket_Chat_Teams', 'code', '{}', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Teams'),
    ('LDAP_Validate_Teams_For_Each_Login', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Teams'),
    ('LDAP_Teams_BaseDN', 'string', '', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Teams'),
    ('LDAP_Teams_Name_Field', 'string', 'ou,cn', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_Teams'),
    ('LDAP_Query_To_Get_User_Teams', 'string', '(&(ou=*)(uniqueMember=#{userdn}))', True, ('ldap-enterprise',), None,
     False, 'LDAP_Enterprise', 'LDAP_DataSync_Teams'),
    ('LDAP_Background_Sync_ABAC_Attributes', 'boolean', False, True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_ABAC'),
    ('LDAP_Background_Sync_ABAC_Attributes_Interval', 'string', '0 0 * * *', True, ('ldap-enterprise',), None, False,
     'LDAP_Enterprise', 'LDAP_DataSync_ABAC'),
    ('LDAP_ABAC_AttributeMap', 'code', '{}', True, ('ldap-enterprise',), None, False, 'LDAP_Enterprise',
     'LDAP_DataSync_ABAC'),
)
# END GENERATED

_CATALOG = tuple(Setting(*fields) for fields in _SETTINGS_DATA)
SETTINGS = dict((s.id, s) for s in _CATALOG)
SETTING_IDS = tuple(s.id for s in _CATALOG)

LDAP_ENTERPRISE = 'ldap-enterprise'

# How a value is checked beyond its type (reconcile.validate_value):
#   dn        a distinguished name (empty allowed)
#   filter    an LDAP search filter; #{...} placeholders allowed; the server adds missing outer parentheses
#   cron      a 5-field cron expression
#   interval  a select key of the setting or a 5-field cron expression (the server falls back to its default otherwise)
#   pem       PEM certificates (empty allowed)
#   scope     base | one | sub
#   json      a JSON object (the type 'code' settings)
#   attributes  a comma list of attribute names; the server splits at ',' and trims each name
#             (apps/meteor/ee/server/lib/ldap/Manager.ts getLdapGroupsByUsername), so "ou, cn" is "ou,cn"
VALIDATION = {
    'LDAP_BaseDN': 'dn',
    'LDAP_Authentication_UserDN': 'bind_dn',
    'LDAP_Sync_User_Data_Roles_BaseDN': 'dn',
    'LDAP_Sync_User_Data_Channels_BaseDN': 'dn',
    'LDAP_Teams_BaseDN': 'dn',
    'LDAP_User_Search_Filter': 'filter',
    'LDAP_Sync_User_Data_Roles_Filter': 'filter',
    'LDAP_Sync_User_Data_Channels_Filter': 'filter',
    'LDAP_Query_To_Get_User_Teams': 'filter',
    'LDAP_Background_Sync_Interval': 'interval',
    'LDAP_Background_Sync_Avatars_Interval': 'cron',
    'LDAP_Sync_AutoLogout_Interval': 'cron',
    'LDAP_Background_Sync_ABAC_Attributes_Interval': 'cron',
    'LDAP_CA_Cert': 'pem',
    'LDAP_User_Search_Scope': 'scope',
    'LDAP_Host': 'host',
    'LDAP_Port': 'port',
    'LDAP_Teams_Name_Field': 'attributes',
    # Milliseconds and entry counts: 0 switches the limit (or paging) off; a negative value is no setting
    # the server's LDAP client can use.
    'LDAP_Timeout': 'count',
    'LDAP_Connect_Timeout': 'count',
    'LDAP_Idle_Timeout': 'count',
    'LDAP_Search_Page_Size': 'count',
    'LDAP_Search_Size_Limit': 'count',
}
VALIDATION.update((s.id, 'json') for s in _CATALOG if s.type == 'code')

SEARCH_SCOPES = ('base', 'one', 'sub')

# Settings read from an LDAP_AD_* twin when LDAP_Server_Type is 'ad', as the server does.
AD_TWINS = {
    'LDAP_User_Search_Field': 'LDAP_AD_User_Search_Field',
    'LDAP_Username_Field': 'LDAP_AD_Username_Field',
    'LDAP_Email_Field': 'LDAP_AD_Email_Field',
    'LDAP_Name_Field': 'LDAP_AD_Name_Field',
}


def _admin_ui_positions():
    """{id: position} in the admin UI's order: tabs in the order the server registers them; in each tab
    the settings outside a section first, then each section in registration order; within a section the
    registration order (the order of ldap-settings.json, which has no separate sorter field)."""
    tabs, sections = [], {}
    for setting in _CATALOG:
        if setting.tab not in tabs:
            tabs.append(setting.tab)
        tab_sections = sections.setdefault(setting.tab, [None])
        if setting.section not in tab_sections:
            tab_sections.append(setting.section)
    keys = sorted((tabs.index(s.tab), sections[s.tab].index(s.section), index, s.id)
                  for index, s in enumerate(_CATALOG))
    return dict((key[-1], position) for position, key in enumerate(keys))


ADMIN_UI_POSITION = _admin_ui_positions()


def admin_ui_key(setting_id):
    """Sort key of ``setting_id`` in the admin UI's order; ids the catalog does not know come last, by name."""
    position = ADMIN_UI_POSITION.get(setting_id)
    return (0, position, '') if position is not None else (1, 0, setting_id)


def in_admin_ui_order(setting_ids):
    """``setting_ids`` as a list in the admin UI's order (sections, then order within them): how results,
    diffs and reports list settings, so the same change always reads the same way."""
    return sorted(setting_ids, key=admin_ui_key)


def is_secret(setting_id):
    """True for settings whose value is never shown in results, diffs or errors (password type).

    The server also flags the bind DN and the CA certificate ``secret``; those are not credentials
    and stay visible so a diff can be reviewed, but the server may mask them (see ``may_be_masked``).
    """
    setting = SETTINGS.get(setting_id)
    return bool(setting and setting.type == 'password')


def may_be_masked(setting_id):
    """True for settings a server that masks secrets (pending 9.0) may read back as ``""``."""
    setting = SETTINGS.get(setting_id)
    return bool(setting and (setting.secret or setting.type == 'password'))


# ----------------------------------------------------------------- ldap_settings' options

SERVER_TYPE_CHOICES = {'ad': 'ad', 'other': ''}  # option value -> LDAP_Server_Type value

# (section or None, option, setting id) in admin-UI order. Ids in AD_TWINS are routed to their
# LDAP_AD_* twin when the server type is 'ad'. Every id ldap_settings owns appears exactly once
# (the twins through their plain id).
LDAP_SETTINGS_OPTIONS = (
    (None, 'enabled', 'LDAP_Enable'),
    (None, 'server_type', 'LDAP_Server_Type'),
    ('connection', 'host', 'LDAP_Host'),
    ('connection', 'port', 'LDAP_Port'),
    ('connection', 'encryption', 'LDAP_Encryption'),
    ('connection', 'ca_cert', 'LDAP_CA_Cert'),
    ('connection', 'reject_unauthorized', 'LDAP_Reject_Unauthorized'),
    ('connection', 'reconnect', 'LDAP_Reconnect'),
    ('connection', 'login_fallback', 'LDAP_Login_Fallback'),
    ('connection', 'timeout', 'LDAP_Timeout'),
    ('connection', 'connect_timeout', 'LDAP_Connect_Timeout'),
    ('connection', 'idle_timeout', 'LDAP_Idle_Timeout'),
    ('authentication', 'enabled', 'LDAP_Authentication'),
    ('authentication', 'bind_dn', 'LDAP_Authentication_UserDN'),
    ('authentication', 'bind_password', 'LDAP_Authentication_Password'),
    ('user_search', 'base_dn', 'LDAP_BaseDN'),
    ('user_search', 'filter', 'LDAP_User_Search_Filter'),
    ('user_search', 'scope', 'LDAP_User_Search_Scope'),
    ('user_search', 'search_field', 'LDAP_User_Search_Field'),
    ('user_search', 'page_size', 'LDAP_Search_Page_Size'),
    ('user_search', 'size_limit', 'LDAP_Search_Size_Limit'),
    ('user_search', 'find_user_after_login', 'LDAP_Find_User_After_Login'),
    ('user_search', 'attributes_to_query', 'LDAP_User_Search_AttributesToQuery'),
    ('group_filter', 'enabled', 'LDAP_Group_Filter_Enable'),
    ('group_filter', 'object_class', 'LDAP_Group_Filter_ObjectClass'),
    ('group_filter', 'group_id_attribute', 'LDAP_Group_Filter_Group_Id_Attribute'),
    ('group_filter', 'member_attribute', 'LDAP_Group_Filter_Group_Member_Attribute'),
    ('group_filter', 'member_format', 'LDAP_Group_Filter_Group_Member_Format'),
    ('group_filter', 'group_name', 'LDAP_Group_Filter_Group_Name'),
    ('data_sync', 'unique_identifier_field', 'LDAP_Unique_Identifier_Field'),
    ('data_sync', 'merge_existing_users', 'LDAP_Merge_Existing_Users'),
    ('data_sync', 'update_data_on_login', 'LDAP_Update_Data_On_Login'),
    ('data_sync', 'update_data_on_oauth_login', 'LDAP_Update_Data_On_OAuth_Login'),
    ('data_sync', 'default_domain', 'LDAP_Default_Domain'),
    ('data_sync', 'username_field', 'LDAP_Username_Field'),
    ('data_sync', 'email_field', 'LDAP_Email_Field'),
    ('data_sync', 'name_field', 'LDAP_Name_Field'),
    ('data_sync', 'extension_field', 'LDAP_Extension_Field'),
    ('data_sync', 'federation_home_server_field', 'LDAP_FederationHomeServer_Field'),
    ('data_sync', 'sync_avatar', 'LDAP_Sync_User_Avatar'),
    ('data_sync', 'avatar_field', 'LDAP_Avatar_Field'),
    ('data_sync', 'use_variables', 'LDAP_DataSync_UseVariables'),
    ('data_sync', 'variable_map', 'LDAP_DataSync_VariableMap'),
    ('custom_fields', 'enabled', 'LDAP_Sync_Custom_Fields'),
    ('custom_fields', 'map', 'LDAP_CustomFieldMap'),
    (None, 'active_state', 'LDAP_Sync_User_Active_State'),
    ('background_sync', 'enabled', 'LDAP_Background_Sync'),
    ('background_sync', 'interval', 'LDAP_Background_Sync_Interval'),
    ('background_sync', 'import_new_users', 'LDAP_Background_Sync_Import_New_Users'),
    ('background_sync', 'keep_existing_users_updated', 'LDAP_Background_Sync_Keep_Existant_Users_Updated'),
    ('background_sync', 'merge_existing_users', 'LDAP_Background_Sync_Merge_Existent_Users'),
    ('background_sync', 'disable_missing_users', 'LDAP_Background_Sync_Disable_Missing_Users'),
    ('background_sync', 'avatars', 'LDAP_Background_Sync_Avatars'),
    ('background_sync', 'avatars_interval', 'LDAP_Background_Sync_Avatars_Interval'),
    ('auto_logout', 'enabled', 'LDAP_Sync_AutoLogout_Enabled'),
    ('auto_logout', 'interval', 'LDAP_Sync_AutoLogout_Interval'),
    ('abac', 'enabled', 'LDAP_Background_Sync_ABAC_Attributes'),
    ('abac', 'interval', 'LDAP_Background_Sync_ABAC_Attributes_Interval'),
    ('abac', 'attribute_map', 'LDAP_ABAC_AttributeMap'),
)
LDAP_SETTINGS_SECTIONS = tuple(section for index, (section, _option, _id) in enumerate(LDAP_SETTINGS_OPTIONS)
                               if section and section not in [s for s, _o, _i in LDAP_SETTINGS_OPTIONS[:index]])


def option_name(section, option):
    """``'connection.host'`` or ``'enabled'``: how errors and exports name an option."""
    return '%s.%s' % (section, option) if section else option


def option_of(setting_id):
    """The ldap_settings option that sets ``setting_id`` (``'authentication.bind_dn'``; an AD twin answers its
    plain setting's option), or the id itself for a setting no typed option sets."""
    plain = dict((twin, plain) for plain, twin in AD_TWINS.items()).get(setting_id, setting_id)
    for section, option, candidate in LDAP_SETTINGS_OPTIONS:
        if candidate == plain:
            return option_name(section, option)
    return setting_id


def _option_spec(setting_id):
    setting = SETTINGS[setting_id]
    if setting_id == 'LDAP_Server_Type':
        return dict(type='str', choices=sorted(SERVER_TYPE_CHOICES))
    if setting.type == 'boolean':
        return dict(type='bool')
    if setting.type == 'int':
        return dict(type='int')
    if setting.type == 'password':
        return dict(type='str', no_log=True)
    if setting.type == 'code':
        return dict(type='raw')
    if setting.type == 'select' and VALIDATION.get(setting_id) != 'interval':
        return dict(type='str', choices=list(setting.values))
    if VALIDATION.get(setting_id) == 'scope':
        return dict(type='str', choices=list(SEARCH_SCOPES))
    return dict(type='str')


def ldap_settings_argument_spec():
    """The argument spec of ldap_settings' typed options (top-level ones and one dict per section)."""
    spec = {}
    for section, option, setting_id in LDAP_SETTINGS_OPTIONS:
        if section is None:
            spec[option] = _option_spec(setting_id)
        else:
            spec.setdefault(section, dict(type='dict', options={}))['options'][option] = _option_spec(setting_id)
    return spec
