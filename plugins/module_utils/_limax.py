# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rocket.Chat's LDAP username slug: a port of the npm package ``limax`` 3.0.0.

Rocket.Chat 8.x (``apps/meteor/server/lib/ldap/Manager.ts``, ``slugify``; its
``apps/meteor/package.json`` asks for ``limax`` ``^3.0.0``) turns an LDAP user's name into a
username, when ``UTF8_Names_Slugify`` is on (the default), with::

    limax(text, {replacement: '.'}).replace(/[^0-9a-z-_.]/g, '')

limax 3.0.0 drops apostrophes inside words, romanises Japanese kana (``hepburn``) or, when the
text holds a CJK ideograph in U+4E00..U+9FA5, writes every Han character as pinyin with a tone
number (``@napi-rs/pinyin``, one reading per character), then hands the text to
``speakingurl`` 14.0.1 (English symbols, "." as the separator), which transliterates
character by character. This module follows that code step by step, JavaScript's rules
included: strings are walked in UTF-16 code units, ``\\s`` is JavaScript's white space, ``\\w``
is ASCII. The tables are the libraries' own, generated into ``_limax_charmap.py`` by
``tools/oracles/limax/generate.js``; ``tests/data/limax-corpus.json`` holds what the real
library gives for a corpus of names, and the unit tests hold this port to every entry.

Only what Rocket.Chat's call uses is ported (no custom characters, no ``separateNumbers``,
no language other than the default).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.chatops.rocketchat.plugins.module_utils import _limax_charmap as _data

LIMAX_VERSION = _data.LIMAX_VERSION

# JavaScript's \s (without the u flag): the same set in every engine Rocket.Chat runs on.
_JS_SPACE = u'\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'
_JS_SPACE_CHARS = u'\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007' \
    u'\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'

_APOSTROPHE = re.compile(u"([^%s])['\u2018\u2019\u201a\u201b\u2032\u2035\u0301]([^%s])" % (_JS_SPACE, _JS_SPACE))
_CJK = re.compile(u'[\u4e00-\u9fa5]')
_NOT_ROMAJI = re.compile(u'[^A-Za-z0-9\\- ]+')
_NOT_PINYIN = re.compile(u'[^0-9A-Za-z ]+')
_SINGLE_LETTER_WORD = re.compile(u'([^1-4]) ([A-Za-z]) ')
_DIGIT_SUFFIX = re.compile(u'([^0-9])-([0-9])')
_ALNUM = re.compile(u'[A-Za-z0-9]')
_JS_SPACES = re.compile(u'[%s]+' % _JS_SPACE)
_NOT_USERNAME = re.compile(u'[^0-9a-z\\-_.]')

# hepburn 1.3.0 fromKana / containsKana
_KANA = [(dict(pairs), re.compile(u'|'.join(re.escape(key) for key, value in pairs)))
         for name, pairs in _data.KANA]
_KANA_TEST = [_KANA[i][1] for i, (name, pairs) in enumerate(_data.KANA)
              if name in ('hiraganaMonographs', 'katakanaMonographs', 'katakanaHalfwidths')]
_JS_DOT = u'[^\n\r\u2028\u2029]'
_SOKUON_C = re.compile(u'[\u3063\u30c3]C')
_SOKUON = re.compile(u'[\u3063\u30c3](%s)' % _JS_DOT)
_N_APOSTROPHE = re.compile(u"[NM]'([^YAEIOU]|\\Z)")
_CHOONPU = ((u'A\u30fc', u'\u0100'), (u'I\u30fc', u'\u012a'), (u'U\u30fc', u'\u016a'),
            (u'E\u30fc', u'\u0112'), (u'O\u30fc', u'\u014c'))

_pinyin_table = {}


class LimaxError(ValueError):
    """The library itself fails on this text (a JavaScript TypeError in speakingurl)."""


def _utf16(text):
    """The text as JavaScript sees it: one character per UTF-16 code unit."""
    units = []
    for char in text:
        point = ord(char)
        if point > 0xFFFF:
            point -= 0x10000
            units.append(chr(0xD800 + (point >> 10)))
            units.append(chr(0xDC00 + (point & 0x3FF)))
        else:
            units.append(char)
    return u''.join(units)


def _code_points(units):
    """UTF-16 code units back to code points (surrogate pairs joined; lone surrogates kept)."""
    out = []
    i = 0
    while i < len(units):
        high = ord(units[i])
        if 0xD800 <= high <= 0xDBFF and i + 1 < len(units) and 0xDC00 <= ord(units[i + 1]) <= 0xDFFF:
            out.append(chr(0x10000 + ((high - 0xD800) << 10) + (ord(units[i + 1]) - 0xDC00)))
            i += 2
        else:
            out.append(units[i])
            i += 1
    return u''.join(out)


def _contains_kana(text):
    return any(regex.search(text) for regex in _KANA_TEST)


def _from_kana(text):
    """hepburn.fromKana: the replacement tables in order, then sokuon, N' and choonpu."""
    for table, regex in _KANA:
        text = regex.sub(lambda match, table=table: table.get(match.group(0), match.group(0)), text)
    text = _SOKUON_C.sub(u'TC', text)
    text = _SOKUON.sub(u'\\1\\1', text)
    text = _N_APOSTROPHE.sub(u'N\\1', text)
    for old, new in _CHOONPU:
        text = text.replace(old, new)
    return text


