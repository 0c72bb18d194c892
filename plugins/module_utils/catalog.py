# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LDAP settings catalog: facts about every LDAP setting of Rocket.Chat (8.x), as data.

The data block is generated from tests/data/ldap-settings.json (a copy of the shared server
contract) by tests/unit/generate_catalog.py; tests/unit/test_catalog.py checks that they agree.
Nothing here reads a file at run time. The hand-written tables below it say which module owns
each setting and how a value is validated beyond its type.
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
    'code',               # 'application/json' when the server validates it as JSON, else None
    'invalid_value',      # what GET /settings reports while the licence is missing
    'has_invalid_value',
    'tab',                # admin UI tab
    'section',            # admin UI section
])


def _setting(**fields):
    return Setting(**fields)


# BEGIN GENERATED from tests/data/ldap-settings.json by tests/unit/generate_catalog.py: do not edit
_SETTINGS_DATA = (
    _setting(id='LDAP_Enable', type='boolean', default=False, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section=None),
    _setting(id='LDAP_Server_Type', type='select', default='ad', enterprise=False, modules=(), values=('ad', ''), secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section=None),
    _setting(id='LDAP_Host', type='string', default='', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section=None),
    _setting(id='LDAP_Port', type='int', default=389, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section=None),
    _setting(id='LDAP_Reconnect', type='boolean', default=False, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section=None),
    _setting(id='LDAP_Login_Fallback', type='boolean', default=False, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section=None),
    _setting(id='LDAP_Authentication', type='boolean', default=False, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Connection', section='LDAP_Connection_Authentication'),
    _setting(id='LDAP_Authentication_UserDN', type='string', default='', enterprise=False, modules=(), values=None, secret=True, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Connection', section='LDAP_Connection_Authentication'),
    _setting(id='LDAP_Authentication_Password', type='password', default='', enterprise=False, modules=(), values=None, secret=True, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Connection', section='LDAP_Connection_Authentication'),
    _setting(id='LDAP_Encryption', type='select', default='plain', enterprise=False, modules=(), values=('plain', 'tls', 'ssl'), secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section='LDAP_Connection_Encryption'),
    _setting(id='LDAP_CA_Cert', type='string', default='', enterprise=False, modules=(), values=None, secret=True, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section='LDAP_Connection_Encryption'),
    _setting(id='LDAP_Reject_Unauthorized', type='boolean', default=True, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section='LDAP_Connection_Encryption'),
    _setting(id='LDAP_Timeout', type='int', default=60000, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section='LDAP_Connection_Timeouts'),
    _setting(id='LDAP_Connect_Timeout', type='int', default=1000, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section='LDAP_Connection_Timeouts'),
    _setting(id='LDAP_Idle_Timeout', type='int', default=1000, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_Connection', section='LDAP_Connection_Timeouts'),
    _setting(id='LDAP_Find_User_After_Login', type='boolean', default=True, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section=None),
    _setting(id='LDAP_BaseDN', type='string', default='', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_Filter'),
    _setting(id='LDAP_User_Search_Filter', type='string', default='(objectclass=*)', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_Filter'),
    _setting(id='LDAP_User_Search_Scope', type='string', default='sub', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_Filter'),
    _setting(id='LDAP_AD_User_Search_Field', type='string', default='sAMAccountName', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_Filter'),
    _setting(id='LDAP_User_Search_Field', type='string', default='uid', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_Filter'),
    _setting(id='LDAP_Search_Page_Size', type='int', default=250, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_Filter'),
    _setting(id='LDAP_Search_Size_Limit', type='int', default=1000, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_Filter'),
    _setting(id='LDAP_Group_Filter_Enable', type='boolean', default=False, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_GroupFilter'),
    _setting(id='LDAP_Group_Filter_ObjectClass', type='string', default='groupOfUniqueNames', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_GroupFilter'),
    _setting(id='LDAP_Group_Filter_Group_Id_Attribute', type='string', default='cn', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_GroupFilter'),
    _setting(id='LDAP_Group_Filter_Group_Member_Attribute', type='string', default='uniqueMember', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_GroupFilter'),
    _setting(id='LDAP_Group_Filter_Group_Member_Format', type='string', default='', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_GroupFilter'),
    _setting(id='LDAP_Group_Filter_Group_Name', type='string', default='ROCKET_CHAT', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_UserSearch', section='LDAP_UserSearch_GroupFilter'),
    _setting(id='LDAP_Unique_Identifier_Field', type='string', default='objectGUID,ibm-entryUUID,GUID,dominoUNID,nsuniqueId,uidNumber,uid', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section=None),
    _setting(id='LDAP_Merge_Existing_Users', type='boolean', default=False, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section=None),
    _setting(id='LDAP_Update_Data_On_Login', type='boolean', default=True, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section=None),
    _setting(id='LDAP_Update_Data_On_OAuth_Login', type='boolean', default=False, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section=None),
    _setting(id='LDAP_Default_Domain', type='string', default='', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section=None),
    _setting(id='LDAP_AD_Username_Field', type='string', default='sAMAccountName', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_Username_Field', type='string', default='uid', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_AD_Email_Field', type='string', default='mail', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_Email_Field', type='string', default='mail', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_AD_Name_Field', type='string', default='cn', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_Name_Field', type='string', default='cn', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_Extension_Field', type='string', default='', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_FederationHomeServer_Field', type='string', default='', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_DataSync_UseVariables', type='boolean', default=False, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_DataSync_VariableMap', type='code', default='{}', enterprise=False, modules=(), values=None, secret=False, code='application/json', invalid_value='{}', has_invalid_value=True, tab='LDAP_DataSync', section='LDAP_DataSync_DataMap'),
    _setting(id='LDAP_Sync_User_Avatar', type='boolean', default=True, enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_Avatar'),
    _setting(id='LDAP_Avatar_Field', type='string', default='', enterprise=False, modules=(), values=None, secret=False, code=None, invalid_value=None, has_invalid_value=False, tab='LDAP_DataSync', section='LDAP_DataSync_Avatar'),
    _setting(id='LDAP_Background_Sync', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_BackgroundSync'),
    _setting(id='LDAP_Background_Sync_Interval', type='select', default='every_24_hours', enterprise=True, modules=('ldap-enterprise',), values=('every_1_hour', 'every_6_hours', 'every_12_hours', 'every_24_hours', 'every_48_hours'), secret=False, code=None, invalid_value='every_24_hours', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_BackgroundSync'),
    _setting(id='LDAP_Background_Sync_Import_New_Users', type='boolean', default=True, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=True, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_BackgroundSync'),
    _setting(id='LDAP_Background_Sync_Keep_Existant_Users_Updated', type='boolean', default=True, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=True, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_BackgroundSync'),
    _setting(id='LDAP_Background_Sync_Merge_Existent_Users', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_BackgroundSync'),
    _setting(id='LDAP_Background_Sync_Disable_Missing_Users', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_BackgroundSync'),
    _setting(id='LDAP_Background_Sync_Avatars', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_BackgroundSync'),
    _setting(id='LDAP_Background_Sync_Avatars_Interval', type='string', default='0 0 * * *', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='0 0 * * *', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_BackgroundSync'),
    _setting(id='LDAP_Sync_User_Active_State', type='select', default='disable', enterprise=True, modules=('ldap-enterprise',), values=('none', 'disable', 'both'), secret=False, code=None, invalid_value='none', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Advanced'),
    _setting(id='LDAP_User_Search_AttributesToQuery', type='string', default='*,+', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='*,+', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Advanced'),
    _setting(id='LDAP_Sync_AutoLogout_Enabled', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_AutoLogout'),
    _setting(id='LDAP_Sync_AutoLogout_Interval', type='string', default='*/5 * * * *', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_AutoLogout'),
    _setting(id='LDAP_Sync_Custom_Fields', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_CustomFields'),
    _setting(id='LDAP_CustomFieldMap', type='code', default='{}', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='{}', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_CustomFields'),
    _setting(id='LDAP_Sync_User_Data_Roles', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Roles'),
    _setting(id='LDAP_Sync_User_Data_Roles_AutoRemove', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Roles'),
    _setting(id='LDAP_Sync_User_Data_Roles_BaseDN', type='string', default='', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Roles'),
    _setting(id='LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy', type='select', default='each_group', enterprise=True, modules=('ldap-enterprise',), values=('each_group', 'once'), secret=False, code=None, invalid_value='each_group', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Roles'),
    _setting(id='LDAP_Sync_User_Data_Roles_Filter', type='string', default='(&(cn=#{groupName})(memberUid=#{username}))', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Roles'),
    _setting(id='LDAP_Sync_User_Data_RolesMap', type='code', default='{\n\t"rocket-admin": "admin",\n\t"tech-support": "support"\n}', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code='application/json', invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Roles'),
    _setting(id='LDAP_Sync_User_Data_Channels', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Channels'),
    _setting(id='LDAP_Sync_User_Data_Channels_Admin', type='string', default='rocket.cat', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='rocket.cat', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Channels'),
    _setting(id='LDAP_Sync_User_Data_Channels_BaseDN', type='string', default='', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Channels'),
    _setting(id='LDAP_Sync_User_Data_Channels_GroupMembershipValidationStrategy', type='select', default='each_group', enterprise=True, modules=('ldap-enterprise',), values=('each_group', 'once'), secret=False, code=None, invalid_value='each_group', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Channels'),
    _setting(id='LDAP_Sync_User_Data_Channels_Filter', type='string', default='(&(cn=#{groupName})(memberUid=#{username}))', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Channels'),
    _setting(id='LDAP_Sync_User_Data_ChannelsMap', type='code', default='{\n\t"employee": "general",\n\t"techsupport": [\n\t\t"helpdesk",\n\t\t"support"\n\t]\n}', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code='application/json', invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Channels'),
    _setting(id='LDAP_Sync_User_Data_Channels_Enforce_AutoChannels', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Channels'),
    _setting(id='LDAP_Enable_LDAP_Groups_To_RC_Teams', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Teams'),
    _setting(id='LDAP_Groups_To_Rocket_Chat_Teams', type='code', default='{}', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='{}', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Teams'),
    _setting(id='LDAP_Validate_Teams_For_Each_Login', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Teams'),
    _setting(id='LDAP_Teams_BaseDN', type='string', default='', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Teams'),
    _setting(id='LDAP_Teams_Name_Field', type='string', default='ou,cn', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Teams'),
    _setting(id='LDAP_Query_To_Get_User_Teams', type='string', default='(&(ou=*)(uniqueMember=#{userdn}))', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_Teams'),
    _setting(id='LDAP_Background_Sync_ABAC_Attributes', type='boolean', default=False, enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value=False, has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_ABAC'),
    _setting(id='LDAP_Background_Sync_ABAC_Attributes_Interval', type='string', default='0 0 * * *', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='0 0 * * *', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_ABAC'),
    _setting(id='LDAP_ABAC_AttributeMap', type='code', default='{}', enterprise=True, modules=('ldap-enterprise',), values=None, secret=False, code=None, invalid_value='{}', has_invalid_value=True, tab='LDAP_Enterprise', section='LDAP_DataSync_ABAC'),
)
# END GENERATED

SETTINGS = dict((s.id, s) for s in _SETTINGS_DATA)
SETTING_IDS = tuple(s.id for s in _SETTINGS_DATA)

LDAP_ENTERPRISE = 'ldap-enterprise'

# Each setting id is owned by exactly one module, so modules never fight over a value.
ROLE_MAPPING_IDS = frozenset([
    'LDAP_Sync_User_Data_Roles',
    'LDAP_Sync_User_Data_Roles_AutoRemove',
    'LDAP_Sync_User_Data_Roles_BaseDN',
    'LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy',
    'LDAP_Sync_User_Data_Roles_Filter',
    'LDAP_Sync_User_Data_RolesMap',
])
CHANNEL_MAPPING_IDS = frozenset([
    'LDAP_Sync_User_Data_Channels',
    'LDAP_Sync_User_Data_Channels_Admin',
    'LDAP_Sync_User_Data_Channels_BaseDN',
    'LDAP_Sync_User_Data_Channels_GroupMembershipValidationStrategy',
    'LDAP_Sync_User_Data_Channels_Filter',
    'LDAP_Sync_User_Data_ChannelsMap',
    'LDAP_Sync_User_Data_Channels_Enforce_AutoChannels',
])
TEAM_MAPPING_IDS = frozenset([
    'LDAP_Enable_LDAP_Groups_To_RC_Teams',
    'LDAP_Groups_To_Rocket_Chat_Teams',
    'LDAP_Validate_Teams_For_Each_Login',
    'LDAP_Teams_BaseDN',
    'LDAP_Teams_Name_Field',
    'LDAP_Query_To_Get_User_Teams',
])
OWNER = dict(
    (setting_id,
     'ldap_role_mapping' if setting_id in ROLE_MAPPING_IDS else
     'ldap_channel_mapping' if setting_id in CHANNEL_MAPPING_IDS else
     'ldap_team_mapping' if setting_id in TEAM_MAPPING_IDS else
     'ldap_settings')
    for setting_id in SETTING_IDS
)

# How a value is checked beyond its type (reconcile.validate_value):
#   dn        a distinguished name (empty allowed)
#   filter    an LDAP search filter; #{...} placeholders allowed; the server adds missing outer parentheses
#   cron      a 5-field cron expression
#   interval  a select key of the setting or a 5-field cron expression (the server falls back to its default otherwise)
#   pem       PEM certificates (empty allowed)
#   scope     base | one | sub
#   json      a JSON object (the type 'code' settings)
VALIDATION = {
    'LDAP_BaseDN': 'dn',
    'LDAP_Authentication_UserDN': 'dn',
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
}
VALIDATION.update((s.id, 'json') for s in _SETTINGS_DATA if s.type == 'code')

SEARCH_SCOPES = ('base', 'one', 'sub')

# Settings read from an LDAP_AD_* twin when LDAP_Server_Type is 'ad', as the server does.
AD_TWINS = {
    'LDAP_User_Search_Field': 'LDAP_AD_User_Search_Field',
    'LDAP_Username_Field': 'LDAP_AD_Username_Field',
    'LDAP_Email_Field': 'LDAP_AD_Email_Field',
    'LDAP_Name_Field': 'LDAP_AD_Name_Field',
}


def ids_owned_by(module_name):
    """The setting ids ``module_name`` (e.g. ``'ldap_role_mapping'``) owns, in catalog order."""
    return tuple(setting_id for setting_id in SETTING_IDS if OWNER[setting_id] == module_name)


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
LDAP_SETTINGS_SECTIONS = tuple(sorted(set(s for s, _o, _i in LDAP_SETTINGS_OPTIONS if s), key=lambda section: [
    s for s, _o, _i in LDAP_SETTINGS_OPTIONS].index(section)))


def option_name(section, option):
    """``'connection.host'`` or ``'enabled'``: how errors and exports name an option."""
    return '%s.%s' % (section, option) if section else option


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
