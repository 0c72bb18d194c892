#!/usr/bin/env node
// Oracle for Rocket.Chat's LDAP username slug.
//
// Rocket.Chat 8.x (apps/meteor/server/lib/ldap/Manager.ts, `slugify`) builds an LDAP user's
// username, when UTF8_Names_Slugify is on, as
//     limax(text, { replacement: '.' }).replace(/[^0-9a-z-_.]/g, '')
// with the `limax` its apps/meteor/package.json names ("^3.0.0", i.e. 3.0.0, the only 3.x).
// This script runs the real npm package (pinned in package.json / package-lock.json) and writes:
//   tests/data/limax-corpus.json               the expected slugs for the corpus below
//   plugins/module_utils/_limax_charmap.py      the collection's copy of the library's data
//   tests/data/limax-charmap.json               the test sandbox's copy of the same data
// The data are read out of the installed packages (speakingurl's character maps, hepburn's kana
// tables, @napi-rs/pinyin's reading of every character it converts), so the two Python ports
// (plugins/module_utils/limax.py and tests/sandbox/rocketchat/ldap_mapping.py) carry the
// library's tables, not hand-made ones; the ports' code is written separately.
//
// Regenerate (node 20, from the repository root):
//     cd tools/oracles/limax && npm install --no-save && node generate.js
// `npm install --no-save` installs exactly the versions in package-lock.json (integrity-checked)
// without rewriting it. (`npm ci` refuses here: the registry mirror lacks @napi-rs/pinyin's
// binaries for other platforms, so the lock cannot list them.) .npmrc keeps registry URLs out
// of the lock. node_modules/ is not committed.
// `node generate.js --check` writes nothing and exits 1 when a committed file differs from what
// the installed packages give (tests/unit/plugins/module_utils/test_limax.py runs it when node_modules exists).
'use strict';

const fs = require('fs');
const path = require('path');
const Module = require('module');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..', '..', '..');
const CHECK = process.argv.includes('--check');

const limax = require('limax');
const { pinyin, PINYIN_STYLE } = require('@napi-rs/pinyin');

function version (name) {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [HERE] }), 'utf8')).version;
}