def _pinyin_readings():
    if not _pinyin_table:
        alphabet = _data.PINYIN_ALPHABET
        base = len(alphabet)
        digit = dict((char, i) for i, char in enumerate(alphabet))
        packed = _data.PINYIN_PACKED
        point = -1
        i = 0
        while i < len(packed):
            if packed[i] == u'~':
                end = packed.index(u';', i)
                point = int(packed[i + 1:end], 16)
                i = end + 1
            else:
                _pinyin_table[point] = _data.PINYIN_SYLLABLES[digit[packed[i]] * base + digit[packed[i + 1]]]
                point += 1
                i += 2
    return _pinyin_table


def _pinyin(text):
    """@napi-rs/pinyin (WithToneNumEnd, one reading per character): a list with the reading of
    each Han character and, between them, each run of other characters as it is."""
    table = _pinyin_readings()
    tokens = []
    run = []
    for char in _code_points(text):
        reading = table.get(ord(char))
        if reading is None:
            run.append(char)
            continue
        if run:
            tokens.append(u''.join(run))
            run = []
        tokens.append(reading)
    if run:
        tokens.append(u''.join(run))
    return tokens


def _js_string(value):
    """``'' + value`` in JavaScript for a map lookup that may be undefined."""
    return u'undefined' if value is None else value


def _keep(char, separator):
    return (u'a' <= char <= u'z' or u'A' <= char <= u'Z' or u'0' <= char <= u'9' or char in u'_-'
            or char in separator or char in _JS_SPACE_CHARS)


def _speakingurl(text, separator):
    """speakingurl 14.0.1 getSlug(text, {lang: 'en', separator, maintainCase: false, custom: {}})."""
    units = text.strip(_JS_SPACE_CHARS)
    length = len(units)
    result = u''
    diatric = u''
    last_symbol = False
    last_diatric = False
    for i in range(length):
        char = units[i]
        if _data.LANG_EN.get(char):
            mapped = _data.LANG_EN[char]
            char = u' ' + mapped if last_symbol and _ALNUM.search(mapped) else mapped
            last_symbol = False
        elif char in _data.CHARMAP:
            mapped = _data.CHARMAP[char]
            if i + 1 < length and units[i + 1] in _data.LOOKAHEAD:
                diatric += char
                char = u''
            elif last_diatric:
                char = _js_string(_data.DIATRIC.get(diatric)) + mapped
                diatric = u''
            else:
                char = u' ' + mapped if last_symbol and _ALNUM.search(mapped) else mapped
            last_symbol = False
            last_diatric = False
        elif char in _data.DIATRIC:
            diatric += char
            char = u''
            if i == length - 1:
                if diatric not in _data.DIATRIC:
                    raise LimaxError('speakingurl fails on %r' % text)
                char = _data.DIATRIC[diatric]
            last_diatric = True
        elif _data.SYMBOLS_EN.get(char):
            symbol = _data.SYMBOLS_EN[char]
            char = separator + symbol if last_symbol or _ALNUM.search(result[-1:]) else symbol
            if i + 1 < length and _ALNUM.search(units[i + 1]):
                char += separator
            last_symbol = True
        else:
            if last_diatric:
                char = _js_string(_data.DIATRIC.get(diatric)) + char
                diatric = u''
                last_diatric = False
            elif last_symbol and _ALNUM.search(char):
                char = u' ' + char
            last_symbol = False
        result += u''.join(c if _keep(c, separator) else separator for c in char)

    result = _JS_SPACES.sub(separator, result)
    result = re.sub(re.escape(separator) + u'+', separator, result)
    result = re.sub(u'^(?:%s)+|(?:%s)+\\Z' % (re.escape(separator), re.escape(separator)), u'', result)
    return result.lower()


def limax(text, separator=u'.'):
    """``limax(text, {replacement: separator})`` as limax 3.0.0 computes it (Rocket.Chat passes ".").

    Raises ``LimaxError`` where the library itself throws (a few Burmese vowel sequences at the
    end of the text)."""
    text = _APOSTROPHE.sub(u'\\1\\2', _utf16(text))
    merge_digit_suffixes = False
    if _contains_kana(text):
        text = _NOT_ROMAJI.sub(u'', _from_kana(text))
    elif _CJK.search(text):
        merge_digit_suffixes = True
        text = _utf16(u' '.join(_pinyin(text)))
        text = _NOT_PINYIN.sub(u'', text)
        text = _SINGLE_LETTER_WORD.sub(u'\\1\\2', text)
    slug = _speakingurl(text, separator)
    return _DIGIT_SUFFIX.sub(u'\\1\\2', slug) if merge_digit_suffixes else slug


def slugify(text):
    """The Rocket.Chat username an LDAP name gives when ``UTF8_Names_Slugify`` is on:
    ``limax(text, {replacement: '.'})`` then only ``[0-9a-z-_.]`` (Manager.ts ``slugify``).
    May be empty (a name in a script limax does not transliterate, or only symbols)."""
    return _NOT_USERNAME.sub(u'', limax(text, u'.'))
