# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""LDAP filters as Rocket.Chat's settings hold them: the one parser (RFC 4515) and the one check of a
filter template with ``#{...}`` placeholders. Pure, and free of ldap3, so that ldap_settings validates
filters on a controller without it; everything that reads a filter uses this module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# An attribute description's type: a name or a numeric OID.
ATTRIBUTE_TYPE = r'(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)'
# The placeholders the server substitutes (apps/meteor/ee/server/lib/ldap/Manager.ts and
# server/lib/ldap/Manager.ts replace #{username}, #{userdn} and, in group filters, #{groupName}).
PLACEHOLDER_RE = re.compile(r'#\{([^}]*)\}')
USER_PLACEHOLDERS = ('username', 'userdn')
GROUP_PLACEHOLDER = 'groupName'


def placeholders(text):
    """The names of the ``#{...}`` placeholders in ``text``, in order."""
    return PLACEHOLDER_RE.findall(text or '')


def wrap_filter(text):
    """The server wraps a user filter in parentheses when it lacks them."""
    text = (text or '').strip()
    if text and not text.startswith('('):
        return '(%s)' % text
    return text


class TemplateCheck:
    """What ``check_template`` found: ``syntax`` (the parser's message, or None) for ``sample`` (the
    template with every placeholder replaced by a plain value), its parsed ``root`` when valid, the
    placeholder ``names`` it uses and the ``unknown`` ones (not in ``allowed``)."""

    def __init__(self, sample, root, syntax, names, unknown):
        self.sample = sample
        self.root = root
        self.syntax = syntax
        self.names = names
        self.unknown = unknown


def check_template(text, allowed=None):
    """Check a filter template: its syntax once the server has replaced the placeholders (each stands
    for a plain value here), and, when ``allowed`` is given, the placeholders it does not replace."""
    names = placeholders(text)
    unknown = [] if allowed is None else sorted(set(name for name in names if name not in allowed))
    # a stand-in of the same length, so that an error's position is one in ``text`` too
    sample = PLACEHOLDER_RE.sub(lambda found: 'x' * len(found.group(0)), text or '')
    try:
        root, syntax = parse_filter(sample), None
    except FilterSyntaxError as exc:
        root, syntax = None, str(exc)
    return TemplateCheck(sample, root, syntax, names, unknown)


def template_problems(text, allowed=None):
    """Every problem of a filter template, worded once for all callers (``[]`` when there is none).

    ``allowed``: the placeholder names the server replaces where the filter is used (None: any name).
    Placeholders it would send as written, the syntax once they are replaced, and an empty equality
    value (``(cn=)``, almost always a presence test ``(cn=*)`` written wrong).
    """
    check = check_template(text, allowed)
    problems = []
    if check.unknown:
        problems.append('unknown placeholders %s: the server replaces only %s here and sends the rest as written'
                        % (', '.join('#{%s}' % name for name in check.unknown),
                           ', '.join('#{%s}' % name for name in sorted(allowed)) or 'none'))
    if check.syntax:
        problems.append('not a valid LDAP filter: %s' % check.syntax)
    else:
        problems.extend('empty value for %r (use "%s=*" to test presence)' % (item.attribute, item.attribute)
                        for item in check.root.items() if item.kind == '=' and item.value == '')
    return problems


class FilterSyntaxError(ValueError):
    """An LDAP filter (RFC 4515) that the server would refuse; ``position`` is 0-based."""

    def __init__(self, message, position):
        super(FilterSyntaxError, self).__init__('%s at position %d' % (message, position))
        self.position = position


class FilterNode:
    """One parsed filter: ``kind`` is ``&``, ``|`` or ``!`` (with ``children``) or the operator of an
    item (``=``, ``~=``, ``>=``, ``<=``, ``:=`` for an extensible match) with ``attribute`` and the raw
    ``value``; ``text`` is the node's exact source text."""

    def __init__(self, kind, children=(), attribute=None, value=None):
        self.kind = kind
        self.children = list(children)
        self.attribute = attribute
        self.value = value
        self.text = ''

    def items(self):
        """Every item (leaf) of the filter, in order."""
        if not self.children:
            return [self]
        return [item for child in self.children for item in child.items()]