// ---------------------------------------------------------------------------------------------
// The corpus: names as they come out of LDAP attributes (givenName, sn, cn, displayName, uid, or a
// #{givenName}.#{sn} template), grouped by what they exercise.
const CORPUS = {
  ascii: [
    'jdoe', 'JDoe', 'John Doe', 'john.doe', 'John.Doe', 'john_doe', 'JOHN DOE', 'Mary Ann Smith',
    'mary-ann', 'admin', 'Administrator', 'svc_rocketchat', 'svc-backup', 'a', 'Z', 'ab', 'x y z',
    'John  Doe', 'john..doe', 'john__doe', 'john--doe', '.john', 'john.', '_john_', '-john-',
    'John (IT)', 'John [contractor]', 'John, Doe', 'Doe, John', 'john@example.org', 'john+tag',
    'john/doe', 'john\\doe', 'DOMAIN\\jdoe', 'john:doe', 'john;doe', 'john=doe', 'john?doe',
    'john!doe', 'john#doe', 'john$doe', 'john%doe', 'john^doe', 'john*doe', 'john~doe',
    'john`doe', 'john"doe', '"John Doe"', 'john{doe}', 'x & y', 'Tom & Jerry', 'a|b', 'a < b',
    'a > b', 'AT&T', 'R&D Team', 'Smith & Wesson', 'Procter&Gamble', 'a&b&c',
  ],
  hyphens: [
    'Jean-Luc Picard', 'Jean-Luc', 'Anne-Marie Dupont', 'Hans-Peter Müller', 'Mary-Kate Olsen',
    'Smith-Jones', 'Ahmed Al-Farsi', 'Jean - Luc', 'Jean -Luc', 'Jean- Luc', '-', '--', 'a-', '-a',
    'Jean‐Luc', 'Jean‑Luc', 'Jean–Luc', 'Jean—Luc', 'Jean−Luc',
  ],
  dots: [
    'J.R.R. Tolkien', 'John F. Kennedy', 'Dr. John Doe', 'john.f.kennedy', 'J. Doe', '...', '.',
    'a.b.c', 'St. John', 'Doe Jr.', 'Doe Sr.', 'A. B.',
  ],
  apostrophes: [
    "O'Brien", "Patrick O'Brien", "D'Angelo", "d'Artagnan", "L'Oréal", "O'Neil-Smith",
    'O’Brien', 'O‘Brien', 'O‚Brien', 'O‛Brien', 'O′Brien', 'O‵Brien', "O 'Brien", "O' Brien",
    "'Brien", "O'", "'", "''", "a'b'c", "a''b", "Rock'n'Roll", 'Ng`ang`a', 'Nguyễn Văn A',
    'e\u0301mile', 'Jose\u0301', "Ta'u", 'ʻOkina', "Kamakaʻe",
  ],
  digits: [
    'jdoe2', 'john2doe', 'user123', '123', '007', 'R2-D2', 'C-3PO', 'Agent 47', 'john 2', '2 john',
    'abc2def', 'x1y2z3', 'john.doe2', 'Room 101', '1st floor', 'Louis XIV', 'Henry 8th', '0',
    '٣٤٥', '١٢٣', '۱۲۳',
  ],
  latin: [
    'Zoë', 'Zoë Zimmermann', 'José', 'José García', 'José Ñoño', 'Núñez', 'François', 'Françoise Hardy',
    'Renée', 'Hélène', 'Noël', 'Chloé', 'Anaïs', 'Gaëlle', 'Loïc', 'Œdipe', 'Cœur', 'Ærøskøbing',
    'Çelik', 'Şahin', 'Ağaoğlu', 'İlkay', 'Işık', 'Gündoğan', 'Öztürk', 'Ümit', 'Jiří', 'Dvořák',
    'Přemysl', 'Šťastný', 'Žižka', 'Čapek', 'Łukasz', 'Łódź', 'Wałęsa', 'Jędrzej', 'Świątek',
    'Źdźbło', 'Ćwikła', 'Ńoń', 'Ștefan', 'Țiriac', 'Ştefan', 'Ţiriac', 'Lőrinc', 'Győző', 'Űrhajós',
    'Mārtiņš', 'Ķēniņš', 'Ģirts', 'Jānis', 'Ļuba', 'Žemaitė', 'Vytautas Ąžuolas', 'Ėglė', 'Įvairus',
    'Đorđe', 'Đặng', 'Trần Hưng Đạo', 'Nguyễn', 'Phạm Thị Hương', 'Ồ', 'Ỳ', 'Ǆ', 'ǅ', 'ǆ', 'Ĳsselmeer',
    'ĳ', 'Ŀ', 'ŀ', 'ŉ', 'ſ', 'ƒ', 'Ə', 'ə', 'ɑ', 'Ð', 'ð', 'Þór', 'þ', 'Ŧ', 'ŧ', 'Ħ', 'ħ', 'Ŋ', 'ŋ',
    'ĸ', 'ı', 'Ĩ', 'ũ', 'Ų', 'ų', 'Ŵ', 'ŷ', 'Ÿ', 'ÿ', 'ý', 'Ý', 'ª', 'º', 'µ', '©', '®', '™', '°',
  ],
  german: [
    'Jørgen Straße', 'Straße', 'STRASSE', 'Müller', 'MÜLLER', 'Mueller', 'Jürgen', 'Björn', 'Hörmann',
    'Käthe', 'Bäcker', 'Gößmann', 'Weiß', 'Groß', 'Fuß', 'Öhlschläger', 'Ärger', 'Übel', 'ÄÖÜäöüß',
    'Hans-Jürgen Weiß', 'Günther Groß', 'ẞ', 'Straßenbahn-Schaffner',
  ],
  nordic: [
    'Jørgen', 'Søren Kierkegaard', 'Åsa', 'ÅsaÖberg', 'Åsa Öberg', 'Bjørn', 'Øyvind', 'Ærø', 'Ålesund',
    'Þórður', 'Guðrún', 'Sigurður', 'Eiður Smári', 'Håkon', 'Lærke', 'Ægir', 'Björk Guðmundsdóttir',
    'Ásgeir', 'Æ', 'æ', 'Ø', 'ø', 'Å', 'å',
  ],
  cyrillic: [
    'Иван Петров', 'Иван', 'Пётр', 'Пётр Чайковский', 'Юлия', 'Яна', 'Щукин', 'Шишкин', 'Жуков',
    'Хрущёв', 'Цветаева', 'Чехов', 'Эмиль', 'Ёлка', 'Объект', 'Подъезд', 'Мягкий', 'Ъ', 'Ь',
    'ИВАН ПЕТРОВ', 'Наталья Гончарова', 'Сергей Рахманинов', 'Ольга', 'Владимир', 'Ксения',
    'Олександр', 'Їжак', 'Ірина', 'Євген', 'Ґанок', 'Андрій Шевченко', 'Беларусь', 'Ўладзімір',
    'Ђорђе', 'Љубица', 'Њујорк', 'Џон', 'Ћирилица', 'Јован', 'Ѓорѓи', 'Ќе', 'Ѕвезда', 'Қазақ',
    'Ғалым', 'Ұлан', 'Үміт', 'Һ', 'Әлия', 'Өмір', 'Іван Франко', 'Иван-Петров', 'иван.петров',
  ],
  greek: [
    'Αλέξανδρος', 'Σωκράτης', 'Νίκος Καζαντζάκης', 'Ωμέγα', 'Ωmega', 'ΑΛΈΞΑΝΔΡΟΣ', 'Γιώργος',
    'Δημήτρης', 'Ελένη', 'Ζωή', 'Θεόδωρος', 'Ιωάννης', 'Κωνσταντίνος', 'Λάμπρος', 'Μαρία', 'Ξενοφών',
    'Ψυχή', 'Φίλιππος', 'Χρήστος', 'Ϊ', 'ϋ', 'ΰ', 'ΐ', 'ς', 'Σίσυφος',
  ],
  cjk: [
    '王伟', '李娜', '张伟', '刘洋', '陈静', '杨帆', '赵敏', '黄磊', '周杰伦', '吴京', '曾国藩', '单田芳',
    '重庆', '乐乐', '长安', '行者', '毛泽东', '习近平', '邓小平', '孙中山', '诸葛亮', '欧阳修', '司马迁',
    '吕布', '女娲', '略', '王', '王 伟', '王-伟', '王.伟', 'Wang 王', 'Wang Wei 王伟', '王 a 伟',
    '王a伟', '王 ab 伟', '王1伟', 'Zoë 王', 'Jean-Luc 王', '王伟2', 'Li 李 Na 娜', '〇', '々',
    '山田太郎', '鈴木一郎', '田中', '長谷川', '東京', '金正恩', '李承晩', '𠀋', '𠀋王', '㐀王',
    '你好世界', '中文名字', '王!伟', '王&伟', '王(伟)', '王’伟', 'A王B', 'a 王 b 伟 c',
  ],
  kana: [
    'やまだ たろう', 'ヤマダ', 'ヤマダ タロウ', 'さとう', 'サトウ', 'きょうこ', 'キョウコ', 'しゅんすけ',
    'ちゃん', 'がっこう', 'ガッコウ', 'まっちゃ', 'カッチャ', 'コーヒー', 'ラーメン', 'ジョー', 'シューマイ',
    'ｶﾀｶﾅ', 'ｶﾞｯｺｳ', 'ﾔﾏﾀﾞ', 'しんいち', 'しんや', 'ぽんず', 'ヴ', 'ヴァイオリン', 'ティー', 'ファン',
    '山田たろう', '田中 さくら', 'Sakura さくら', 'さくら1', 'ん', 'ー', 'っ', 'ぁ', 'を', 'ゐ',
    'ヱヴァンゲリヲン', 'ディズニー', 'ウィキ', 'チェック',
  ],
  other_scripts: [
    'محمد علي', 'أحمد', 'فاطمة', 'عبدالله', 'سعيد', 'ذ', 'شريف', 'דוד כהן', 'שרה', 'मोहन', 'राम',
    'ราม', 'სოფო', 'Գևորգ', 'ދިވެހި', '김민수', '박지성', 'ሀ', 'ꯑ', 'ᠮ', 'ꦗ',
    'မြန်မာ', 'ကျော်', 'အောင်',
  ],
  emoji: [
    '😀', '😀 smile', 'smile 😀', 'John 😀 Doe', '👍🏽', '❤️', '♥', 'I ♥ NY', '♥love', 'love♥',
    '∞', 'to ∞', '∑', '∆ delta', '¤', '€', '$100', '£', '¥', '₹', '🇩🇪', '👨‍👩‍👧', 'a😀b',
    '★ star', '✓', '→', '©2024', '½', '²', '³', 'ⅷ', 'Ⅻ', '①', '⑩',
  ],
  mixed: [
    'Jean-Luc O\'Brien-Müller', 'Dr. José Ñoño Jr.', 'Иван Smith', 'John Иванов', 'Ωmega-3',
    'Zoë.Zimmermann', 'zoe.zimmermann', 'Müller, Hans (IT)', 'ÅSA ÖBERG', 'Łukasz Żuławski-Ćwik',
    'Björk 😀', 'Straße 5', 'Ïñtërnâtiônàlizætiøn', 'Ĉu vi parolas Esperanton', 'Ŝanĝo',
    'Crème Brûlée', 'Façade', 'naïve café', 'Saint-Étienne', 'Dvořák-Straße', 'Ærø & Øster',
    'María-José O\'Connor', 'Đặng Thị Ngọc Thịnh', 'Nguyễn-Trần', 'user@例え.jp', 'ﬁnance', 'ﬂow',
    'ǲemal', 'ǈubljana', 'ǋjegoš', 'Ａｂｃ', 'ＡＢＣ１２３', 'ｊｏｈｎ',
  ],
  whitespace: [
    ' John Doe ', '  John   Doe  ', '\tJohn\tDoe\t', 'John\nDoe', 'John\r\nDoe', 'John\u00a0Doe',
    'John\u2009Doe', 'John\u3000Doe', 'John\u200bDoe', 'John\ufeffDoe', 'John\u2028Doe',
    'John\u0085Doe', 'John\u001fDoe', 'John\u000bDoe', 'John\u000cDoe', ' ', '   ', '\t', '\n',
    '\u00a0', '\u3000', '\u200b', '',
  ],
  empty_slug: [
    '!!!', '???', '***', '()', '[]', '{}', '@', '#', '%', '^', '~', '`', '"', '/', '\\', ':', ';',
    ',', '=', '+', '😀😀', '👍', '🇩🇪', '\u0301', '\u0300', 'ء', '·', '•', '…', '¿', '¡', '§', '¶',
    '†', '‡', '※', '‰', '′', '″', '¨', '´', '¸', '¯', '˘', '˙', '˚', '˛', '˜', '˝', 'ǅ', 'ŉ',
  ],
};

