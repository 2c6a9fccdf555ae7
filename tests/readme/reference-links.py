#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks that every relative link of the built gi-docgen reference leads to
a file that exists (gi-docgen writes a link for any [struct@...] it is
given, page or not).

    reference-links.py REFERENCE_DIR
"""

import html.parser
import os
import sys
import urllib.parse


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ('href', 'src') and value:
                self.targets.append(value)


def broken_links(reference):
    for page in sorted(os.listdir(reference)):
        if not page.endswith('.html'):
            continue
        parser = Links()
        with open(os.path.join(reference, page)) as f:
            parser.feed(f.read())
        for target in parser.targets:
            url = urllib.parse.urlsplit(target)
            if url.scheme or url.netloc or not url.path:
                continue   # outside the reference, or an anchor on the page
            path = os.path.normpath(os.path.join(reference, urllib.parse.unquote(url.path)))
            if not os.path.exists(path):
                yield page, target


def main():
    reference = sys.argv[1]
    broken = list(broken_links(reference))
    for page, target in broken:
        print(f'{page}: broken link {target}')
    pages = [p for p in os.listdir(reference) if p.endswith('.html')]
    print(f'{len(pages)} pages, {len(broken)} broken links')
    return 1 if broken or not pages else 0


if __name__ == '__main__':
    sys.exit(main())
