"""Small LDIF helpers for loading sample directories with slapadd.

slapadd writes straight into the database and bypasses overlays, so the memberOf values the
memberof overlay would maintain are computed here from the groups' member/uniqueMember values.
Only what the harness needs is parsed: records separated by blank lines, folded lines,
comments, and ``attr:: base64`` values.
"""

import base64
import hashlib
import os

MEMBER_ATTRIBUTES = ("member", "uniqueMember")
_DN_ATTRIBUTES = {"dn", *(a.lower() for a in MEMBER_ATTRIBUTES)}


def ssha(password, salt=None):
    """Return an OpenLDAP ``{SSHA}`` userPassword value (what ``slappasswd -s`` produces)."""
    salt = os.urandom(8) if salt is None else salt
    digest = hashlib.sha1(password.encode("utf-8") + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode("ascii")


def normalize_dn(dn):
    """A comparison key for the plain ASCII DNs used in the sample data."""
    return ",".join(part.strip().lower() for part in dn.split(","))


def _unfold(block):
    lines = []
    for line in block:
        if line.startswith(" ") and lines:
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return [line for line in lines if not line.startswith("#")]


def _split_value(line):
    """(attribute name, text value); base64 values are decoded only for DN-valued attributes
    (binary values such as jpegPhoto are not text)."""
    name, _, rest = line.partition(":")
    if not rest.startswith(":"):
        return name, rest.strip()
    if name.lower() in _DN_ATTRIBUTES:
        return name, base64.b64decode(rest[1:].strip()).decode("utf-8")
    return name, None


def _blocks(text):
    block = []
    for line in text.splitlines():
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def add_member_of(text, member_attributes=MEMBER_ATTRIBUTES):
    """Return *text* with ``memberOf: <group DN>`` added to every entry a group lists as member.

    Direct membership only, as the memberof overlay and Active Directory do: a member of a
    nested group gets the inner group's DN, the inner group gets the outer group's DN.
    """
    wanted = {a.lower() for a in member_attributes}
    blocks = list(_blocks(text))
    groups_of = {}
    for block in blocks:
        dn = None
        for name, value in map(_split_value, _unfold(block)):
            if name.lower() == "dn":
                dn = value
            elif name.lower() in wanted and dn is not None:
                groups_of.setdefault(normalize_dn(value), []).append(dn)
    out = []
    for block in blocks:
        dn = next((v for n, v in map(_split_value, _unfold(block)) if n.lower() == "dn"), None)
        extra = groups_of.get(normalize_dn(dn), []) if dn is not None else []
        # dict.fromkeys: a group listing a member twice (member and uniqueMember) adds one value.
        out.append("\n".join(block + [f"memberOf: {g}" for g in dict.fromkeys(extra)]))
    return "\n\n".join(out) + "\n"