const entries = [];
const seen = new Set();
for (const [category, names] of Object.entries(CORPUS)) {
  for (const input of names) {
    if (seen.has(input)) continue;
    seen.add(input);
    const raw = limax(input, { replacement: '.' });
    entries.push({ category, input, limax: raw, username: raw.replace(/[^0-9a-z-_.]/g, '') });
  }
}

let pinyinLoaded = true;
try { require('@napi-rs/pinyin'); } catch (err) { pinyinLoaded = false; }

const corpus = {
  description: "Rocket.Chat's LDAP username slug: limax(text, {replacement: '.'}) then only [0-9a-z-_.] " +
    '(apps/meteor/server/lib/ldap/Manager.ts slugify, UTF8_Names_Slugify on). Generated by ' +
    'tools/oracles/limax/generate.js with the real npm packages; do not edit by hand.',
  call: "limax(text, { replacement: '.' }).replace(/[^0-9a-z-_.]/g, '')",
  limax_version: version('limax'),
  dependencies: {
    speakingurl: version('speakingurl'),
    hepburn: version('hepburn'),
    '@napi-rs/pinyin': version('@napi-rs/pinyin'),
  },
  pinyin_loaded: pinyinLoaded,
  node_version: process.version,
  count: entries.length,
  entries,
};

