"""The `astro` target: an Astro content collection plus a redirects map for `astro.config`.

Layout of markdown/astro/:

    src/content/articles/<slug>.md      one page per record (what a user copies)
    src/content.config.ts               the collection and its schema (the rules below)
    src/pages/articles/[slug].astro     one route per entry: /articles/<slug>/
    astro.config.mjs                    reads redirects.json into Astro's `redirects`
    redirects.json                      {legacy URL: new route}, sorted by legacy URL
    package.json                        `npm install && npm run build` (Astro 5, Node 20.3+)

Content-collection rules (collection `articles`, Astro 5 `glob()` loader, zod schema in
src/content.config.ts); tests/load/test_sites.py checks every page against them:

- `title`: string, always present (the record's title, else its question, else its slug).
- `slug`: string, always present, unique in the collection, `[a-z0-9-]` words: the entry id
  (`glob()` uses a `slug` field as the id) and the route `/articles/<slug>/`.
- `pubDate`: optional string, ISO 8601 (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM`),
  quoted so YAML keeps it a string; `z.coerce.date()` (JavaScript `new Date()`) reads both
  forms, a date alone as UTC midnight.
- `description` (seo.description), `author`, `category` (subject): optional strings.
- `tags` (seo.keywords): list of strings, always present.
- `related`: list of {title?, url?, id?, subject?}, always present; `url` is the legacy URL,
  which redirects.json sends to the page's new route.
- `legacyUrl`: optional string, the record's URL exactly. Every legacy URL that is a plain path
  (see common.routable) is a key of redirects.json; with two records on one URL the first in
  input order gets the redirect.
- `legacy`: optional mapping, record fields the fields above cannot carry (so `read` returns
  the same record); the schema accepts any mapping there.

Astro does not template `.md` bodies, so the answer is written exactly as it is.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.load.markdown import register_target
from pipeline.load.markdown.common import (
    SECTION,
    Placement,
    PlatformTarget,
    answer_from,
    date_text,
    empty_record,
    optional_str,
    related_front,
    related_record,
    routable,
    route_slug,
    text_list,
)
from pipeline.record import GENERIC

_CONTENT_CONFIG = """\
// The migrated articles (written by the migration pipeline, target astro).
import { defineCollection, z } from 'astro:content';
import { glob } from 'astro/loaders';

const link = z.object({
  title: z.string().optional(),
  url: z.string().optional(),
  id: z.number().int().optional(),
  subject: z.string().optional(),
});

const articles = defineCollection({
  // A `slug` field in the front matter is the entry id.
  loader: glob({ pattern: '**/*.md', base: './src/content/articles' }),
  schema: z.object({
    title: z.string(),
    pubDate: z.coerce.date().optional(),
    description: z.string().optional(),
    author: z.string().optional(),
    category: z.string().optional(),
    tags: z.array(z.string()),
    related: z.array(link),
    legacyUrl: z.string().optional(),
    legacy: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const collections = { articles };
"""

_PAGE = """\
---
import { getCollection, render } from 'astro:content';

export async function getStaticPaths() {
  const entries = await getCollection('articles');
  return entries.map((entry) => ({ params: { slug: entry.id }, props: { entry } }));
}

const { entry } = Astro.props;
const { Content } = await render(entry);
const { title, pubDate, description, related } = entry.data;
---
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>{title}</title>
    {description && <meta name="description" content={description} />}
  </head>
  <body>
    <article>
      <h1>{title}</h1>
      {pubDate && (
        <p><time datetime={pubDate.toISOString()}>{pubDate.toISOString().slice(0, 10)}</time></p>
      )}
      <Content />
      {related.length > 0 && (
        <>
          <h2>Related</h2>
          <ul>
            {related.map((link) => (
              <li>{link.url ? <a href={link.url}>{link.title ?? link.url}</a> : link.title}</li>
            ))}
          </ul>
        </>
      )}
    </article>
  </body>
</html>
"""

_ASTRO_CONFIG = """\
// Astro config for the migrated articles: every legacy URL redirects to its new route.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'astro/config';

const redirects = JSON.parse(readFileSync(new URL('./redirects.json', import.meta.url), 'utf-8'));

export default defineConfig({ redirects });
"""

_PACKAGE = """\
{
  "name": "migrated-articles",
  "private": true,
  "type": "module",
  "scripts": {
    "build": "astro build"
  },
  "dependencies": {
    "astro": "^5.9.0"
  }
}
"""


@register_target
class AstroTarget(PlatformTarget):
    """An Astro `articles` content collection with `legacyUrl` and a redirects map."""

    name = "astro"
    description = "Astro content collection src/content/articles/ + redirects.json (legacy URLs)"
    content_dir = "src/content/articles"
    static_dir = "public"  # (files copied from --assets: pipeline.links)
    reserved_routes = ("/", f"/{SECTION}/")

    def __init__(self) -> None:
        super().__init__()
        self.redirects: dict[str, str] = {}

    def place(self, data: dict[str, Any]) -> Placement:
        """The route comes from a unique slug; a free legacy URL redirects to it."""
        route = self.book.claim(f"/{SECTION}/{route_slug(data['slug'])}/", data.get("id"))
        url = data.get("url")
        if isinstance(url, str) and routable(url) and self.book.is_free(url):
            self.redirects[self.book.claim(url, data.get("id"))] = route
        return Placement(route.strip("/").rsplit("/", 1)[-1], route)

    def front(self, data: dict[str, Any], place: Placement) -> dict[str, Any]:
        """The collection's fields, in the order of the schema."""
        seo = data.get("seo") or {}
        front: dict[str, Any] = {
            # A page needs a title to be listed and linked; the namespace keeps a null one.
            "title": data.get("title") or data.get("question") or data["slug"],
            "slug": place.stem,
            "pubDate": data.get("date"),
            "description": seo.get("description"),
            "author": data.get("author"),
            "category": data.get("subject"),
            "tags": list(seo.get("keywords") or []),
            "related": related_front(data.get("related") or []),
            "legacyUrl": data.get("url"),
        }
        return {k: v for k, v in front.items() if v is not None}

    def recover(self, front: dict[str, Any], body: str, path: str) -> dict[str, Any]:
        """Map the collection's fields and body back to record fields."""
        data = empty_record()
        data.update(
            slug=optional_str(front, "slug", path), url=optional_str(front, "legacyUrl", path),
            title=optional_str(front, "title", path), answer=answer_from(body),
            subject=optional_str(front, "category", path),
            author=optional_str(front, "author", path), date=date_text(front.get("pubDate")),
            seo={"title": None, "description": optional_str(front, "description", path),
                 "keywords": text_list(front.get("tags"), path, "tags")},
            related=related_record(front.get("related"), path))
        return data

    def site_files(self, shape: str) -> dict[str, str]:
        """redirects.json; for articles also the collection schema, route page and config."""
        redirects = json.dumps(dict(sorted(self.redirects.items())), indent=2,
                               ensure_ascii=False) + "\n"
        if shape == GENERIC:
            # Pass-through pages have no known schema or legacy URLs: just the content.
            return {"redirects.json": redirects}
        return {"redirects.json": redirects, "src/content.config.ts": _CONTENT_CONFIG,
                "src/pages/articles/[slug].astro": _PAGE, "astro.config.mjs": _ASTRO_CONFIG,
                "package.json": _PACKAGE}
