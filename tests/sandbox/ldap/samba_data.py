"""The sample company of the `samba-ad` flavour (a real Samba AD DC), as seed data for samba_seed.py.

Realm CORP.EXAMPLE.COM, NetBIOS domain CORP, base DN DC=corp,DC=example,DC=com. Everything below
is created by ``samba_seed.py`` on the stopped database of the template (see samba_ad.py).

Facts tests rely on (keep them true when editing):
  OU=Staff holds the people in four sub-OUs (Engineering, Sales, Support, Management);
  OU=Contractors two more (outside OU=Staff); OU=Groups the security groups (global, groupType
  -2147483646) and one distribution list; OU=Teams the groups behind Rocket.Chat teams;
  OU=Service Accounts the read-only bind account svc-rocketchat (password generated per template).
  40 users (objectClass user): sAMAccountName = login, userPrincipalName <login>@corp.example.com,
  cn = displayName = "<Given> <Surname>" (also the RDN), givenName, sn, mail (lower-case ASCII
  <given>.<surname>@corp.example.com), password "<login>-pass", userAccountControl 512, except:
    ddiaz     userAccountControl 514 (ACCOUNTDISABLE): the DC refuses its bind
    eellis    lockoutTime 133000000000000000 (a FILETIME; no lockout threshold in the domain,
              so the DC still accepts its bind; Rocket.Chat reads the attribute)
    ffischer  no mail
    jstrasse  "Jørgen Straße", ipetrov "Иван Петров", eyilmaz "Elif Yılmaz", zmuller "Zoë Müller"
    yyoung    cn "Young, Yusuf" (a comma in the RDN: CN=Young\\, Yusuf,...)
    oobrien   cn "Owen O'Brien"
  Nesting (member values are DNs; groups are members of groups):
    rocketchat-users > staff > engineering > dev-backend | dev-frontend | sre | qa
                               staff > sales > sales-emea | sales-amer
                               staff > support, staff > management
    so aadams (dev-backend) is in rocketchat-users four levels up.
  rocketchat-admins: bbaker cestrada; helpdesk-agents: support (nested) and tthomas directly;
  contractors: kberg plund (not in rocketchat-users); all-hands (distribution list, groupType 8):
  staff and contractors.
  OU=Teams: team-engineering (> engineering), team-support (> support).
The large variant adds OU=Generated (10,000 users gen00001.., no password, userAccountControl
544 = NORMAL_ACCOUNT|PASSWD_NOTREQD) and OU=Generated Groups (500 groups gen-group-0001..; user i
is in group i mod 500 and one more; gen-group-0001..0010 each contain 49 further groups).
"""

import random

REALM = "CORP.EXAMPLE.COM"
DOMAIN = "CORP"
DNS_DOMAIN = REALM.lower()
BASE_DN = "DC=corp,DC=example,DC=com"
STAFF_DN = f"OU=Staff,{BASE_DN}"
GROUPS_DN = f"OU=Groups,{BASE_DN}"
TEAMS_DN = f"OU=Teams,{BASE_DN}"
SERVICES_DN = f"OU=Service Accounts,{BASE_DN}"
CONTRACTORS_DN = f"OU=Contractors,{BASE_DN}"
SERVICE_LOGIN = "svc-rocketchat"
SERVICE_DN = f"CN={SERVICE_LOGIN},{SERVICES_DN}"
SAMPLE_USER = "aadams"
NESTED_CHAIN = ("dev-backend", "engineering", "staff", "rocketchat-users")
GLOBAL_SECURITY = "-2147483646"
UNIVERSAL_DISTRIBUTION = "8"
NORMAL_ACCOUNT = 512
DISABLED_ACCOUNT = 514
LOCKOUT_TIME = "133000000000000000"
GENERATED_DN = f"OU=Generated,{BASE_DN}"
GENERATED_GROUPS_DN = f"OU=Generated Groups,{BASE_DN}"