// ---------------------------------------------------------------------------------------------
// The libraries' data, read out of the installed sources.
function loadInternals (file, exportLine, expose) {
  const src = fs.readFileSync(file, 'utf8');
  if (!src.includes(exportLine)) throw new Error(`${file}: "${exportLine}" not found`);
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(src.replace(exportLine, `module.exports = ${expose}; return;`), file);
  return m.exports;
}

const surl = loadInternals(require.resolve('speakingurl/lib/speakingurl.js', { paths: [HERE] }),
  'module.exports = getSlug;',
  '{ charMap: charMap, lookAheadCharArray: lookAheadCharArray, diatricMap: diatricMap, ' +
  'langCharMapEn: langCharMap.en, symbolMapEn: symbolMap.en }');

const hepburnFile = require.resolve('hepburn/lib/hepburn.js', { paths: [HERE] });
const hepburnSrc = fs.readFileSync(hepburnFile, 'utf8') +
  '\nexports.__tables = { katakanaHalfwidthsCombined: katakanaHalfwidthsCombined, ' +
  'katakanaHalfwidths: katakanaHalfwidths, hiraganaDigraphs: hiraganaDigraphs, ' +
  'katakanaDigraphs: katakanaDigraphs, hiraganaMonographs: hiraganaMonographs, ' +
  'katakanaMonographs: katakanaMonographs };\n';
