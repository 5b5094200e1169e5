"""Markdown targets hugo, jekyll and astro: real site builds, content-collection rules, round trips.

The Hugo and Jekyll sites are built with the real tools (Debian: `apt-get install hugo jekyll
ruby-jekyll-redirect-from`, see .ci/run); without them these tests skip with the reason, or
fail when the CI environment variable is set. Astro is not built here (no npm in the suite):
its pages are checked against the rules documented in pipeline/load/markdown/astro.py.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.atomic import safe_relative
from pipeline.cli import main
from pipeline.errors import LoadError
from pipeline.extract import parse_document
from pipeline.load import WriteOptions, get_writer
from pipeline.load.markdown import get_target, read_markdown
from pipeline.load.markdown.common import ARTICLE_KEYS
from pipeline.load.markdown.yamlfm import dump_yaml
from pipeline.load.markdown.jekyll import protect_liquid, unprotect_liquid
from pipeline.record import ARTICLE, GENERIC, RawDocument, Record
from pipeline.transform import validate
from tests.conftest import INPUT_DIR, input_files, sample_records
from tests.strategies import article_records, generic_page_sets, unique_paths

TARGETS = ("hugo", "jekyll", "astro")
BUILD_TIMEOUT = 300

# ------------------------------------------------------------------------------------------
# Extra legacy documents beside input/: the cases a site build trips on.
# ------------------------------------------------------------------------------------------

TRICKY_TITLE = ("Quotes \"double\" and 'single': colons, naïve café, 東京 — "
                "{{ page.title }} {% if x %} {{< hugo >}}")
TRICKY_ANSWER = "\n".join([
    "Start of the tricky answer: {{ site.title }} and {% if true %}liquid{% endif %} stay text.",
    "",
    "Hugo shortcodes: {{< figure src=\"x\" >}} and {{% notice %}} and a lone {{< opener.",
    "",
    "Liquid raw breakers: {% endraw %} and {{% endraw %} and {%- endraw -%} too.",
    "",
    "`code {{< x >}} {% raw %} {{ y }}`",
])
#: Lines of TRICKY_ANSWER that must appear verbatim (as text) on the built page.
TRICKY_LINES = [
    "{{ site.title }} and {% if true %}liquid{% endif %} stay text.",
    "{{< figure src=\"x\" >}} and {{% notice %}} and a lone {{< opener.",
    "{% endraw %} and {{% endraw %} and {%- endraw -%} too.",
    "code {{< x >}} {% raw %} {{ y }}",
]
#: Text that Liquid or Hugo's shortcode lexer would run, each shown on the page as it is.
ESCAPE_CASES = ["{%", "{{", "{% endraw %}", "{{% endraw %}", "{%- endraw -%}", "{% raw %}", "{%}",
                "%}", "}}", "{{ x", "{% comment %}", "{%endraw%}", "{% endraw", "{{%endraw%}}",
                "{{ x {% endraw %} }}", "{% raw %}{% endraw %}{% endraw %}", "{{{%%}}}",
                "{{ page.title }} {% include x.html %}", "{{<>}}", "{{< a */>}}", "{{<*/>}}",
                "{{</* x */>}}", "{{%%}}", "x {{< y", "{{<{{<>}}", "{{< a >}}>}}",
                "{{% notice %}} {{%x"]
TRICKY_DESCRIPTION = 'Description: with a colon, "quotes" and {{ liquid }}.'
SEED_TITLE = "Explain the difference between the client-server model and peer-to-peer networks."
SEED_URL = ("/learn/computer-science/questions/"
            "explain-the-difference-between-the-clientserver-model-and-peertopeer-networks")
UNROUTABLE_URL = "/learn/odd path/with space?and=query"


def _esc(text: str) -> str:
    """Escape text the way the legacy exporter did (JSON string escapes)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _legacy(doc_id: int, slug: str, url: str, title: str, answer: str, date: str) -> str:
    """One legacy document in the seed's shape."""
    return "\n".join([
        "---", "_schema: default", f"id: {doc_id}", f"date: {date}",
        "title: >-", f"    {_esc(title)}",
        "seo:", "  title: QuickTakes | Tricky", "  page_description: >-",
        f"    {_esc(TRICKY_DESCRIPTION)}",
        "  page_keywords: >-", "    yes, 1e3, :symbol, naïve, {{ x }}",
        "author: QuickTakes", "question: >-", f"    {_esc(title)}",
        "answer: >-", f"    {_esc(answer)}",
        "subject: Tricky Things", f"file_name: {slug}.md", f"url: {url}", "score: 2.5",
        "related_article1:", "    id: 165645", "    title: >-",
        f"        {SEED_TITLE}", "    subject: Computer Science", f"    url: {SEED_URL}",
        "---", "", "&nbsp;", ""])


