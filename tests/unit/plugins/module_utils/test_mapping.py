"""Unit tests of the shared group-map reconciler (pure functions)."""
import json

import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils import _maps as mapping
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import CHANNELS, ROLES, TEAMS
from ansible_collections.chatops.rocketchat.plugins.module_utils._maps import MappingError


def test_stored_map_ignores_key_order_single_values_and_json_whitespace():
    compact = mapping.parse_stored_map('{"a":"admin","b":["leader","moderator"]}', ROLES).groups
    pretty = mapping.parse_stored_map('{\n\t"b": [ "moderator", "leader" ],\n\t"a": ["admin"]\n}', ROLES).groups
    assert mapping.maps_equal(compact, pretty)


def test_stored_map_keeps_untrimmed_values_which_the_server_cannot_resolve():
    stored = mapping.parse_stored_map('{"a": " admin"}', ROLES).groups
    desired = mapping.normalize_entries([{"group": "a", "roles": ["admin"]}], ROLES)
    assert not mapping.maps_equal(stored, desired)


@pytest.mark.parametrize("text", [None, "", "  \n"])
def test_empty_stored_value_is_an_empty_map(text):
    assert mapping.parse_stored_map(text, ROLES).groups == {}


@pytest.mark.parametrize("text, fragment", [
    ('{"a": "admin",}', "not valid JSON"),
    ('["admin"]', "not a JSON object"),
    ('{"a": 3}', "expected a role name"),
    ('{"a": ["x", {"y": 1}]}', "expected a role name"),
])
def test_unusable_stored_map_is_refused_with_the_setting_id(text, fragment):
    with pytest.raises(MappingError) as err:
        mapping.parse_stored_map(text, ROLES)
    assert fragment in str(err.value)
    assert "LDAP_Sync_User_Data_RolesMap" in str(err.value)


def test_team_map_with_string_value_is_flagged_for_rewrite():
    stored = mapping.parse_stored_map('{"devs": "Developers", "ops": ["Ops"]}', TEAMS)
    assert stored.groups == {"devs": ("Developers",), "ops": ("Ops",)}
    assert len(stored.problems) == 1 and "devs" in stored.problems[0]


def test_normalize_entries_trims_and_accepts_single_name():
    groups = mapping.normalize_entries(
        [{"group": " admins ", "roles": " admin "}, {"group": "ops", "roles": ["leader", "leader", "bot"]}], ROLES)
    assert groups == {"admins": ("admin",), "ops": ("leader", "bot")}


@pytest.mark.parametrize("entries, fragment", [
    ([{"group": "", "roles": ["admin"]}], "mappings[0].group"),
    ([{"roles": ["admin"]}], "mappings[0].group"),
    ([{"group": "a", "roles": []}], "mappings[0].roles is empty"),
    ([{"group": "a"}], "mappings[0].roles is required"),
    ([{"group": "a", "roles": ["admin", " "]}], "non-empty role names"),
    ([{"group": "a", "roles": ["x"]}, {"group": "a ", "roles": ["y"]}], "listed twice"),
    ([{"group": "a", "role": ["x"]}], "unknown keys role"),
    (["a"], "must be a dictionary"),
])
def test_invalid_entries_name_the_option(entries, fragment):
    with pytest.raises(MappingError) as err:
        mapping.normalize_entries(entries, ROLES)
    assert fragment in str(err.value)


def test_absent_entries_may_omit_values():
    assert mapping.normalize_entries([{"group": "a"}], CHANNELS, state="absent") == {"a": ()}


CURRENT = {"a": ("admin",), "b": ("leader", "moderator")}


def test_present_replaces_listed_groups_and_keeps_others():
    after = mapping.plan_map(CURRENT, {"b": ("leader",), "c": ("bot",)})
    assert after == {"a": ("admin",), "b": ("leader",), "c": ("bot",)}


def test_exclusive_drops_unlisted_groups():
    assert mapping.plan_map(CURRENT, {"c": ("bot",)}, exclusive=True) == {"c": ("bot",)}


def test_exclusive_refuses_to_empty_the_map_unless_allowed():
    with pytest.raises(MappingError) as err:
        mapping.plan_map(CURRENT, {}, exclusive=True)
    assert "allow_empty" in str(err.value)
    assert mapping.plan_map(CURRENT, {}, exclusive=True, allow_empty=True) == {}
    assert mapping.plan_map({}, {}, exclusive=True) == {}


def test_absent_removes_groups_or_single_values():
    assert mapping.plan_map(CURRENT, {"a": ()}, state="absent") == {"b": ("leader", "moderator")}
    assert mapping.plan_map(CURRENT, {"b": ("leader",)}, state="absent") == {"a": ("admin",), "b": ("moderator",)}
    assert mapping.plan_map(CURRENT, {"a": ("admin",), "zz": ()}, state="absent") == {"b": ("leader", "moderator")}


def test_absent_with_exclusive_is_refused():
    with pytest.raises(MappingError):
        mapping.plan_map(CURRENT, {"a": ()}, state="absent", exclusive=True)


def test_serialize_round_trips_and_keeps_team_values_as_lists():
    groups = {"a": ("admin",), "b": ("leader", "moderator")}
    roles_json = json.loads(mapping.serialize_map(groups, ROLES))
    assert roles_json == {"a": "admin", "b": ["leader", "moderator"]}
    assert json.loads(mapping.serialize_map(groups, TEAMS)) == {"a": ["admin"], "b": ["leader", "moderator"]}
    assert mapping.maps_equal(mapping.parse_stored_map(mapping.serialize_map(groups, ROLES), ROLES).groups, groups)