const hm = new Module(hepburnFile, module);
hm.filename = hepburnFile;
hm.paths = Module._nodeModulePaths(path.dirname(hepburnFile));
hm._compile(hepburnSrc, hepburnFile);
const kana = hm.exports.__tables;

// Every code point @napi-rs/pinyin converts (alone), with its reading in limax's style.
const readings = [];
for (let cp = 0; cp < 0x110000; cp++) {
  if (cp >= 0xD800 && cp <= 0xDFFF) continue;
  const ch = String.fromCodePoint(cp);
  const r = pinyin(ch, { style: PINYIN_STYLE.WithToneNumEnd });
  if (!(r.length === 1 && r[0] === ch)) {
    if (r.length !== 1) throw new Error(`U+${cp.toString(16)} gives ${JSON.stringify(r)}`);
    readings.push([cp, r[0]]);
  }
}
const syllables = [...new Set(readings.map(([, s]) => s))].sort();
// Compact form: 2 characters per converted code point (index into syllables, base 90 over
// '#'..'}' without the backslash); "~<hex>;" before a code point that does not follow the last.
const ALPHABET = [];
for (let c = 0x23; c <= 0x7D; c++) if (c !== 0x5C) ALPHABET.push(String.fromCharCode(c));
if (syllables.length > ALPHABET.length * ALPHABET.length) throw new Error('too many syllables');
const index = new Map(syllables.map((s, i) => [s, i]));
let packed = '';
let previous = -2;
for (const [cp, s] of readings) {
  if (cp !== previous + 1) packed += `~${cp.toString(16)};`;
  const i = index.get(s);
  packed += ALPHABET[Math.floor(i / ALPHABET.length)] + ALPHABET[i % ALPHABET.length];
  previous = cp;
}

const data = {
  source: `limax ${version('limax')} (speakingurl ${version('speakingurl')}, hepburn ${version('hepburn')}, ` +
    `@napi-rs/pinyin ${version('@napi-rs/pinyin')}); generated by tools/oracles/limax/generate.js`,
  limax_version: version('limax'),
  charmap: surl.charMap,
  lookahead: surl.lookAheadCharArray,
  diatric: surl.diatricMap,
  lang_en: surl.langCharMapEn,
  symbols_en: surl.symbolMapEn,
  kana: [
    ['katakanaHalfwidthsCombined', Object.entries(kana.katakanaHalfwidthsCombined)],
    ['katakanaHalfwidths', Object.entries(kana.katakanaHalfwidths)],
    ['hiraganaDigraphs', Object.entries(kana.hiraganaDigraphs)],
    ['katakanaDigraphs', Object.entries(kana.katakanaDigraphs)],
    ['hiraganaMonographs', Object.entries(kana.hiraganaMonographs)],
    ['katakanaMonographs', Object.entries(kana.katakanaMonographs)],
  ],
  pinyin_syllables: syllables,
  pinyin_alphabet: ALPHABET.join(''),
  pinyin_packed: packed,
};

