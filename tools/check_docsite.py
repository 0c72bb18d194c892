#!/usr/bin/env python
"""Check the built docsite (make test-docsite): links, content, and the main pages in a real browser.

Usage: tools/check_docsite.py HTML_DIR SCREENSHOT_DIR

- every page: each internal link (href/src to a file of the site, with its #fragment) resolves to a
  file that exists and, for a fragment, to an element with that id; the page's article is not empty;
- the main pages (the start page, the collection's index, every module, every role, every guide)
  are opened in headless Chromium (Debian's `chromium`): the DOM it renders has the page's title as
  its heading and the article's text; screenshots of a few of them go to SCREENSHOT_DIR.
- the site has a page for every module in plugins/modules and every role in roles/, and every guide
  listed in docs/docsite/extra-docs.yml.
"""

import html.parser
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

import yaml

COLLECTION_DIR = 'collections/chatops/rocketchat'
SCREENSHOTS = ('index.html', f'{COLLECTION_DIR}/index.html', f'{COLLECTION_DIR}/ldap_settings_module.html',
               f'{COLLECTION_DIR}/ldap_role.html', f'{COLLECTION_DIR}/docsite/guide_gitops.html')
# an index page of one entry is short; a module, role or guide page is not
MIN_PAGE_CHARS, MIN_MAIN_PAGE_CHARS = 40, 400


class Page(html.parser.HTMLParser):
    """The ids, the internal links, the first <h1> and the article's text of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links = set(), []
        self.h1, self._in_h1 = None, False
        self.article, self._article_depth = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get('id'):
            self.ids.add(attrs['id'])
        if tag == 'a' and attrs.get('name'):
            self.ids.add(attrs['name'])
        for key in ('href', 'src'):
            if attrs.get(key) and not (tag == 'link' and attrs.get('rel') in ('canonical',)):
                self.links.append(attrs[key])
        if tag == 'h1' and self.h1 is None:
            self._in_h1, self.h1 = True, ''
        if self._article_depth:
            if tag == 'div':
                self._article_depth += 1
        elif tag == 'div' and attrs.get('itemprop') == 'articleBody':
            self._article_depth = 1

    def handle_endtag(self, tag):
        if tag == 'h1':
            self._in_h1 = False
        if tag == 'div' and self._article_depth:
            self._article_depth -= 1

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data
        if self._article_depth:
            self.article.append(data)

    @property
    def title(self):
        return ' '.join((self.h1 or '').replace('\uf0c1', '').split())

    @property
    def text(self):
        return ' '.join(''.join(self.article).split())


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding='utf-8'))
    return page


def check_static(site):
    """Broken internal links and empty pages of every page; returns (pages, problems)."""
    pages = {p.relative_to(site).as_posix(): parse(p) for p in sorted(site.rglob('*.html'))
             if '_static' not in p.parts}
    problems = []
    for name, page in pages.items():
        if name != 'search.html' and len(page.text) < MIN_PAGE_CHARS:
            problems.append(f'{name}: the article holds {len(page.text)} characters of text')
        for link in page.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc or link.startswith(('mailto:', 'javascript:')):
                continue  # external: not checked offline
            target = name if not url.path else os.path.normpath(os.path.join(os.path.dirname(name), url.path))
            target_path = site / urllib.parse.unquote(target)
            if target_path.is_dir():
                target, target_path = f'{target}/index.html', target_path / 'index.html'
            if not target_path.exists():
                problems.append(f'{name}: broken link {link!r} (no {target})')
            elif url.fragment and target.endswith('.html'):
                fragment = urllib.parse.unquote(url.fragment)
                if fragment not in pages[target].ids:
                    problems.append(f'{name}: broken link {link!r} (no id {fragment!r} in {target})')
    return pages, problems


def expected_pages(root):
    modules = [p.stem for p in (root / 'plugins' / 'modules').glob('*.py') if p.stem != '__init__']
    roles = [p.name for p in (root / 'roles').iterdir() if (p / 'meta' / 'argument_specs.yml').exists()]
    extra = yaml.safe_load((root / 'docs' / 'docsite' / 'extra-docs.yml').read_text())
    guides = [entry if isinstance(entry, str) else entry['ref']
              for section in extra['sections'] for entry in section['toctree']]
    return (['index.html', f'{COLLECTION_DIR}/index.html']
            + [f'{COLLECTION_DIR}/{m}_module.html' for m in sorted(modules)]
            + [f'{COLLECTION_DIR}/{r}_role.html' for r in sorted(roles)]
            + [f'{COLLECTION_DIR}/docsite/{g}.html' for g in guides])


def chromium(args, profile):
    command = [shutil.which('chromium') or 'chromium', '--headless', '--no-sandbox', '--disable-gpu',
               '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions', '--hide-scrollbars',
               f'--user-data-dir={profile}', '--virtual-time-budget=5000'] + args
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)


def check_browser(site, pages, main, screenshot_dir):
    problems = []
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        for name in main:
            url = (site / name).resolve().as_uri()
            proc = chromium(['--dump-dom', url], profile)
            if proc.returncode != 0 or '<html' not in proc.stdout:
                problems.append(f'{name}: chromium could not render it (exit {proc.returncode}): {proc.stderr[-300:]}')
                continue
            rendered = Page()
            rendered.feed(proc.stdout)
            want = pages[name]
            if rendered.title != want.title or not rendered.title:
                problems.append(f'{name}: chromium shows the heading {rendered.title!r}, expected {want.title!r}')
            if len(rendered.text) < MIN_MAIN_PAGE_CHARS or want.text[:200] not in rendered.text:
                problems.append(f'{name}: chromium shows {len(rendered.text)} characters of the article')
        for name in SCREENSHOTS:
            shot = screenshot_dir / (name.replace('/', '_').replace('.html', '.png'))
            proc = chromium(['--window-size=1280,1600', f'--screenshot={shot}', (site / name).resolve().as_uri()],
                            profile)
            # a blank page compresses to a few KB; a rendered one with text and navigation does not
            if proc.returncode != 0 or not shot.exists() or shot.stat().st_size < 30000:
                size = shot.stat().st_size if shot.exists() else 0
                problems.append(f'{name}: no usable screenshot (exit {proc.returncode}, {size} bytes)')
    return problems


def main():
    site, screenshot_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    pages, problems = check_static(site)
    main_pages = expected_pages(pathlib.Path.cwd())
    missing = [name for name in main_pages if name not in pages]
    problems += [f'{name}: missing from the site' for name in missing]
    problems += check_browser(site, pages, [n for n in main_pages if n not in missing], screenshot_dir)
    for problem in problems:
        print('error:', problem)
    if problems:
        return 1
    print(f'docsite: {len(pages)} pages, no broken internal link, none empty; {len(main_pages)} main pages '
          f'rendered by chromium; screenshots in {screenshot_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
