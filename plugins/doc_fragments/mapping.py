# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """How the group mapping modules (roles, channels, teams) combine the listed mappings with the stored map."""

    DOCUMENTATION = r'''
options:
  state:
    description:
      - V(present) adds or updates the listed mappings, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With V(true), groups that are not listed in O(mappings) are removed from the map.
      - Only with O(state=present).
    type: bool
    default: false
  allow_empty:
    description:
      - Allow O(exclusive=true) with no O(mappings) to empty a map that has groups.
    type: bool
    default: false
'''

    # The candidate LDAP settings: the options of chatops.rocketchat.ldap_settings that describe settings.
    # Below 'settings', the text is the ldap_settings_options fragment's, indented and with O(...) re-pointed:
    # ansible-test wants a literal here, so a unit test (test_doc_fragments.py) keeps the two equal.
    LDAP_SETTINGS = r'''
options:
  ldap_settings:
    description:
      - The candidate LDAP settings of the same run, for previews that check what Git says rather than what
        the workspace has saved so far. Give the same value as to M(chatops.rocketchat.ldap_settings), whose
        options that describe settings it takes (one variable feeds both tasks); its other options, such as
        C(reset_unspecified), are not accepted here.
      - With O(validate_groups=true), the directory is searched with these settings on top of the saved ones
        (host, port, encryption, CA, service bind and password, base DN, ...), also in check mode. So the first
        merge-request preview of a new workspace works, and a wrong bind password in Git fails the preview.
      - The checks that read other LDAP settings (LDAP enabled, the user base DN a team base DN falls back to)
        read them here first.
      - Nothing of it is written by this module. The bind password is never shown.
    type: dict
    version_added: 0.1.0
    suboptions:
      settings:
        description:
          - Raw setting ids and values, as O(chatops.rocketchat.ldap_settings#module:settings) takes them (only
            ids that module manages; no bind password).
        type: dict
      enabled:
        description: Turn LDAP login on or off (C(LDAP_Enable), I(Enable) in the admin UI).
        type: bool
      server_type:
        description:
          - The kind of directory (C(LDAP_Server_Type), I(Server type) in the admin UI). The server's default is V(ad).
          - With V(ad) the server reads the search, username, e-mail and name attributes from its
            C(LDAP_AD_*) settings, otherwise from the plain ones; the options route
            O(ldap_settings.user_search.search_field), O(ldap_settings.data_sync.username_field), O(ldap_settings.data_sync.email_field) and
            O(ldap_settings.data_sync.name_field) the same way, using the server's current type when this option is not given.
          - V(other) is for OpenLDAP, 389 Directory Server and other non-AD servers.
        type: str
        choices: [ad, other]
      active_state:
        description:
          - Whether user activation follows the directory (C(LDAP_Sync_User_Active_State), I(Sync user active state) in
            the admin UI, Enterprise).
          - V(none) never changes it, V(disable) deactivates users the directory reports as disabled,
            V(both) also re-activates them.
        type: str
        choices: [none, disable, both]
      connection:
        description: How the server reaches the directory.
        type: dict
        suboptions:
          host:
            description: Host name or address of the directory server, without scheme or port (C(LDAP_Host), I(Host) in
              the admin UI).
            type: str
          port:
            description: Port of the directory server (C(LDAP_Port), I(Port) in the admin UI), usually V(389), or V(636)
              with O(ldap_settings.connection.encryption=ssl).
            type: int
          encryption:
            description:
              - V(plain) for no encryption, V(tls) for StartTLS on the plain port, V(ssl) for LDAPS (C(LDAP_Encryption),
                I(Encryption) in the admin UI).
            type: str
            choices: [plain, tls, ssl]
          ca_cert:
            description:
              - PEM text of the certificate authorities that signed the directory's certificate (C(LDAP_CA_Cert), I(CA cert)
                in the admin UI).
              - Use this instead of switching O(ldap_settings.connection.reject_unauthorized) off.
            type: str
          reject_unauthorized:
            description: Refuse directory certificates that do not verify (C(LDAP_Reject_Unauthorized),
              I(Reject unauthorized) in the admin UI).
            type: bool
          reconnect:
            description: Reconnect when the connection drops during an operation (C(LDAP_Reconnect), I(Reconnect) in the
              admin UI).
            type: bool
          login_fallback:
            description:
              - Let users log in with their local password when the LDAP login fails, and store the LDAP
                password locally on each LDAP login (C(LDAP_Login_Fallback), I(Login fallback) in the admin UI).
            type: bool
          timeout:
            description: Time limit in milliseconds of each LDAP operation (C(LDAP_Timeout), "Timeout (ms)" in the admin
              UI).
            type: int
          connect_timeout:
            description: Time limit in milliseconds to connect (C(LDAP_Connect_Timeout), "Connection timeout (ms)" in the
              admin UI).
            type: int
          idle_timeout:
            description: Milliseconds an idle connection stays open (C(LDAP_Idle_Timeout), "Idle timeout (ms)" in the
              admin UI).
            type: int
      authentication:
        description: The service account the server binds with before it searches.
        type: dict
        suboptions:
          enabled:
            description: Bind with the service account (C(LDAP_Authentication), I(Enable) in the admin UI).
            type: bool
          bind_dn:
            description: DN of the service account (C(LDAP_Authentication_UserDN), I(User DN) in the admin UI).
            type: str
          bind_password:
            description:
              - Password of the service account (C(LDAP_Authentication_Password), I(Password) in the admin UI). Never shown
                in results or diffs.
              - Compared with the stored value when the server discloses it (Rocket.Chat 8.x does, to admins);
                where the server masks it, the C(bind_password_update) option of M(chatops.rocketchat.ldap_settings)
                decides when it is sent.
            type: str
      user_search:
        description: How users are found in the directory.
        type: dict
        suboptions:
          base_dn:
            description: DN under which users are searched (C(LDAP_BaseDN), I(Base DN) in the admin UI).
            type: str
          filter:
            description: LDAP filter every user must match, for example V((objectClass=inetOrgPerson))
              (C(LDAP_User_Search_Filter), I(Filter) in the admin UI).
            type: str
          scope:
            description: Search depth below O(ldap_settings.user_search.base_dn) (C(LDAP_User_Search_Scope), I(Scope) in the admin UI).
            type: str
            choices: [base, one, sub]
          search_field:
            description:
              - Attribute (or comma-separated attributes) matched against the login name, for example
                V(uid) or V(sAMAccountName) (C(LDAP_User_Search_Field), I(Search field) in the admin UI, or
                C(LDAP_AD_User_Search_Field) with O(ldap_settings.server_type=ad)).
            type: str
          page_size:
            description: Entries per page of paged searches; V(0) turns paging off (C(LDAP_Search_Page_Size),
              I(Search page size) in the admin UI).
            type: int
          size_limit:
            description: Largest number of entries a search returns (C(LDAP_Search_Size_Limit), I(Search size limit) in
              the admin UI).
            type: int
          find_user_after_login:
            description: Search the user again with the user's own credentials after login (C(LDAP_Find_User_After_Login),
              I(Find user after login) in the admin UI).
            type: bool
          attributes_to_query:
            description: Attributes the searches ask for, comma-separated; V(*,+) for all
              (C(LDAP_User_Search_AttributesToQuery), I(Attributes to query) in the admin UI, Enterprise).
            type: str
      group_filter:
        description: Restrict login to members of one directory group.
        type: dict
        suboptions:
          enabled:
            description: Only let members of the group log in (C(LDAP_Group_Filter_Enable),
              I(Enable LDAP user group filter) in the admin UI).
            type: bool
          object_class:
            description: Object class of the group entry (C(LDAP_Group_Filter_ObjectClass), I(Group ObjectClass) in the
              admin UI).
            type: str
          group_id_attribute:
            description: Attribute naming the group, for example V(cn) (C(LDAP_Group_Filter_Group_Id_Attribute),
              I(Group ID attribute) in the admin UI).
            type: str
          member_attribute:
            description: Attribute of the group listing its members, for example V(member)
              (C(LDAP_Group_Filter_Group_Member_Attribute), I(Group member attribute) in the admin UI).
            type: str
          member_format:
            description:
              - How a member appears in O(ldap_settings.group_filter.member_attribute); C(#{username}) and C(#{userdn}) are
                replaced (C(LDAP_Group_Filter_Group_Member_Format), I(Group member format) in the admin UI).
            type: str
          group_name:
            description: Name of the group whose members may log in (C(LDAP_Group_Filter_Group_Name), I(Group name) in the
              admin UI).
            type: str
      data_sync:
        description: How directory entries become Rocket.Chat users.
        type: dict
        suboptions:
          unique_identifier_field:
            description: Attributes (comma-separated) that identify a user for good (C(LDAP_Unique_Identifier_Field),
              I(Unique identifier field) in the admin UI).
            type: str
          merge_existing_users:
            description: Link an LDAP login to an existing local user with the same username
              (C(LDAP_Merge_Existing_Users), I(Merge existing users) in the admin UI).
            type: bool
          update_data_on_login:
            description: Update the user's data from the directory at each login (C(LDAP_Update_Data_On_Login),
              I(Update user data on login) in the admin UI).
            type: bool
          update_data_on_oauth_login:
            description: Also update it at OAuth logins (C(LDAP_Update_Data_On_OAuth_Login),
              I(Update user data on login with OAuth services) in the admin UI).
            type: bool
          default_domain:
            description: Domain for users without an e-mail attribute; the address becomes the username at this domain
              (C(LDAP_Default_Domain), I(Default domain) in the admin UI).
            type: str
          username_field:
            description:
              - Attribute(s) or C(#{attribute}) template giving the username
                (C(LDAP_Username_Field), I(Username field) in the admin UI, or C(LDAP_AD_Username_Field) with
                O(ldap_settings.server_type=ad)).
            type: str
          email_field:
            description: Attribute(s) giving the e-mail address (C(LDAP_Email_Field), I(Email field) in the admin UI, or
              C(LDAP_AD_Email_Field) with O(ldap_settings.server_type=ad)).
            type: str
          name_field:
            description: Attribute(s) or template giving the full name (C(LDAP_Name_Field), I(Name field) in the admin UI,
              or C(LDAP_AD_Name_Field) with O(ldap_settings.server_type=ad)).
            type: str
          extension_field:
            description: Attribute giving the VoIP extension (C(LDAP_Extension_Field), I(Extension field) in the admin
              UI).
            type: str
          federation_home_server_field:
            description: Attribute giving the federation home server (C(LDAP_FederationHomeServer_Field),
              I(Federation Home Server field) in the admin UI).
            type: str
          sync_avatar:
            description: Take the avatar from the directory (C(LDAP_Sync_User_Avatar), I(Sync user avatar) in the admin
              UI).
            type: bool
          avatar_field:
            description: Attribute holding the picture; empty means C(thumbnailPhoto), then C(jpegPhoto)
              (C(LDAP_Avatar_Field), I(User avatar field) in the admin UI).
            type: str
          use_variables:
            description: Use the variable map (C(LDAP_DataSync_UseVariables), I(Use variables) in the admin UI).
            type: bool
          variable_map:
            description: Variable map, a mapping or JSON object text (C(LDAP_DataSync_VariableMap),
              I(Variables configuration) in the admin UI).
            type: raw
      custom_fields:
        description: Copy directory attributes into Rocket.Chat custom fields (Enterprise).
        type: dict
        suboptions:
          enabled:
            description: Sync custom fields (C(LDAP_Sync_Custom_Fields), I(Sync custom fields) in the admin UI).
            type: bool
          map:
            description:
              - Mapping of directory attribute (or C(#{attribute}) template) to custom field name, as a
                mapping or JSON object text (C(LDAP_CustomFieldMap), I(Custom fields mapping) in the admin UI). The custom
                fields must exist.
            type: raw
      background_sync:
        description: The scheduled sync of all directory users (Enterprise).
        type: dict
        suboptions:
          enabled:
            description: Run the background sync; C(ldap.syncNow) does nothing while this is off (C(LDAP_Background_Sync),
              I(Background sync) in the admin UI).
            type: bool
          interval:
            description:
              - How often it runs (C(LDAP_Background_Sync_Interval), I(Background sync interval) in the admin UI), one of
                V(every_1_hour), V(every_6_hours),
                V(every_12_hours), V(every_24_hours), V(every_48_hours), or a 5-field cron expression.
              - The server silently uses its default for anything else, so other values are refused.
            type: str
          import_new_users:
            description: Create users found in the directory (C(LDAP_Background_Sync_Import_New_Users),
              I(Background sync import new users) in the admin UI).
            type: bool
          keep_existing_users_updated:
            description: Update users already linked to the directory
              (C(LDAP_Background_Sync_Keep_Existant_Users_Updated), I(Background sync update existing users) in the admin
              UI).
            type: bool
          merge_existing_users:
            description: Link directory users to existing local users with the same username or e-mail
              (C(LDAP_Background_Sync_Merge_Existent_Users), I(Background sync merge existing users) in the admin UI).
            type: bool
          disable_missing_users:
            description: Deactivate linked users that are no longer in the directory
              (C(LDAP_Background_Sync_Disable_Missing_Users),
              I(Automatically disable users that are no longer found on LDAP) in the admin UI).
            type: bool
          avatars:
            description: Sync avatars in the background (C(LDAP_Background_Sync_Avatars), I(Avatar background sync) in the
              admin UI).
            type: bool
          avatars_interval:
            description: Cron expression of the avatar sync, for example V(0 0 * * *)
              (C(LDAP_Background_Sync_Avatars_Interval), I(Avatar background sync interval) in the admin UI).
            type: str
      auto_logout:
        description: Log out users the directory reports as disabled (Enterprise).
        type: dict
        suboptions:
          enabled:
            description: Run the check (C(LDAP_Sync_AutoLogout_Enabled), I(Enable auto logout) in the admin UI).
            type: bool
          interval:
            description: Cron expression of the check, for example V(*/5 * * * *) (C(LDAP_Sync_AutoLogout_Interval),
              I(Auto logout interval) in the admin UI).
            type: str
      abac:
        description: Sync of attribute-based access control attributes (Enterprise, needs the C(abac) module too).
        type: dict
        suboptions:
          enabled:
            description: Sync ABAC attributes (C(LDAP_Background_Sync_ABAC_Attributes), I(ABAC attributes background sync)
              in the admin UI).
            type: bool
          interval:
            description: Cron expression of that sync (C(LDAP_Background_Sync_ABAC_Attributes_Interval),
              I(ABAC attributes background sync interval) in the admin UI).
            type: str
          attribute_map:
            description: Attribute map, a mapping or JSON object text (C(LDAP_ABAC_AttributeMap),
              I(ABAC attribute mapping) in the admin UI).
            type: raw
'''
