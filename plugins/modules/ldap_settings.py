#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_settings
short_description: Configure the LDAP settings of a Rocket.Chat workspace declaratively
version_added: 0.1.0
description:
  - Sets the LDAP settings of a Rocket.Chat workspace from typed, nested options that follow the
    sections of the admin UI, plus a raw O(settings) map for setting ids.
  - Only the options given are managed; an option left out (or V(null)) keeps its current value,
    unless O(reset_unspecified=true).
  - Reads all LDAP settings once, writes only the settings that differ in a single request
    (the bulk settings endpoint on Rocket.Chat 8.6 and newer, the C(saveSettings) method before),
    then reads them back and fails if the server did not store a value. The number of requests does
    not grow with the number of settings.
  - Every input is validated before anything is written (types and accepted values, intervals, the
    CA certificate, DN and LDAP filter syntax, Enterprise settings on a workspace without the
    C(ldap-enterprise) licence, setting ids this server version does not have, and settings blocked
    on the server). Settings that an environment variable (C(OVERWRITE_SETTING_<id>)) sets are
    written, with a warning that the next restart reverts them.
  - The role, channel and team mapping settings belong to
    M(chatops.rocketchat.ldap_role_mapping), M(chatops.rocketchat.ldap_channel_mapping) and
    M(chatops.rocketchat.ldap_team_mapping); this module refuses them.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
extends_documentation_fragment:
  - chatops.rocketchat.connection
  - chatops.rocketchat.connection.WRITES