def _write_extra(folder: Path) -> None:
    """Write the extra legacy documents into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tricky.txt").write_text(_legacy(
        900001, "quotes-colons-and-liquid", "/learn/tricky/questions/quotes-colons-and-liquid",
        TRICKY_TITLE, TRICKY_ANSWER, "2024-02-29T23:30:00-05:00"), encoding="utf-8")
    (folder / "unroutable.txt").write_text(_legacy(
        900002, "odd-legacy-url", UNROUTABLE_URL, "A page whose legacy URL is not a plain path",
        "This answer lives at a fallback route.", "2199-12-31"), encoding="utf-8")
    (folder / "escapes.txt").write_text(_legacy(
        900003, "escape-cases", "/learn/tricky/questions/escape-cases", "Escape cases",
        "\n\n".join(f"CASE[{case}]" for case in ESCAPE_CASES), "2024-01-01"), encoding="utf-8")


def _migrate(target: str, out: Path, extra: Path | None = None, profile: str = "default",
             inputs: list[Path] | None = None) -> list[dict[str, Any]]:
    """Run the command line into `out`; return the records (articles.jsonl), input order."""
    args = ["migrate", *(str(p) for p in (inputs or [INPUT_DIR]))]
    if extra is not None:
        args.append(str(extra))
    code = main([*args, "--out", str(out), "--format", "jsonl,markdown", "--target", target,
                 "--profile", profile, "-q"])
    assert code == 0, f"migrate exited {code}"
    with open(out / "articles.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


# ------------------------------------------------------------------------------------------
# Tools and built pages.
# ------------------------------------------------------------------------------------------


def _need(tool: str) -> str:
    """Return the tool's path; skip (fail under CI) with the reason when it is missing."""
    path = shutil.which(tool)
    reason = None if path else f"{tool} is not installed (apt-get install {tool}; see .ci/run)"
    if path and tool == "jekyll":
        probe = subprocess.run(["ruby", "-e", "require 'jekyll-redirect-from'"],
                               capture_output=True, timeout=60, check=False)
        if probe.returncode != 0:
            reason = ("the jekyll-redirect-from plugin is not installed "
                      "(apt-get install ruby-jekyll-redirect-from; see .ci/run)")
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert path is not None
    return path


def _run(cmd: list[str]) -> None:
    """Run a site build; fail with its output if it does not succeed."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env,
                          check=False)
    output = f"{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{output}"
    # Two pages on one output file is only a warning to both tools.
    for sign in ("ERROR", "Duplicate target paths", "Conflict:"):
        assert sign not in output, output


class _Text(HTMLParser):
    """Collect the visible text and the link targets of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str] = []
        self.refresh: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.refresh.append(values.get("content") or "")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# Both Markdown engines turn quotes, dashes and dots into typographic characters by default.
_TYPOGRAPHY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "--",
                             "—": "---", "…": "...", "«": "<<", "»": ">>"})


def _norm(text: str) -> str:
    """Unescape, undo typography and collapse whitespace, for comparing page text."""
    return " ".join(html.unescape(text).translate(_TYPOGRAPHY).split())


def _page(path: Path) -> _Text:
    """Parse a built HTML page."""
    assert path.is_file(), f"no built page at {path}"
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _answer_start(answer: str, chars: int = 80) -> str:
    """The start of the answer as the page shows it: its first paragraph, as text."""
    first = answer.split("\n\n", 1)[0]
    text = re.sub(r"<[^>]+>", " ", markdown.markdown(first))
    return _norm(text)[:chars].rsplit(" ", 1)[0]


def _routes(records: list[dict[str, Any]]) -> dict[str, str]:
    """Where each record must be served (by source path): the rule the docs promise."""
    taken: set[str] = set()
    routes = {}
    for record in records:
        url = record["url"]
        if url == UNROUTABLE_URL:
            route = f"/articles/{record['slug']}/"
        elif url.lower() in taken:
            route = f"{url}-{record['id']}"  # the first record with a URL keeps it
        else:
            route = url
        taken.add(url.lower())
        routes[record["source"]["path"]] = route
    return routes


def _check_page(parser: _Text, record: dict[str, Any]) -> None:
    """The page shows the title, the start of the answer and every related link."""
    text = _norm(" ".join(parser.parts))
    assert _norm(record["title"]) in text, record["title"]
    assert _answer_start(record["answer"]) in text, record["source"]["path"]
    for link in record["related"]:
        if link["url"] is not None:
            assert link["url"] in parser.hrefs, (record["source"]["path"], link["url"])