# (login, given name, surname, OU under Staff or None = Contractors, mail override or "" = none,
#  cn override, extra attributes)
USERS = (
    ("aadams", "Amy", "Adams", "Engineering", None, None, {}),
    ("bbaker", "Ben", "Baker", "Engineering", None, None, {}),
    ("ccooper", "Chloe", "Cooper", "Engineering", None, None, {}),
    ("ddiaz", "Diego", "Diaz", "Engineering", None, None, {"userAccountControl": str(DISABLED_ACCOUNT)}),
    ("eellis", "Emma", "Ellis", "Engineering", None, None, {"lockoutTime": LOCKOUT_TIME}),
    ("ffischer", "Felix", "Fischer", "Engineering", "", None, {}),
    ("ggarcia", "Gina", "Garcia", "Engineering", None, None, {}),
    ("hhughes", "Hugo", "Hughes", "Engineering", None, None, {}),
    ("iito", "Iris", "Ito", "Engineering", None, None, {}),
    ("jjohnson", "Jack", "Johnson", "Engineering", None, None, {}),
    ("jstrasse", "Jørgen", "Straße", "Engineering", "jorgen.strasse@corp.example.com", None, {}),
    ("ipetrov", "Иван", "Петров", "Engineering", "ivan.petrov@corp.example.com", None, {}),
    ("zmuller", "Zoë", "Müller", "Engineering", "zoe.muller@corp.example.com", None, {}),
    ("kkim", "Kara", "Kim", "Engineering", None, None, {}),
    ("lli", "Leo", "Li", "Engineering", None, None, {}),
    ("oortiz", "Oscar", "Ortiz", "Engineering", None, None, {}),
    ("tsingh", "Tara", "Singh", "Engineering", None, None, {}),
    ("vortega", "Victor", "Ortega", "Engineering", None, None, {"title": "CTO"}),
    ("mmorgan", "Mia", "Morgan", "Sales", None, None, {}),
    ("nnovak", "Nina", "Novak", "Sales", None, None, {}),
    ("oobrien", "Owen", "O'Brien", "Sales", "owen.obrien@corp.example.com", None, {}),
    ("pparker", "Paula", "Parker", "Sales", None, None, {}),
    ("qquinn", "Quentin", "Quinn", "Sales", None, None, {}),
    ("rrossi", "Rosa", "Rossi", "Sales", None, None, {}),
    ("ssilva", "Sofia", "Silva", "Sales", None, None, {}),
    ("eyilmaz", "Elif", "Yılmaz", "Sales", "elif.yilmaz@corp.example.com", None, {}),
    ("tthomas", "Tom", "Thomas", "Support", None, None, {}),
    ("uuddin", "Usman", "Uddin", "Support", None, None, {}),
    ("vvargas", "Valeria", "Vargas", "Support", None, None, {}),
    ("wwalker", "Will", "Walker", "Support", None, None, {}),
    ("xxu", "Xia", "Xu", "Support", None, None, {}),
    ("yyoung", "Yusuf", "Young", "Support", None, "Young, Yusuf", {}),
    ("ubianchi", "Ugo", "Bianchi", "Support", None, None, {}),
    ("cestrada", "Carla", "Estrada", "Management", None, None, {"title": "CEO"}),
    ("hreyes", "Hanna", "Reyes", "Management", None, None, {}),
    ("fng", "Frank", "Ng", "Management", None, None, {}),
    ("lolsen", "Lara", "Olsen", "Management", None, None, {}),
    ("gwu", "Grace", "Wu", "Management", None, None, {}),
    ("kberg", "Kai", "Berg", None, None, None, {}),
    ("plund", "Pia", "Lund", None, None, None, {}),
)

# In creation order (members first). (name, OU DN, members: logins or group names, group type)
GROUPS = (
    ("dev-backend", GROUPS_DN, ("aadams", "bbaker", "ddiaz", "ffischer", "jstrasse", "oortiz"), GLOBAL_SECURITY),
    ("dev-frontend", GROUPS_DN, ("ccooper", "eellis", "iito", "zmuller"), GLOBAL_SECURITY),
    ("sre", GROUPS_DN, ("ggarcia", "hhughes", "ipetrov", "tsingh"), GLOBAL_SECURITY),
    ("qa", GROUPS_DN, ("kkim", "lli"), GLOBAL_SECURITY),
    ("engineering", GROUPS_DN, ("dev-backend", "dev-frontend", "sre", "qa", "jjohnson", "vortega"), GLOBAL_SECURITY),
    ("sales-emea", GROUPS_DN, ("mmorgan", "nnovak", "qquinn", "rrossi", "eyilmaz"), GLOBAL_SECURITY),
    ("sales-amer", GROUPS_DN, ("oobrien", "pparker", "ssilva"), GLOBAL_SECURITY),
    ("sales", GROUPS_DN, ("sales-emea", "sales-amer"), GLOBAL_SECURITY),
    ("support", GROUPS_DN, ("tthomas", "uuddin", "vvargas", "wwalker", "xxu", "yyoung", "ubianchi"), GLOBAL_SECURITY),
    ("management", GROUPS_DN, ("cestrada", "hreyes", "fng", "lolsen", "gwu"), GLOBAL_SECURITY),
    ("staff", GROUPS_DN, ("engineering", "sales", "support", "management"), GLOBAL_SECURITY),
    ("rocketchat-users", GROUPS_DN, ("staff",), GLOBAL_SECURITY),
    ("rocketchat-admins", GROUPS_DN, ("bbaker", "cestrada"), GLOBAL_SECURITY),
    ("helpdesk-agents", GROUPS_DN, ("support", "tthomas"), GLOBAL_SECURITY),
    ("contractors", GROUPS_DN, ("kberg", "plund"), GLOBAL_SECURITY),
    ("all-hands", GROUPS_DN, ("staff", "contractors"), UNIVERSAL_DISTRIBUTION),
    ("team-engineering", TEAMS_DN, ("engineering",), GLOBAL_SECURITY),
    ("team-support", TEAMS_DN, ("support",), GLOBAL_SECURITY),
)