def test_diff_lists_added_removed_and_changed_groups():
    after = {"b": ("moderator", "owner"), "c": ("bot",)}
    diff = mapping.diff_maps(CURRENT, after)
    assert diff["added"] == [{"group": "c", "values": ["bot"]}]
    assert diff["removed"] == [{"group": "a", "values": ["admin"]}]
    assert diff["changed"] == [{"group": "b", "before": ["leader", "moderator"], "after": ["moderator", "owner"],
                                "added": ["owner"], "removed": ["leader"]}]
    lines = mapping.describe_diff(diff, ROLES)
    assert lines == ["add group c -> roles bot", "change group b: roles +owner -leader (now moderator, owner)",
                     "remove group a (was roles admin)"]


def test_diff_ignores_value_order():
    assert mapping.diff_maps({"a": ("x", "y")}, {"a": ("y", "x")}) == {"added": [], "removed": [], "changed": []}


def test_render_map_is_sorted_and_order_insensitive():
    assert mapping.render_map({"b": ("y", "x"), "a": ("z",)}) == "a: z\nb: x, y\n"


def test_roles_are_resolved_by_id_then_name_and_cut_at_the_first_dot():
    roles = [{"_id": "admin", "name": "admin"}, {"_id": "x7Kq", "name": "Support Desk"}]
    groups = {"g1": ("admin.extra",), "g2": ("x7Kq", "Support Desk"), "g3": ("supervisor", "Support")}
    unknown, notes = mapping.check_roles(groups, roles)
    assert unknown == [("g3", "supervisor"), ("g3", "Support")]
    assert len(notes) == 1 and "'admin.extra' as 'admin'" in notes[0]


def test_role_known_only_after_the_cut_is_still_unknown_before_it():
    unknown, _ = mapping.check_roles({"g": ("team.lead",)}, [{"_id": "team.lead", "name": "team.lead"}])
    assert unknown == [("g", "team.lead")]


DEFAULT_FILTER = "(&(cn=#{groupName})(memberUid=#{username}))"


def test_default_filter_is_fine_for_many_groups():
    assert mapping.check_filter(DEFAULT_FILTER, "filter", group_count=5) == []


def test_filter_without_group_placeholder_is_refused_for_several_groups_only():
    flt = "(&(objectClass=posixGroup)(memberUid=#{username}))"
    assert mapping.check_filter(flt, "filter", group_count=1) == []
    problems = mapping.check_filter(flt, "filter", group_count=2)
    assert len(problems) == 1 and "#{groupName}" in problems[0] and "every mapped group" in problems[0]


def test_once_strategy_refuses_group_placeholder():
    problems = mapping.check_filter(DEFAULT_FILTER, "filter", group_count=3, strategy="once")
    assert len(problems) == 1 and "'once'" in problems[0]
    assert mapping.check_filter("(member=#{userdn})", "filter", group_count=3, strategy="once") == []


@pytest.mark.parametrize("flt, fragment", [
    ("", "is empty"),
    ("cn=#{groupName}", "not a valid LDAP filter"),
    ("(&(cn=#{groupName})(memberUid=#{username})", "not a valid LDAP filter"),
    ("(&(cn=#{group})(memberUid=#{username}))", "unknown placeholders #{group}"),
    ("(cn=#{groupName})", "every user would match"),
])
def test_bad_filters(flt, fragment):
    problems = mapping.check_filter(flt, "filter", group_count=1)
    assert any(fragment in p for p in problems), problems


def test_teams_query_refuses_group_placeholder():
    problems = mapping.check_filter("(&(cn=#{groupName})(uniqueMember=#{userdn}))", "query", allow_group=False)
    assert problems and "unknown placeholders #{groupName}" in problems[0]


@pytest.mark.parametrize("spec", [ROLES, CHANNELS, TEAMS],
                         ids=lambda spec: spec.owner)
def test_each_mapping_module_manages_exactly_the_settings_the_catalog_gives_it(spec):
    from ansible_collections.chatops.rocketchat.plugins.module_utils._families import ids_owned_by
    managed = [setting_id for setting_id, _ in spec.settings.values()] + [spec.map_setting]
    assert sorted(managed) == sorted(ids_owned_by(spec.owner))
    argument_spec = spec.argument_spec()
    assert spec.plural in argument_spec["mappings"]["options"]
    for option in (spec.enabled, spec.base_dn, spec.filter):
        assert option in argument_spec


@pytest.mark.parametrize("kind", [ROLES, CHANNELS], ids=["roles", "channels"])
@pytest.mark.parametrize("group, why", [("*", "matches every group"), ("dev*", "matches every group"),
                                        ("a\x00b", "no longer means"), ("Sales (EMEA)", "\\28 for '('"),
                                        ("a\\b", "\\5c for a backslash")])
def test_a_group_name_that_changes_the_filter_is_refused(kind, group, why):
    """#{groupName} goes into the role and channel filters unescaped: "*" matches every group, parentheses
    and a lone backslash change or break the filter."""
    with pytest.raises(mapping.MappingError) as err:
        mapping.normalize_entries([{"group": group, kind.plural: ["x"]}], kind)
    assert str(err.value).startswith("mappings[0].group") and why in str(err.value)


@pytest.mark.parametrize("kind", [ROLES, CHANNELS], ids=["roles", "channels"])
def test_a_group_name_written_with_filter_escapes_is_kept(kind):
    assert list(mapping.normalize_entries([{"group": "Sales \\28EMEA\\29", kind.plural: ["x"]}], kind)) == [
        "Sales \\28EMEA\\29"]


def test_a_team_map_compares_group_names_and_keeps_them():
    """The team map's names are compared with the groups the query finds, never put into a filter."""
    assert list(mapping.normalize_entries([{"group": "Sales (EMEA) *", "teams": ["sales"]}], TEAMS)) == [
        "Sales (EMEA) *"]
