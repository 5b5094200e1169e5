"""The `jekyll` target: a minimal Jekyll site that `jekyll build --source <folder>` builds as it is.

Layout of markdown/jekyll/:

    _config.yml              site config: the `articles` collection, its layout, the plugin
    _layouts/article.html    one article: title, date, answer, related links
    index.html               a list of every article
    _articles/<slug>.md      one page per record (a collection with `output: true`; no `_posts`,
                             so no date is needed in file names or front matter)

To use the pages in an existing site, copy `_articles/` and the `collections` and `defaults`
entries of `_config.yml`.

Front matter (YAML): `title`, `date` (the record's ISO 8601 string, which Jekyll parses),
`description` (seo.description), `author`, `slug`, `permalink`, `redirect_from`, `categories`
([subject]), `tags` (seo.keywords), `related` (list of {title, url, id, subject}) and `legacy`
(record fields the others cannot carry; Liquid sees it as `page.legacy`).

`permalink` is the legacy URL exactly: Jekyll writes a permalink without a trailing slash as
`<url>.html`, which Jekyll's server, GitHub Pages, Netlify and Cloudflare Pages serve at `<url>`
itself. `redirect_from` (the jekyll-redirect-from plugin, in Debian as
ruby-jekyll-redirect-from and whitelisted on GitHub Pages) adds the other trailing-slash form
as a redirect page (without the plugin, drop `plugins` from _config.yml: the site builds and
`redirect_from` stays as data). Duplicate or unservable legacy URLs are handled as for Hugo
(see hugo.py).

Jekyll runs Liquid on page bodies, so an answer containing `{{` or `{%` is wrapped in
`{% raw %}` ... `{% endraw %}` (lines of their own), and each `{%` inside it is written as
`{% endraw %}{{ "{%" }}{% raw %}`, so that even `{% endraw %}` in an answer is printed, not run.
`read` strips both; titles and other front matter are never run through Liquid.
"""

from __future__ import annotations

from typing import Any

from pipeline.load.markdown import register_target
from pipeline.load.markdown.common import SiteTarget

RAW_OPEN = "{% raw %}\n"
RAW_CLOSE = "\n{% endraw %}"
# Inside a raw block Liquid ends the block at the first tag token named `endraw`, wherever
# it starts; with every `{%` of the answer replaced by this, the only tags left are ours, and
# the printed text is exactly `{%`.
TAG_OPEN = '{% endraw %}{{ "{%" }}{% raw %}'

_CONFIG = """\
# Minimal site written by the migration pipeline (target jekyll):
#   jekyll build --source <this folder>
title: Migrated articles
lang: en
# Pages carry dates of any year; Jekyll would skip future-dated documents by default.
future: true
# Each page is at its legacy URL (`permalink`); this adds the other trailing-slash form.
# Without the plugin installed, delete these two lines: `redirect_from` then stays as data.
plugins:
  - jekyll-redirect-from
collections:
  articles:
    output: true
defaults:
  - scope:
      path: ""
      type: articles
    values:
      layout: article
# No excerpts: an excerpt cut inside an answer's {% raw %} block would not render.
excerpt_separator: ""
"""

_LAYOUT = """\
<!DOCTYPE html>
<html lang="{{ site.lang | default: "en" }}">
<head>
<meta charset="utf-8">
<title>{{ page.title | escape }}</title>
{% if page.description %}<meta name="description" content="{{ page.description | escape }}">\
{% endif %}
</head>
<body>
<article>
<h1>{{ page.title | escape }}</h1>
{% if page.date %}<p><time datetime="{{ page.date | date_to_xmlschema }}">\
{{ page.date | date: "%B %-d, %Y" }}</time></p>{% endif %}
{{ content }}
{% if page.related and page.related.size > 0 %}<h2>Related</h2>
<ul>
{% for link in page.related %}<li>{% if link.url %}<a href="{{ link.url | relative_url }}">\
{{ link.title | default: link.url | escape }}</a>{% else %}{{ link.title | escape }}{% endif %}\
</li>
{% endfor %}</ul>
{% endif %}</article>
</body>
</html>
"""

_INDEX = """\
---
layout: null
---
<!DOCTYPE html>
<html lang="{{ site.lang | default: "en" }}">
<head>
<meta charset="utf-8">
<title>{{ site.title | escape }}</title>
</head>
<body>
<h1>{{ site.title | escape }}</h1>
<ul>
{% for doc in site.articles %}<li><a href="{{ doc.url | relative_url }}">\
{{ doc.title | escape }}</a></li>
{% endfor %}</ul>
</body>
</html>
"""


def protect_liquid(text: str) -> str:
    """Return `text` so that Liquid prints it unchanged (unchanged if it has no Liquid)."""
    if "{{" not in text and "{%" not in text:
        return text
    return RAW_OPEN + text.replace("{%", TAG_OPEN) + RAW_CLOSE


def unprotect_liquid(text: str) -> str:
    """Invert `protect_liquid`."""
    # Unwrapped text has no `{%`, so it cannot start with the raw tag.
    if text.startswith(RAW_OPEN) and text.endswith(RAW_CLOSE):
        inner = text[len(RAW_OPEN): len(text) - len(RAW_CLOSE)]
        return inner.replace(TAG_OPEN, "{%")
    return text


def other_slash_form(route: str) -> str | None:
    """Return the route with its trailing slash toggled; None where that names another file."""
    last = route.rstrip("/").rsplit("/", 1)[-1]
    if "." in last:
        return None  # `/a.html/` would need a folder where the page file is
    return route.rstrip("/") if route.endswith("/") else route + "/"


@register_target
class JekyllTarget(SiteTarget):
    """A Jekyll `articles` collection, served at the legacy URLs, plus a minimal site."""

    name = "jekyll"
    description = "Jekyll site: _articles/ collection at legacy URLs (`permalink`), config, layout"
    content_dir = "_articles"
    static_dir = ""  # files from --assets go to the site root (pipeline.links)
    route_key = "permalink"
    # The home page and the plugin's own output file. (A route and its other slash form,
    # the redirect, share one key in the route book, so taking one takes both.)
    reserved_routes = ("/", "/redirects.json")

    def route_extras(self, route: str) -> dict[str, Any]:
        """The jekyll-redirect-from plugin's key: the route's other slash form."""
        other = other_slash_form(route)
        return {"redirect_from": [other] if other is not None else None}

    def decode_answer(self, answer: str) -> str:
        """Undo the Liquid protection of encode_body."""
        return unprotect_liquid(answer)

    def encode_body(self, text: str) -> str:
        """Keep Liquid-like text from being run by Jekyll."""
        return protect_liquid(text)

    def site_files(self, shape: str) -> dict[str, str]:
        """Config, layout and an index: enough for `jekyll build` to build the folder."""
        return {"_config.yml": _CONFIG, "_layouts/article.html": _LAYOUT, "index.html": _INDEX}