def _check_escapes(tricky: _Text, cases: _Text) -> None:
    """Liquid and shortcode syntax in answers is printed, not run."""
    for line in TRICKY_LINES:
        assert _norm(line) in _norm(" ".join(tricky.parts)), line
    text = _norm(" ".join(cases.parts))
    for case in ESCAPE_CASES:
        assert _norm(f"CASE[{case}]") in text, case


# ------------------------------------------------------------------------------------------
# Real builds.
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extra_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tricky legacy documents, in a folder of their own."""
    folder = tmp_path_factory.mktemp("extra") / "extra"
    _write_extra(folder)
    return folder


def test_hugo_site_serves_every_page_at_its_legacy_url(tmp_path: Path, extra_inputs: Path) -> None:
    hugo = _need("hugo")
    records = _migrate("hugo", tmp_path / "out", extra_inputs)
    assert len(records) == len(input_files()) + 3
    site, public = tmp_path / "out" / "markdown" / "hugo", tmp_path / "public"
    _run([hugo, "--source", str(site), "--destination", str(public), "--noBuildLock",
          "--printPathWarnings"])
    routes = _routes(records)
    at_legacy = 0
    for record in records:
        route = routes[record["source"]["path"]]
        # Hugo writes `url: /a/b` (no trailing slash) as /a/b/index.html, served at /a/b/.
        _check_page(_page(public / route.strip("/") / "index.html"), record)
        at_legacy += route == record["url"]
    # Every record but the second one with the seed's URL and the one with an unservable URL.
    assert at_legacy == len(records) - 2
    _check_escapes(_page(public / "learn/tricky/questions/quotes-colons-and-liquid/index.html"),
                   _page(public / "learn/tricky/questions/escape-cases/index.html"))


def test_jekyll_site_serves_every_page_at_its_legacy_url(tmp_path: Path,
                                                         extra_inputs: Path) -> None:
    jekyll = _need("jekyll")
    records = _migrate("jekyll", tmp_path / "out", extra_inputs)
    site, built = tmp_path / "out" / "markdown" / "jekyll", tmp_path / "_site"
    _run([jekyll, "build", "--source", str(site), "--destination", str(built)])
    routes = _routes(records)
    at_legacy = 0
    for record in records:
        route = routes[record["source"]["path"]]
        base = built / route.strip("/")
        # Jekyll writes `permalink: /a/b` as /a/b.html (served at /a/b by Jekyll, GitHub Pages,
        # Netlify) and `/a/b/` as /a/b/index.html; jekyll-redirect-from covers the other form.
        if route.endswith("/"):
            page, redirect = base / "index.html", base.with_name(base.name + ".html")
        else:
            page, redirect = base.with_name(base.name + ".html"), base / "index.html"
        _check_page(_page(page), record)
        assert any(route in c for c in _page(redirect).refresh), redirect
        at_legacy += route == record["url"]
    assert at_legacy == len(records) - 2
    _check_escapes(_page(built / "learn/tricky/questions/quotes-colons-and-liquid.html"),
                   _page(built / "learn/tricky/questions/escape-cases.html"))


# ------------------------------------------------------------------------------------------
# Astro: the content-collection rules of pipeline/load/markdown/astro.py.
# ------------------------------------------------------------------------------------------

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}:\d{2})?")
_ASTRO_KEYS = ("title", "slug", "pubDate", "description", "author", "category", "tags",
               "related", "legacyUrl", "legacy")


def _astro_front(front: dict[str, Any]) -> None:
    """Check one page's front matter against the documented collection schema."""
    assert set(front) <= set(_ASTRO_KEYS), set(front) - set(_ASTRO_KEYS)
    assert isinstance(front["title"], str) and front["title"]
    assert isinstance(front["slug"], str) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*",
                                                           front["slug"])
    if "pubDate" in front:
        assert isinstance(front["pubDate"], str) and _ISO.fullmatch(front["pubDate"])
        dt.datetime.fromisoformat(front["pubDate"])
    for key in ("description", "author", "category", "legacyUrl"):
        assert isinstance(front.get(key, ""), str), key
    assert isinstance(front["tags"], list) and all(isinstance(t, str) for t in front["tags"])
    assert isinstance(front["related"], list)
    for link in front["related"]:
        assert set(link) <= {"title", "url", "id", "subject"}
        assert all(isinstance(link.get(k, ""), str) for k in ("title", "url", "subject"))
        assert isinstance(link.get("id", 0), int) and not isinstance(link.get("id"), bool)
    assert isinstance(front.get("legacy", {}), dict)


