"""The `hugo` target: a minimal Hugo site that `hugo --source <folder>` builds as it is.

Layout of markdown/hugo/:

    hugo.toml                        site config (no theme; future-dated pages are built)
    layouts/_default/single.html     one article: title, date, answer, related links
    layouts/_default/list.html       home and section pages: a list of every article
    content/articles/<slug>.md       one page per record (`content/` is what a user copies)

Front matter (YAML): `title`, `date` (the record's ISO 8601 string, which Hugo parses, offset
kept), `description` (seo.description), `author`, `slug`, `url`, `categories` ([subject]),
`tags` (seo.keywords), `related` (list of {title, url, id, subject}), and `legacy` (record
fields the others cannot carry; Hugo exposes it as `.Params.legacy`).

`url` is the legacy URL exactly as the record has it, so the page is served there: Hugo writes a
`url` without a trailing slash as `<url>/index.html` (served at `<url>/`; static hosts redirect
`<url>` to it). `aliases` are not used: an alias at the legacy URL would be written to the same
file as the page. A legacy URL another page already took (two records with one URL: the first in
input order keeps it) is served at `<url>-<id>`; one that is not a plain path (null, `%`, `:`,
...) at `/articles/<slug>/`; the record keeps its URL either way.

Hugo runs shortcodes in page bodies, so an answer containing `{{<` or `{{%` would fail the build.
A `{{< ... >}}` in an answer is written as Hugo's comment form `{{</* ... */>}}`, which Hugo
prints as the original text (in code blocks too); an opener without a closer gets a Markdown
backslash (`{{\\<`). The exact answer is then kept in `legacy`.
"""

from __future__ import annotations

import re

from pipeline.load.markdown import register_target
from pipeline.load.markdown.common import SECTION, Placement, SiteTarget

# One pass, alternatives in order: a complete `{{< ... >}}` / `{{% ... %}}` on one line becomes
# a comment shortcode (inner text up to the first closer, no `{{` in it, so a lone opener does
# not swallow the text up to a later closer), any other opener gets a backslash.
_INNER = r"((?:(?!\{\{)[^\n])*?)"
_SHORTCODE = re.compile(rf"\{{\{{<{_INNER}>\}}\}}|\{{\{{%{_INNER}%\}}\}}|\{{\{{([<%])")


def _neutralise(match: re.Match[str]) -> str:
    """Rewrite one shortcode-like sequence so Hugo prints it instead of running it."""
    if match.group(1) is not None:
        return "{{</*" + match.group(1) + "*/>}}"
    if match.group(2) is not None:
        return "{{%/*" + match.group(2) + "*/%}}"
    return "{{\\" + match.group(3)


_CONFIG = """\
# Minimal site written by the migration pipeline (target hugo): hugo --source <this folder>
baseURL = "/"
languageCode = "en"
title = "Migrated articles"
# Pages carry dates of any year; Hugo would skip future-dated or expired ones by default.
buildFuture = true
buildExpired = true
# Only the pages and the lists: no taxonomy pages, feeds or sitemap to template.
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT"]

# Answers are trusted CMS content that may contain HTML, as the legacy site rendered it.
[markup.goldmark.renderer]
unsafe = true
"""

_SINGLE = """\
<!DOCTYPE html>
<html lang="{{ .Site.LanguageCode | default "en" }}">
<head>
<meta charset="utf-8">
<title>{{ .Title }}</title>
{{ with .Description }}<meta name="description" content="{{ . }}">{{ end }}
</head>
<body>
<article>
<h1>{{ .Title }}</h1>
{{ if not .Date.IsZero }}<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">\
{{ .Date.Format "January 2, 2006" }}</time></p>{{ end }}
{{ .Content }}
{{ with .Params.related }}<h2>Related</h2>
<ul>
{{ range . }}<li>{{ if .url }}<a href="{{ .url }}">{{ .title | default .url }}</a>\
{{ else }}{{ .title }}{{ end }}</li>
{{ end }}</ul>
{{ end }}</article>
</body>
</html>
"""

_LIST = """\
<!DOCTYPE html>
<html lang="{{ .Site.LanguageCode | default "en" }}">
<head>
<meta charset="utf-8">
<title>{{ .Title }}</title>
</head>
<body>
<h1>{{ .Title }}</h1>
<ul>
{{ range .RegularPagesRecursive }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul>
</body>
</html>
"""


@register_target
class HugoTarget(SiteTarget):
    """Hugo content under content/articles/, served at the legacy URLs, plus a minimal site."""

    name = "hugo"
    description = "Hugo site: content/ pages at their legacy URLs (`url`), config and layouts"
    content_dir = "content"
    static_dir = "static"  # (files copied from --assets: pipeline.links)
    route_key = "url"
    # The home page and the section list of content/articles/.
    reserved_routes = ("/", f"/{SECTION}/")

    def article_path(self, place: Placement) -> str:
        """Pages live in the `articles` section."""
        return f"{SECTION}/{place.stem}.md"

    def encode_body(self, text: str) -> str:
        """Keep shortcode-like text from being run by Hugo."""
        if "{{<" not in text and "{{%" not in text:
            return text
        return _SHORTCODE.sub(_neutralise, text)

    def site_files(self, shape: str) -> dict[str, str]:
        """Config and layouts: enough for `hugo` to build the folder as it is."""
        return {"hugo.toml": _CONFIG, "layouts/_default/single.html": _SINGLE,
                "layouts/_default/list.html": _LIST}