LARGE_USERS = 10000
LARGE_GROUPS = 500


def sample_password(login):
    return f"{login}-pass"


def user_cn(login):
    for entry in USERS:
        if entry[0] == login:
            return entry[5] or f"{entry[1]} {entry[2]}"
    raise KeyError(login)


def escape_rdn_value(value):
    """RFC 4514 escaping of an attribute value inside a DN."""
    out = []
    for index, char in enumerate(value):
        if char in ',+"\\<>;=' or (char == "#" and index == 0) or (char == " " and index in (0, len(value) - 1)):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def user_dn(login):
    for entry in USERS:
        if entry[0] == login:
            parent = f"OU={entry[3]},{STAFF_DN}" if entry[3] else CONTRACTORS_DN
            return f"CN={escape_rdn_value(user_cn(login))},{parent}"
    raise KeyError(login)


def group_dn(name):
    for group in GROUPS:
        if group[0] == name:
            return f"CN={name},{group[1]}"
    raise KeyError(name)


def _mail(given, surname):
    return f"{given}.{surname}@{DNS_DOMAIN}".lower().replace("'", "")


def seed(service_password, large=False):
    """The JSON-able seed for samba_seed.py: domain settings, entries in creation order."""
    entries = []
    for ou_dn in (STAFF_DN, *(f"OU={ou},{STAFF_DN}" for ou in ("Engineering", "Sales", "Support", "Management")),
                  CONTRACTORS_DN, GROUPS_DN, TEAMS_DN, SERVICES_DN):
        entries.append({"dn": ou_dn, "attrs": {"objectClass": ["organizationalUnit"]}})
    entries.append({"dn": SERVICE_DN, "password": service_password, "attrs": {
        "objectClass": ["user"], "sAMAccountName": [SERVICE_LOGIN],
        "userPrincipalName": [f"{SERVICE_LOGIN}@{DNS_DOMAIN}"], "userAccountControl": [str(NORMAL_ACCOUNT)],
        "description": ["read-only bind account for Rocket.Chat (test harness)"]}})
    for login, given, surname, _ou, mail, _cn, extra in USERS:
        cn = user_cn(login)
        attrs = {"objectClass": ["user"], "sAMAccountName": [login], "userPrincipalName": [f"{login}@{DNS_DOMAIN}"],
                 "givenName": [given], "sn": [surname], "displayName": [cn],
                 "userAccountControl": [str(NORMAL_ACCOUNT)]}
        mail = _mail(given, surname) if mail is None else mail
        if mail:
            attrs["mail"] = [mail]
        after = {}
        for key, value in extra.items():
            (after if key in ("userAccountControl", "lockoutTime") else attrs)[key] = [value]
        entries.append({"dn": user_dn(login), "password": sample_password(login), "attrs": attrs,
                        "after": after})
    logins = {entry[0] for entry in USERS}
    for name, _parent, members, group_type in GROUPS:
        entries.append({"dn": group_dn(name), "attrs": {
            "objectClass": ["group"], "sAMAccountName": [name], "groupType": [group_type],
            "member": [user_dn(m) if m in logins else group_dn(m) for m in members]}})
    if large:
        entries.extend(_large_entries())
    return {"entries": entries}


def generated_login(number):
    return f"gen{number:05d}"


def _large_entries(users=LARGE_USERS, groups=LARGE_GROUPS):
    rng = random.Random(20240601)
    entries = [{"dn": GENERATED_DN, "attrs": {"objectClass": ["organizationalUnit"]}},
               {"dn": GENERATED_GROUPS_DN, "attrs": {"objectClass": ["organizationalUnit"]}}]
    members = {g: [] for g in range(groups)}
    for u in range(users):
        login = generated_login(u + 1)
        given, surname = f"Gen{u % 97}", f"User{u + 1:05d}"
        dn = f"CN={given} {surname},{GENERATED_DN}"
        entries.append({"dn": dn, "attrs": {
            "objectClass": ["user"], "sAMAccountName": [login], "userPrincipalName": [f"{login}@{DNS_DOMAIN}"],
            "givenName": [given], "sn": [surname], "displayName": [f"{given} {surname}"],
            "mail": [f"{login}@{DNS_DOMAIN}"], "userAccountControl": ["544"]}})
        for g in {u % groups, rng.randrange(groups)}:
            members[g].append(dn)
    # Groups with higher numbers first, so the first ten can contain the others (nesting).
    for g in reversed(range(groups)):
        name = f"gen-group-{g + 1:04d}"
        member = list(members[g])
        if g < 10:
            member += [f"CN=gen-group-{k + 1:04d},{GENERATED_GROUPS_DN}" for k in range(10 + g, groups, 10)]
        entries.append({"dn": f"CN={name},{GENERATED_GROUPS_DN}", "attrs": {
            "objectClass": ["group"], "sAMAccountName": [name], "groupType": [GLOBAL_SECURITY],
            "member": member}})
    return entries