// ---------------------------------------------------------------------------------------------
// Python rendering (ASCII-only source: non-ASCII characters as \u escapes).
function py (value) {
  if (typeof value === 'string') {
    let out = '"';
    for (const unit of value) {
      const cp = unit.codePointAt(0);
      if (unit === '"' || unit === '\\') out += '\\' + unit;
      else if (cp >= 0x20 && cp < 0x7F) out += unit;
      else if (cp <= 0xFFFF) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    }
    return out + '"';
  }
  throw new Error('unsupported value');
}
function pyDict (obj, indent) {
  const lines = Object.entries(obj).map(([k, v]) => `${indent}${py(k)}: ${py(v)},`);
  return lines.length ? `{\n${lines.join('\n')}\n}` : '{}';
}
function pyLongString (s, indent, width) {
  const parts = [];
  for (let i = 0; i < s.length; i += width) parts.push(`${indent}${py(s.slice(i, i + width))}`);
  return `(\n${parts.join('\n')}\n)`;
}

const pyText = [
  '# -*- coding: utf-8 -*-',
  '# GENERATED by tools/oracles/limax/generate.js from the installed npm packages: do not edit.',
  `# ${data.source}.`,
  '# The tables are data read out of those packages: speakingurl (c) 2013-2017 Sascha Droste,',
  '# BSD-3-Clause; hepburn (c) 2013 Lovell Fuller and others, Apache-2.0; @napi-rs/pinyin (c) 2020',
  '# LongYinan, MIT.',
  '',
  'from __future__ import absolute_import, division, print_function',
  '__metaclass__ = type',
  '',
  `LIMAX_VERSION = ${py(data.limax_version)}`,
  '',
  '# speakingurl: charMap, lookAheadCharArray, diatricMap, langCharMap.en, symbolMap.en',
  `CHARMAP = ${pyDict(data.charmap, '    ')}`,
  '',
  `LOOKAHEAD = (${data.lookahead.map(py).join(', ')},)`,
  '',
  `DIATRIC = ${pyDict(data.diatric, '    ')}`,
  '',
  `LANG_EN = ${pyDict(data.lang_en, '    ')}`,
  '',
  `SYMBOLS_EN = ${pyDict(data.symbols_en, '    ')}`,
  '',
  '# hepburn: the tables fromKana applies, in its order (each a list of (key, value) in key order)',
  'KANA = (',
  ...data.kana.map(([name, pairs]) => `    (${py(name)}, (\n${pairs.map(([k, v]) => `        (${py(k)}, ${py(v)}),`).join('\n')}\n    )),`),
  ')',
  '',
  '# @napi-rs/pinyin (WithToneNumEnd): the reading of each code point it converts, packed (see',
  '# tools/oracles/limax/generate.js): 2 alphabet characters (an index into PINYIN_SYLLABLES) per',
  '# code point; "~<hex>;" sets the next code point when it does not follow the previous one.',
  `PINYIN_SYLLABLES = (\n${data.pinyin_syllables.map((s) => `    ${py(s)},`).join('\n')}\n)`,
  '',
  `PINYIN_ALPHABET = ${py(data.pinyin_alphabet)}`,
  '',
  `PINYIN_PACKED = ${pyLongString(data.pinyin_packed, '    ', 110)}`,
  '',
].join('\n');

const outputs = [
  [path.join(ROOT, 'tests', 'data', 'limax-corpus.json'), JSON.stringify(corpus, null, 1) + '\n'],
  [path.join(ROOT, 'tests', 'data', 'limax-charmap.json'), JSON.stringify(data) + '\n'],
  [path.join(ROOT, 'plugins', 'module_utils', '_limax_charmap.py'), pyText],
];

let differs = false;
for (const [file, text] of outputs) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (CHECK) {
    if (old !== text) {
      differs = true;
      console.log(`differs: ${path.relative(ROOT, file)}`);
    }
  } else if (old !== text) {
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(ROOT, file)}`);
  }
}
console.log(`limax ${corpus.limax_version}: ${entries.length} corpus entries, ${readings.length} pinyin readings`);
process.exit(differs ? 1 : 0);