def test_astro_pages_follow_the_collection_rules(tmp_path: Path, extra_inputs: Path) -> None:
    records = _migrate("astro", tmp_path / "out", extra_inputs)
    site = tmp_path / "out" / "markdown" / "astro"
    pages = sorted((site / "src/content/articles").glob("*.md"))
    assert len(pages) == len(records)
    fronts = {}
    for path in pages:
        front = parse_document(path.read_bytes(), path.name).front_matter or {}
        _astro_front(front)
        assert path.stem == front["slug"]
        fronts[front["slug"]] = front
    by_source = {r.data["source"]["path"]: r.data
                 for r in read_markdown(site, "astro", ARTICLE)}
    redirects = json.loads((site / "redirects.json").read_text(encoding="utf-8"))
    first_route: dict[str, str] = {}
    for record in records:
        assert by_source[record["source"]["path"]] == record
        match = [f for f in fronts.values() if f.get("legacy", {}).get("source",
                 {}).get("path") == record["source"]["path"]]
        assert len(match) == 1
        front = match[0]
        assert front.get("legacyUrl") == record["url"]
        assert front.get("pubDate") == record["date"]
        if record["url"] != UNROUTABLE_URL:
            first_route.setdefault(record["url"], f"/articles/{front['slug']}/")
    # Every plain-path legacy URL redirects to the route of the first record that has it.
    assert redirects == first_route
    assert list(redirects) == sorted(redirects)
    node = shutil.which("node")
    if node is not None:
        # JavaScript reads every pubDate (what z.coerce.date() does) as the same instant.
        dates = [f["pubDate"] for f in fronts.values() if "pubDate" in f]
        script = ("const d = JSON.parse(process.argv[1]);"
                  "console.log(JSON.stringify(d.map((s) => new Date(s).getTime())));")
        done = subprocess.run([node, "-e", script, json.dumps(dates)], capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        for text, millis in zip(dates, json.loads(done.stdout)):
            when = dt.datetime.fromisoformat(text)
            if when.tzinfo is None:  # a date alone: JavaScript reads it as UTC midnight
                when = when.replace(tzinfo=dt.UTC)
            assert millis == int(when.timestamp() * 1000), text


# ------------------------------------------------------------------------------------------
# Round trips: record -> page -> record.
# ------------------------------------------------------------------------------------------


def _write(records: list[Record], target: str, out: Path, shape: str = ARTICLE) -> Path:
    get_writer("markdown")(out, shape, WriteOptions(target=target)).write_all(iter(records))
    return out / "markdown" / target


def _same_articles(before: list[Record], folder: Path, target: str) -> None:
    after = {r.data["source"]["path"]: r for r in read_markdown(folder, target, ARTICLE)}
    assert len(after) == len(before)
    for record in before:
        got = after[record.path].data
        assert json.dumps(got, ensure_ascii=False) == json.dumps(record.data, ensure_ascii=False)
        assert list(got) == list(ARTICLE_KEYS)


@pytest.mark.parametrize("target", TARGETS)
def test_every_input_file_round_trips(target: str, tmp_path: Path) -> None:
    records = sample_records()
    _same_articles(records, _write(records, target, tmp_path), target)


@pytest.mark.parametrize("target", TARGETS)
def test_tricky_records_round_trip(target: str, tmp_path: Path, extra_inputs: Path) -> None:
    records = _migrate(target, tmp_path / "out", extra_inputs)
    _same_articles([Record(ARTICLE, r) for r in records],
                   tmp_path / "out" / "markdown" / target, target)


@pytest.mark.parametrize("target", TARGETS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(article_records(), min_size=1, max_size=4,
                        unique_by=lambda r: r.data["id"]))
def test_article_round_trip_property(target: str, records: list[Record]) -> None:
    for record in records:
        validate(record)
    records = unique_paths(records)
    with tempfile.TemporaryDirectory() as tmp:
        _same_articles(records, _write(records, target, Path(tmp)), target)


@pytest.mark.parametrize("target", TARGETS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=generic_page_sets())
def test_generic_records_pass_through(target: str, records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write(records, target, Path(tmp), GENERIC)
        content = folder / get_target(target).content_dir
        for record in records:
            # Kept at its source path (made safe: `NUL` becomes `_NUL`) under the content
            # folder, front matter and body as is.
            assert (content / str(safe_relative(record.path))).is_file(), record.path
        after = {r.data["source"]["path"]: r.data for r in read_markdown(folder, target, GENERIC)}
        for record in records:
            page = after[str(safe_relative(record.path))]
            assert page["front_matter"] == record.data["front_matter"]
            assert page["body"] == record.data["body"]


@pytest.mark.parametrize("target", TARGETS)
def test_generic_profile_through_the_command_line(target: str, tmp_path: Path) -> None:
    source = tmp_path / "in"
    (source / "notes").mkdir(parents=True)
    (source / "notes" / "a.md").write_text("---\ntitle: A {{ x }}\ntags: [b]\n---\nBody {% y %}\n",
                                           encoding="utf-8")
    (source / "b.md").write_text("No front matter.\n", encoding="utf-8")
    code = main(["migrate", str(source), "--out", str(tmp_path / "out"), "--format", "markdown",
                 "--target", target, "--profile", "generic", "-q"])
    assert code == 0
    content = tmp_path / "out" / "markdown" / target / get_target(target).content_dir
    page = parse_document((content / "notes" / "a.md").read_bytes(), "a.md")
    assert page.front_matter == {"title": "A {{ x }}", "tags": ["b"]}
    assert page.body == "Body {% y %}\n"  # passed through: the source's Liquid is its own
    assert parse_document((content / "b.md").read_bytes(), "b.md").front_matter == {}


# ------------------------------------------------------------------------------------------
# The pieces: Liquid protection, YAML, routes, errors, determinism.
# ------------------------------------------------------------------------------------------

_liquidish = st.text(alphabet=st.sampled_from(list("{}%-\n raw endraw\"'x")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_liquidish, st.text(max_size=80)))
def test_liquid_protection_is_exactly_invertible(text: str) -> None:
    protected = protect_liquid(text)
    assert unprotect_liquid(protected) == text
    if "{{" in text or "{%" in text:
        inner = protected[len("{% raw %}\n"):-len("\n{% endraw %}")]
        # Inside the raw block the only tag openers left are the escape's own. (Each piece
        # between escapes is checked on its own: joined, a `{` before an escape and a `%`
        # after it, as in `{{%%`, would read as an opener that Liquid never sees.)
        pieces = inner.split('{% endraw %}{{ "{%" }}{% raw %}')
        assert all("{%" not in piece for piece in pieces)


@pytest.mark.parametrize("value", ["1e3", "0o17", "1,000", ":symbol", "yes", "No", "null",
                                   "~", "2025-01-29", "-1", ".5", "", "+x"])
def test_strings_that_look_typed_are_quoted(value: str) -> None:
    text = dump_yaml({"k": value}, portable=True)
    assert text.startswith(("k: '", 'k: "')), text


def test_duplicate_legacy_urls_first_one_wins() -> None:
    records = sample_records()
    first, second = records[0], records[1]
    assert first.data["url"] == second.data["url"]
    for name in ("hugo", "jekyll"):
        target = get_target(name)
        pages = [target.render(r) for r in (first, second)]
        key = "url" if name == "hugo" else "permalink"
        fronts = [parse_document(p.encode(), "x.md").front_matter or {} for p in pages]
        assert fronts[0][key] == first.data["url"]
        assert fronts[1][key] == f"{second.data['url']}-{second.data['id']}"
        assert fronts[1]["legacy"]["url"] == second.data["url"]


def test_rendering_is_deterministic_lf_only(tmp_path: Path) -> None:
    records = sample_records()
    for target in TARGETS:
        one = _write(records, target, tmp_path / "one")
        two = _write(records, target, tmp_path / "two")
        files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
        for rel in files:
            data = (one / rel).read_bytes()
            assert data == (two / rel).read_bytes(), rel
            assert b"\r" not in data, rel


def _raw(text: str) -> RawDocument:
    return parse_document(text.encode("utf-8"), "page.md")


@pytest.mark.parametrize("target", TARGETS)
def test_read_refuses_a_malformed_page(target: str) -> None:
    with pytest.raises(LoadError) as err:
        get_target(target).read(_raw("---\ntitle: x\nlegacy: [1, 2]\n---\nbody\n"), ARTICLE)
    assert err.value.field == "legacy" and err.value.path == "page.md"
    with pytest.raises(LoadError) as err:
        get_target(target).read(_raw("---\ntitle: x\ntags: a, b\n---\n"), ARTICLE)
    assert err.value.field == "tags"
    with pytest.raises(LoadError) as err:
        get_target(target).read(_raw("---\ntitle: x\nrelated: [1]\n---\n"), ARTICLE)
    assert err.value.field == "related"


@pytest.mark.parametrize("target", TARGETS)
def test_unknown_shape_is_a_load_error(target: str) -> None:
    record = sample_records()[0]
    with pytest.raises(LoadError) as err:
        get_target(target).render(Record("mystery", record.data))
    assert err.value.field == "shape"