def parse_filter(text):
    """The ``FilterNode`` tree of ``text``; raises ``FilterSyntaxError`` unless it is one well-formed filter."""
    parser = _FilterParser(text)
    root = parser.filter()
    if parser.pos != len(text):
        raise FilterSyntaxError('unexpected text after the end of the filter', parser.pos)
    return root


def validate_filter(text):
    """Raise ``FilterSyntaxError`` unless ``text`` is one well-formed RFC 4515 filter."""
    parse_filter(text)


_FILTER_ATTR = re.compile(ATTRIBUTE_TYPE + r'(?:;[A-Za-z0-9-]+)*')  # with options, e.g. cn;lang-de
_MATCHING_RULE = re.compile(ATTRIBUTE_TYPE)
_HEX = '0123456789abcdefABCDEF'


class _FilterParser:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def _peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else ''

    def _expect(self, char, problem=None):
        if self._peek() != char:
            found = repr(self._peek()) if self._peek() else 'the end'
            raise FilterSyntaxError('%s, found %s' % (problem or 'expected %r' % char, found), self.pos)
        self.pos += 1

    def filter(self):
        start = self.pos
        self._expect('(')
        char = self._peek()
        if char in ('&', '|'):
            self.pos += 1
            if self._peek() != '(':
                raise FilterSyntaxError('%s needs at least one filter' % char, self.pos)
            children = []
            while self._peek() == '(':
                children.append(self.filter())
            node = FilterNode(char, children)
        elif char == '!':
            self.pos += 1
            node = FilterNode('!', [self.filter()])
        else:
            node = self._item()
        self._expect(')', 'missing ")"')
        node.text = self.text[start:self.pos]
        return node

    def _item(self):
        start = self.pos
        match = _FILTER_ATTR.match(self.text, self.pos)
        attr_end = match.end() if match else self.pos
        rest = self.text[attr_end:]
        if rest.startswith(':') or (not match and self._peek() == ':'):
            return self._extensible(start, bool(match))
        if not match:
            raise FilterSyntaxError('missing or invalid attribute name', self.pos)
        self.pos = attr_end
        for operator in ('~=', '>=', '<='):
            if rest.startswith(operator):
                self.pos += 2
                return FilterNode(operator, attribute=match.group(0), value=self._value(allow_star=False))
        if not rest.startswith('='):
            raise FilterSyntaxError('expected a comparison operator (=, ~=, >=, <=) after %r'
                                    % self.text[start:attr_end], self.pos)
        self.pos += 1
        return FilterNode('=', attribute=match.group(0), value=self._value(allow_star=True))

    def _extensible(self, start, has_attr):
        if has_attr:
            self.pos = _FILTER_ATTR.match(self.text, self.pos).end()
        if self.text.startswith(':dn', self.pos) and self.text[self.pos + 3:self.pos + 4] == ':':
            self.pos += 3
        if self.text.startswith(':=', self.pos):
            if not has_attr:
                raise FilterSyntaxError('an extensible match needs an attribute or a matching rule', start)
        else:
            self._expect(':')
            rule = _MATCHING_RULE.match(self.text, self.pos)
            if not rule:
                raise FilterSyntaxError('invalid matching rule', self.pos)
            self.pos = rule.end()
        attribute = self.text[start:self.pos]
        self._expect(':')
        self._expect('=')
        return FilterNode(':=', attribute=attribute, value=self._value(allow_star=False))

    def _value(self, allow_star):
        """Consume an assertion value up to the closing parenthesis and return its raw text."""
        start = self.pos
        while True:
            char = self._peek()
            if char in ('', ')'):
                return self.text[start:self.pos]
            if char == '(':
                raise FilterSyntaxError("unescaped '(' in a value (write \\28)", self.pos)
            if char == '*' and not allow_star:
                raise FilterSyntaxError("'*' is only allowed in an equality filter (write \\2a)", self.pos)
            if char == '\\':
                pair = self.text[self.pos + 1:self.pos + 3]
                if len(pair) != 2 or pair[0] not in _HEX or pair[1] not in _HEX:
                    raise FilterSyntaxError('a backslash must be followed by two hex digits', self.pos)
                self.pos += 3
                continue
            if char == '\x00':
                raise FilterSyntaxError('NUL character in a value', self.pos)
            self.pos += 1