options:
  enabled:
    description: Turn LDAP login on or off (C(LDAP_Enable)).
    type: bool
  server_type:
    description:
      - The kind of directory (C(LDAP_Server_Type)). The server's default is V(ad).
      - With V(ad) the server reads the search, username, e-mail and name attributes from its
        C(LDAP_AD_*) settings, otherwise from the plain ones; this module routes
        O(user_search.search_field), O(data_sync.username_field), O(data_sync.email_field) and
        O(data_sync.name_field) the same way, using the server's current type when this option is not given.
      - V(other) is for OpenLDAP, 389 Directory Server and other non-AD servers.
    type: str
    choices: [ad, other]
  active_state:
    description:
      - Whether user activation follows the directory (C(LDAP_Sync_User_Active_State), Enterprise).
      - V(none) never changes it, V(disable) deactivates users the directory reports as disabled,
        V(both) also re-activates them.
    type: str
    choices: [none, disable, both]
  connection:
    description: How the server reaches the directory.
    type: dict
    suboptions:
      host:
        description: Host name or address of the directory server, without scheme or port (C(LDAP_Host)).
        type: str
      port:
        description: Port of the directory server (C(LDAP_Port)), usually V(389), or V(636) with O(connection.encryption=ssl).
        type: int
      encryption:
        description:
          - V(plain) for no encryption, V(tls) for StartTLS on the plain port, V(ssl) for LDAPS (C(LDAP_Encryption)).
        type: str
        choices: [plain, tls, ssl]
      ca_cert:
        description:
          - PEM text of the certificate authorities that signed the directory's certificate (C(LDAP_CA_Cert)).
          - Use this instead of switching O(connection.reject_unauthorized) off.
        type: str
      reject_unauthorized:
        description: Refuse directory certificates that do not verify (C(LDAP_Reject_Unauthorized)).
        type: bool
      reconnect:
        description: Reconnect when the connection drops during an operation (C(LDAP_Reconnect)).
        type: bool
      login_fallback:
        description:
          - Let users log in with their local password when the LDAP login fails, and store the LDAP
            password locally on each LDAP login (C(LDAP_Login_Fallback)).
        type: bool
      timeout:
        description: Time limit in milliseconds of each LDAP operation (C(LDAP_Timeout)).
        type: int
      connect_timeout:
        description: Time limit in milliseconds to connect (C(LDAP_Connect_Timeout)).
        type: int
      idle_timeout:
        description: Milliseconds an idle connection stays open (C(LDAP_Idle_Timeout)).
        type: int
  authentication:
    description: The service account the server binds with before it searches.
    type: dict
    suboptions:
      enabled:
        description: Bind with the service account (C(LDAP_Authentication)).
        type: bool
      bind_dn:
        description: DN of the service account (C(LDAP_Authentication_UserDN)).
        type: str
      bind_password:
        description:
          - Password of the service account (C(LDAP_Authentication_Password)). Never shown in results or diffs.
          - Compared with the stored value when the server discloses it (Rocket.Chat 8.x does, to admins);
            where the server masks it, O(bind_password_update) decides when it is sent.
        type: str
  user_search:
    description: How users are found in the directory.
    type: dict
    suboptions:
      base_dn:
        description: DN under which users are searched (C(LDAP_BaseDN)).
        type: str
      filter:
        description: LDAP filter every user must match, for example V((objectClass=inetOrgPerson)) (C(LDAP_User_Search_Filter)).
        type: str
      scope:
        description: Search depth below O(user_search.base_dn) (C(LDAP_User_Search_Scope)).
        type: str
        choices: [base, one, sub]
      search_field:
        description:
          - Attribute (or comma-separated attributes) matched against the login name, for example
            V(uid) or V(sAMAccountName) (C(LDAP_User_Search_Field), or C(LDAP_AD_User_Search_Field) with O(server_type=ad)).
        type: str
      page_size:
        description: Entries per page of paged searches; V(0) turns paging off (C(LDAP_Search_Page_Size)).
        type: int
      size_limit:
        description: Largest number of entries a search returns (C(LDAP_Search_Size_Limit)).
        type: int
      find_user_after_login:
        description: Search the user again with the user's own credentials after login (C(LDAP_Find_User_After_Login)).
        type: bool
      attributes_to_query:
        description: Attributes the searches ask for, comma-separated; V(*,+) for all (C(LDAP_User_Search_AttributesToQuery), Enterprise).
        type: str
  group_filter:
    description: Restrict login to members of one directory group.
    type: dict
    suboptions:
      enabled:
        description: Only let members of the group log in (C(LDAP_Group_Filter_Enable)).
        type: bool
      object_class:
        description: Object class of the group entry (C(LDAP_Group_Filter_ObjectClass)).
        type: str
      group_id_attribute:
        description: Attribute naming the group, for example V(cn) (C(LDAP_Group_Filter_Group_Id_Attribute)).
        type: str
      member_attribute:
        description: Attribute of the group listing its members, for example V(member) (C(LDAP_Group_Filter_Group_Member_Attribute)).
        type: str
      member_format:
        description:
          - How a member appears in O(group_filter.member_attribute); C(#{username}) and C(#{userdn}) are
            replaced (C(LDAP_Group_Filter_Group_Member_Format)).
        type: str
      group_name:
        description: Name of the group whose members may log in (C(LDAP_Group_Filter_Group_Name)).
        type: str
  data_sync:
    description: How directory entries become Rocket.Chat users.
    type: dict
    suboptions:
      unique_identifier_field:
        description: Attributes (comma-separated) that identify a user for good (C(LDAP_Unique_Identifier_Field)).
        type: str
      merge_existing_users:
        description: Link an LDAP login to an existing local user with the same username (C(LDAP_Merge_Existing_Users)).
        type: bool
      update_data_on_login:
        description: Update the user's data from the directory at each login (C(LDAP_Update_Data_On_Login)).
        type: bool
      update_data_on_oauth_login:
        description: Also update it at OAuth logins (C(LDAP_Update_Data_On_OAuth_Login)).
        type: bool
      default_domain:
        description: Domain for users without an e-mail attribute; the address becomes the username at this domain (C(LDAP_Default_Domain)).
        type: str
      username_field:
        description:
          - Attribute(s) or C(#{attribute}) template giving the username (C(LDAP_Username_Field), or C(LDAP_AD_Username_Field) with O(server_type=ad)).
        type: str
      email_field:
        description: Attribute(s) giving the e-mail address (C(LDAP_Email_Field), or C(LDAP_AD_Email_Field) with O(server_type=ad)).
        type: str
      name_field:
        description: Attribute(s) or template giving the full name (C(LDAP_Name_Field), or C(LDAP_AD_Name_Field) with O(server_type=ad)).
        type: str
      extension_field:
        description: Attribute giving the VoIP extension (C(LDAP_Extension_Field)).
        type: str
      federation_home_server_field:
        description: Attribute giving the federation home server (C(LDAP_FederationHomeServer_Field)).
        type: str
      sync_avatar:
        description: Take the avatar from the directory (C(LDAP_Sync_User_Avatar)).
        type: bool
      avatar_field:
        description: Attribute holding the picture; empty means C(thumbnailPhoto), then C(jpegPhoto) (C(LDAP_Avatar_Field)).
        type: str
      use_variables:
        description: Use the variable map (C(LDAP_DataSync_UseVariables)).
        type: bool
      variable_map:
        description: Variable map, a mapping or JSON object text (C(LDAP_DataSync_VariableMap)).
        type: raw
  custom_fields:
    description: Copy directory attributes into Rocket.Chat custom fields (Enterprise).
    type: dict
    suboptions:
      enabled:
        description: Sync custom fields (C(LDAP_Sync_Custom_Fields)).
        type: bool
      map:
        description:
          - Mapping of directory attribute (or C(#{attribute}) template) to custom field name, as a
            mapping or JSON object text (C(LDAP_CustomFieldMap)). The custom fields must exist.
        type: raw
  background_sync:
    description: The scheduled sync of all directory users (Enterprise).
    type: dict
    suboptions:
      enabled:
        description: Run the background sync; C(ldap.syncNow) does nothing while this is off (C(LDAP_Background_Sync)).
        type: bool
      interval:
        description:
          - How often it runs (C(LDAP_Background_Sync_Interval)), one of V(every_1_hour), V(every_6_hours),
            V(every_12_hours), V(every_24_hours), V(every_48_hours), or a 5-field cron expression.
          - The server silently uses its default for anything else, so other values are refused.
        type: str
      import_new_users:
        description: Create users found in the directory (C(LDAP_Background_Sync_Import_New_Users)).
        type: bool
      keep_existing_users_updated:
        description: Update users already linked to the directory (C(LDAP_Background_Sync_Keep_Existant_Users_Updated)).
        type: bool
      merge_existing_users:
        description: Link directory users to existing local users with the same username or e-mail (C(LDAP_Background_Sync_Merge_Existent_Users)).
        type: bool
      disable_missing_users:
        description: Deactivate linked users that are no longer in the directory (C(LDAP_Background_Sync_Disable_Missing_Users)).
        type: bool
      avatars:
        description: Sync avatars in the background (C(LDAP_Background_Sync_Avatars)).
        type: bool
      avatars_interval:
        description: Cron expression of the avatar sync, for example V(0 0 * * *) (C(LDAP_Background_Sync_Avatars_Interval)).
        type: str
  auto_logout:
    description: Log out users the directory reports as disabled (Enterprise).
    type: dict
    suboptions:
      enabled:
        description: Run the check (C(LDAP_Sync_AutoLogout_Enabled)).
        type: bool
      interval:
        description: Cron expression of the check, for example V(*/5 * * * *) (C(LDAP_Sync_AutoLogout_Interval)).
        type: str
  abac:
    description: Sync of attribute-based access control attributes (Enterprise, needs the C(abac) module too).
    type: dict
    suboptions:
      enabled:
        description: Sync ABAC attributes (C(LDAP_Background_Sync_ABAC_Attributes)).
        type: bool
      interval:
        description: Cron expression of that sync (C(LDAP_Background_Sync_ABAC_Attributes_Interval)).
        type: str
      attribute_map:
        description: Attribute map, a mapping or JSON object text (C(LDAP_ABAC_AttributeMap)).
        type: raw
  settings:
    description:
      - Raw setting ids and values, for example C(LDAP_Port) V(636), validated against the setting's
        type like the typed options. An id may not also be set by a typed option.
      - Only ids this module owns are accepted (all C(LDAP_*) settings except the role, channel and team mapping ones).
      - The bind password is not accepted here; use O(authentication.bind_password), which is kept out of logs.
    type: dict
  reset_unspecified:
    description:
      - Put every setting this module owns that is not given back to its default, so the workspace
        matches the play exactly (the declarative mode for GitOps).
      - Enterprise settings without the licence, and blocked settings (with a warning), are left alone.
    type: bool
    default: false
  bind_password_update:
    description:
      - What to do with O(authentication.bind_password) (and other secrets) when the server does not
        disclose the stored value, so it cannot be compared.
      - V(always) sends it on every run (reported as changed, with a warning); V(on_create) sends it
        only when no value is stored yet.
      - Servers that disclose the value (Rocket.Chat 8.x, to admins) are compared and written only when it differs.
    type: str
    choices: [always, on_create]
    default: always
notes:
  - A run costs a constant number of HTTP requests (server info, licence, one read of the settings and their
    metadata, at most one write and one read-back).
  - Writes are protected by two-factor authentication on the server; see the connection options for how
    challenges are answered.
seealso:
  - module: chatops.rocketchat.ldap_settings_info
  - module: chatops.rocketchat.ldap_test_connection
  - module: chatops.rocketchat.ldap_role_mapping
'''

EXAMPLES = r'''
- name: Connect Rocket.Chat to OpenLDAP over StartTLS
  chatops.rocketchat.ldap_settings:
    api_url: https://chat.example.org
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"
    enabled: true
    server_type: other
    connection:
      host: ldap.example.org
      port: 389
      encryption: tls
      ca_cert: "{{ lookup('ansible.builtin.file', 'files/ldap-ca.pem') }}"
      reject_unauthorized: true
    authentication:
      enabled: true
      bind_dn: cn=rocketchat,ou=services,dc=example,dc=org
      bind_password: "{{ vault_ldap_bind_password }}"
    user_search:
      base_dn: ou=people,dc=example,dc=org
      filter: (objectClass=inetOrgPerson)
      scope: sub
      search_field: uid
    data_sync:
      username_field: uid
      email_field: mail
      name_field: cn

- name: Nightly background sync (Enterprise), set through module_defaults
  module_defaults:
    group/chatops.rocketchat.rocketchat:
      api_url: https://chat.example.org
      api_user_id: "{{ rocketchat_user_id }}"
      api_token: "{{ rocketchat_token }}"
  block:
    - name: Enable the background sync at 02:30
      chatops.rocketchat.ldap_settings:
        background_sync:
          enabled: true
          interval: 30 2 * * *
          import_new_users: true
          disable_missing_users: true

- name: Exactly this configuration, everything else back to defaults
  chatops.rocketchat.ldap_settings:
    enabled: true
    connection:
      host: ldap.example.org
    settings:
      LDAP_Search_Page_Size: 500
    reset_unspecified: true
  register: ldap

- name: Show what changed
  ansible.builtin.debug:
    var: ldap.changed_ids
'''

RETURN = r'''
changed_ids:
  description: Setting ids that were changed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [LDAP_Host, LDAP_Port]
previous:
  description:
    - The values of the changed settings before the run, secrets masked; enough to roll back with O(settings).
  returned: always
  type: dict
  sample: {LDAP_Host: old.example.org, LDAP_Port: 389, LDAP_Authentication_Password: "********"}
diff:
  description: Before and after of the changed settings, secrets masked (in diff mode).
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Values before.
      type: dict
      returned: when diff mode is on
    after:
      description: Values after; a changed secret shows as C(******** (changed)).
      type: dict
      returned: when diff mode is on
server_version:
  description: Version of the Rocket.Chat server.
  returned: always
  type: str
  sample: 8.8.1
'''

from ansible_collections.chatops.rocketchat.plugins.module_utils.base import ModuleFailure, run_module
from ansible_collections.chatops.rocketchat.plugins.module_utils.catalog import (
    ids_owned_by, is_secret, ldap_settings_argument_spec,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils.reconcile import UNREADABLE, settings_from_options
from ansible_collections.chatops.rocketchat.plugins.module_utils.settings_api import SettingsApi, apply_settings

OWNER = 'ldap_settings'


def argument_spec():
    spec = ldap_settings_argument_spec()
    spec.update(
        settings=dict(type='dict'),
        reset_unspecified=dict(type='bool', default=False),
        bind_password_update=dict(type='str', choices=['always', 'on_create'], default='always', no_log=False),
    )
    return spec


def desired_settings(params, snapshot):
    """``({id: value}, {id: option name})`` from the typed options and the raw ``settings`` map."""
    desired, names = settings_from_options(params, snapshot.value('LDAP_Server_Type', 'ad'))
    for setting_id, value in (params['settings'] or {}).items():
        if is_secret(setting_id):
            raise ModuleFailure('settings.%s: give the password with authentication.bind_password, which Ansible '
                                'keeps out of logs; the raw settings map is not secret' % setting_id,
                                invalid_option='settings.' + setting_id)
        if setting_id in desired:
            raise ModuleFailure('settings.%s: already set by the option %s; give it once'
                                % (setting_id, names[setting_id]), invalid_option='settings.' + setting_id)
        desired[setting_id] = value
        names[setting_id] = 'settings.%s' % setting_id
    return desired, names


def run(module, client):
    snapshot = SettingsApi(client).read()
    desired, names = desired_settings(module.params, snapshot)
    secret_update = module.params['bind_password_update']
    if secret_update == 'always':
        for setting_id in sorted(desired):
            if snapshot.value(setting_id) is UNREADABLE:
                module.warn('%s cannot be read back from this server, so it is sent on every run '
                            '(bind_password_update=on_create sends it only when no value is stored).' % setting_id)
    result = apply_settings(
        client, desired, OWNER, check_mode=module.check_mode, want_diff=module._diff, options=names,
        reset_ids=ids_owned_by(OWNER) if module.params['reset_unspecified'] else (),
        secret_update=secret_update, warn=module.warn, snapshot=snapshot)
    result.pop('_snapshot')
    result['server_version'] = client.server_version_string
    return result


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
