"""Deterministic generator of realistic legacy CMS documents shaped exactly like the seed.

Every document is a pure function of (index, n, seed, first_id): it is built from a per-document
random stream derived with hashlib, and the facts other documents need about it (id, title,
subject, url) are computed arithmetically from its index, so related links can point at any
other document of the set without ever holding the set in memory.

Variations are not left to chance: each dimension (subject, escaping style, date shape, byte
layout, related-link layout, extension) cycles with its own period, every period is at most 30,
so the first 30 documents always contain every variation, and the periods differ so that later
documents combine them in many different ways.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import math
import random
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["generate", "planted", "asset_files", "write_samples", "main"]


# --------------------------------------------------------------------------------------------
# Subject word lists. Each subject carries everything its answers are built from; the special
# notes deliberately contain the characters the migration must survive (non-ASCII, quotes, tabs,
# slashes and a literal backslash followed by "n").
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pair:
    """Two things a "difference between" question compares, with their section headings."""

    a: str
    a_head: str
    b: str
    b_head: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Subject:
    """Word lists for one subject."""

    name: str
    fields: tuple[str, ...]
    pairs: tuple[_Pair, ...]
    concepts: tuple[tuple[str, tuple[str, ...]], ...]
    nouns: tuple[str, ...]
    aspects: tuple[str, ...]
    unicode_notes: tuple[str, ...]
    code_note: str


#: The word and subject tables (data, not code): pipeline/data/samples.json.
_TABLES = json.loads((Path(__file__).parent / "data" / "samples.json").read_text(encoding="utf-8"))


def _subject(entry: dict[str, Any]) -> _Subject:
    """One subject's word lists, from the data file."""
    return _Subject(
        name=entry["name"], fields=tuple(entry["fields"]),
        pairs=tuple(_Pair(p["a"], p["a_head"], p["b"], p["b_head"], p["kind"])
                    for p in entry["pairs"]),
        concepts=tuple((c, tuple(contexts)) for c, contexts in entry["concepts"]),
        nouns=tuple(entry["nouns"]), aspects=tuple(entry["aspects"]),
        unicode_notes=tuple(entry["unicode_notes"]), code_note=entry["code_note"])


_SUBJECTS: tuple[_Subject, ...] = tuple(_subject(s) for s in _TABLES["subjects"])
# Question templates ({a}/{b}: a pair; {c}: a concept, {ctx}: its context, {bare}: the concept
# without a leading "the"), answer sentences and intros, section headings.
_PAIR_TEMPLATES: tuple[str, ...] = tuple(_TABLES["pair_templates"])
_CONCEPT_TEMPLATES: tuple[str, ...] = tuple(_TABLES["concept_templates"])
_SENTENCES: tuple[str, ...] = tuple(_TABLES["sentences"])
_PAIR_INTROS: tuple[str, ...] = tuple(_TABLES["pair_intros"])
_CONCEPT_INTROS: tuple[str, ...] = tuple(_TABLES["concept_intros"])
_CONCEPT_HEADINGS: tuple[str, ...] = tuple(_TABLES["concept_headings"])
_EMOJI: tuple[str, ...] = tuple(_TABLES["emoji"])
_MONTHS: tuple[str, ...] = tuple(_TABLES["months"])

# --------------------------------------------------------------------------------------------
# Variation cycles. Document i uses entry i % len(cycle) of each; all lengths are <= 30 (so the
# first 30 documents hold every entry) and pairwise different (so combinations vary later on).
# --------------------------------------------------------------------------------------------

# (ensure_ascii, escape "/" like PHP, extra content): the content that only shows under a given
# escaping (non-ASCII -> \uXXXX, emoji -> surrogate pair, "/" -> \/) shares the entry with it.
_ESCAPE_CYCLE: tuple[tuple[bool, bool, frozenset[str]], ...] = (
    (False, False, frozenset({"unicode"})),                    # raw UTF-8 text
    (True, True, frozenset({"unicode", "emoji", "code"})),     # PHP json_encode defaults
    (False, True, frozenset({"code"})),                        # PHP JSON_UNESCAPED_UNICODE
    (True, False, frozenset({"unicode"})),                     # Python json.dumps defaults
    (False, False, frozenset({"code", "emoji"})),              # raw emoji bytes
    (False, False, frozenset()),                               # plain, like the seed
)
# Bare ISO dates dominate, as in the seed; every other shape appears once per cycle.
_DATE_CYCLE: tuple[str, ...] = (
    "bare", "dquote", "bare", "squote", "mmm", "bare", "dmy", "ts_plus", "bare", "ts_minus",
    "bare",
)
# (CRLF, BOM, final newline). The seed ends in "&nbsp;" with no final newline, so that is the
# common case; a third of the files are CRLF (Windows exports).
_BYTE_CYCLE: tuple[tuple[bool, bool, bool], ...] = (
    (False, False, False),
    (True, False, False),
    (False, False, True),
    (False, True, False),
    (False, False, False),
    (False, False, False),
    (True, False, True),
    (False, False, True),
    (True, True, False),
)
# Related-link layouts as (slot number, token). Letters are distinct targets (a repeated letter
# is a duplicate link), "SELF" the document itself, "NULL" an empty slot, "{}" an empty map.
_RELATED_CYCLE: tuple[tuple[tuple[int, str], ...], ...] = (
    ((1, "A"), (2, "B"), (3, "B"), (4, "A")),                       # the seed: 1 = 4, 2 = 3
    (),                                                             # no related articles
    tuple((k, "ABCDEFGH"[k - 1]) for k in range(1, 9)),             # eight slots
    ((1, "A"), (2, "B"), (4, "C")),                                 # gap: 1, 2, 4
    ((1, "A"), (2, "SELF"), (3, "B")),                              # self-link
    ((1, "A"), (2, "B"), (3, "NULL"), (4, "C"), (5, "{}")),         # empty slots
    ((1, "A"),),
    ((1, "A"), (2, "B"), (3, "C"), (4, "A"), (5, "SELF"), (7, "D"), (8, "B")),
    ((1, "A"), (2, "B"), (3, "C"), (5, "D"), (6, "E")),
    ((2, "A"), (3, "B")),                                           # numbering starts at 2
)
_MD_EVERY = 4  # every 4th file is ".md" instead of the seed's ".txt"

_DANGLING_RATE = 0.08  # roughly 1 link in 12 points outside the set
_SAME_SUBJECT_RATE = 0.75  # related articles are mostly from the same subject, as in the seed
_FIRST_DAY = _dt.date(2023, 1, 1).toordinal()
_LAST_DAY = _dt.date(2025, 12, 31).toordinal()
_PLUS_OFFSETS: tuple[str, ...] = ("+02:00", "+01:00", "+05:30", "+09:00", "+00:00")
_MINUS_OFFSETS: tuple[str, ...] = ("-05:00", "-08:00", "-03:00", "-04:00")
_BOM = b"\xef\xbb\xbf"
_SITE_SALT = 0x517E  # (site documents' own random stream)


# --------------------------------------------------------------------------------------------
# Questions: every (subject, template, topic) combination, computed once at import.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Question:
    """One question a document can ask, with what its answer is built from."""

    text: str
    slug: str
    pair: _Pair | None
    concept: str
    context: str


def _slugify(text: str) -> str:
    """Lower-case slug like the seed's: punctuation (including "-") dropped, spaces hyphenated."""
    # NFKD + ASCII drop folds "Schrödinger" to "schrodinger" instead of losing the word.
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    kept = re.sub(r"[^a-z0-9\s]", "", ascii_text.lower())
    return re.sub(r"\s+", "-", kept.strip())


def _cap(text: str) -> str:
    """Upper-case the first character only, so acronyms and names keep their case."""
    return text[:1].upper() + text[1:]


def _strip_article(text: str) -> str:
    """Drop a leading "the " for use inside quotes ("the mitochondria" -> "mitochondria")."""
    return text[4:] if text.startswith("the ") else text


def _build_questions() -> tuple[tuple[_Question, ...], ...]:
    """All distinct questions per subject; a slug already taken anywhere is skipped."""
    seen: set[str] = set()
    result: list[tuple[_Question, ...]] = []
    for subject in _SUBJECTS:
        questions: list[_Question] = []
        candidates: list[_Question] = []
        for pair in subject.pairs:
            for template in _PAIR_TEMPLATES:
                text = template.format(a=pair.a, b=pair.b)
                candidates.append(_Question(text, _slugify(text), pair, "", subject.fields[0]))
        for concept, contexts in subject.concepts:
            for ctx in contexts:
                for template in _CONCEPT_TEMPLATES:
                    text = template.format(c=concept, ctx=ctx, bare=_strip_article(concept))
                    candidates.append(_Question(text, _slugify(text), None, concept, ctx))
        for question in candidates:
            # Slugs must be unique across the whole set, so a duplicate is dropped here rather
            # than disambiguated later (which would need knowledge of every other document).
            if question.slug not in seen:
                seen.add(question.slug)
                questions.append(question)
        result.append(tuple(questions))
    return tuple(result)


_QUESTIONS: tuple[tuple[_Question, ...], ...] = _build_questions()


def _coprime_step(size: int) -> int:
    """A multiplier coprime with size, so k -> k * step % size visits every question once."""
    step = max(1, int(size * 0.618))
    while math.gcd(step, size) != 1:
        step += 1
    return step


_STEPS: tuple[int, ...] = tuple(_coprime_step(len(q)) for q in _QUESTIONS)


# --------------------------------------------------------------------------------------------
# Per-document identity, computable from the index alone (this is what makes streaming work).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Meta:
    """What other documents need to know about document `index` to link to it."""

    index: int
    id: int
    subject: _Subject
    question: _Question
    slug: str
    url: str


_SUBJECT_SLUGS: tuple[str, ...] = tuple(_slugify(s.name) for s in _SUBJECTS)


def _meta(index: int, seed: int, first_id: int, site: bool = False) -> _Meta:
    """Identity of document `index` (also used for invented ids outside the set)."""
    n_subjects = len(_SUBJECTS)
    s = index % n_subjects
    k = index // n_subjects  # rank of this document among documents of its subject
    questions = _QUESTIONS[s]
    size = len(questions)
    # A seed-dependent rotation of a coprime stride: the first `size` documents of a subject
    # get pairwise different questions, so their natural slugs are unique.
    offset = (seed * 7919 + s * 104729) % size
    question = questions[(k * _STEPS[s] + offset) % size]
    doc_id = first_id + index
    # Once a subject's questions are used up, the id keeps the slug (and url) unique.
    slug = question.slug if k < size else f"{question.slug}-{doc_id}"
    # (A site's documents live under /answers/: beside plain samples, no URL is taken twice.)
    url = f"/learn/{_SUBJECT_SLUGS[s]}/{'answers' if site else 'questions'}/{slug}"
    return _Meta(index, doc_id, _SUBJECTS[s], question, slug, url)


def _derive_seed(seed: int, index: int) -> int:
    """Stable 64-bit seed for one document (hashlib, so no PYTHONHASHSEED dependence)."""
    digest = hashlib.blake2b(f"pipeline.samples/{seed}/{index}".encode("ascii"),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big")


# random.Random guarantees only random() (and int seeding) to be reproducible across Python
# versions; choice/randrange/sample may change. So everything below draws from random() alone.


def _below(rng: random.Random, n: int) -> int:
    """Uniform integer in [0, n) using only rng.random()."""
    return int(rng.random() * n)


def _pick(rng: random.Random, seq: Sequence[str]) -> str:
    """One element of seq."""
    return seq[_below(rng, len(seq))]


def _sample(rng: random.Random, seq: Sequence[str], k: int) -> list[str]:
    """k distinct elements of seq (partial Fisher-Yates)."""
    pool = list(seq)
    for j in range(k):
        r = j + _below(rng, len(pool) - j)
        pool[j], pool[r] = pool[r], pool[j]
    return pool[:k]


# --------------------------------------------------------------------------------------------
# Text generation.
# --------------------------------------------------------------------------------------------


def _sentences(rng: random.Random, subject: _Subject, x: str, ctx: str, k: int) -> str:
    """k different filled sentence templates about x, joined by spaces."""
    out = []
    for template in _sample(rng, _SENTENCES, k):  # distinct, so an item never repeats itself
        n1, n2 = _sample(rng, subject.nouns, 2)
        out.append(_cap(template.format(x=x, ctx=ctx, n1=n1, n2=n2)))
    return " ".join(out)


def _numbered_list(rng: random.Random, subject: _Subject, x: str, ctx: str) -> str:
    """A numbered list of "**Aspect**: ..." items like the seed's."""
    aspects = _sample(rng, subject.aspects, 3 + _below(rng, 3))
    items = [
        f"{k}. **{aspect}**: {_sentences(rng, subject, x, ctx, 2)}"
        for k, aspect in enumerate(aspects, start=1)
    ]
    # The seed separates some items with a whitespace-only line ("\n   \n"); keep that quirk.
    out = items[0]
    for item in items[1:]:
        out += ("\n   \n" if rng.random() < 0.15 else "\n\n") + item
    return out


def _answer(rng: random.Random, meta: _Meta, extras: frozenset[str]) -> tuple[str, str, str]:
    """(answer Markdown, SEO description, SEO keywords) for one document."""
    subject, question = meta.subject, meta.question
    nouns = _sample(rng, subject.nouns, 6)
    parts: list[str] = []
    if question.pair is not None:
        pair, ctx = question.pair, _pick(rng, subject.fields)
        parts.append(_pick(rng, _PAIR_INTROS).format(A=_cap(pair.a), a=pair.a, b=pair.b,
                                                    kind=pair.kind, ctx=ctx))
        parts.append(f"### {pair.a_head}\n{_numbered_list(rng, subject, pair.a, ctx)}")
        parts.append(f"### {pair.b_head}\n{_numbered_list(rng, subject, pair.b, ctx)}")
        summary = (
            f"In summary, discussions of {pair.a} centre on {nouns[0]} and {nouns[1]}, while "
            f"discussions of {pair.b} put more weight on {nouns[2]} and {nouns[3]}. Choosing "
            f"between them depends on whether {nouns[4]} or {nouns[5]} matters more in {ctx}."
        )
        aspects = [a.lower() for a in _sample(rng, subject.aspects, 3)]
        description = (f"This content explains the differences between {pair.a} and {pair.b}, "
                       f"highlighting {aspects[0]}, {aspects[1]}, and {aspects[2]}.")
        keywords = [_strip_article(pair.a), _strip_article(pair.b), pair.kind, ctx, *aspects,
                    *nouns[:4]]
    else:
        concept, ctx = question.concept, question.context
        parts.append(_cap(_pick(rng, _CONCEPT_INTROS).format(c=concept, ctx=ctx)))
        for heading in _sample(rng, _CONCEPT_HEADINGS, 1 + _below(rng, 2)):
            parts.append(f"### {heading}\n{_numbered_list(rng, subject, concept, ctx)}")
        summary = (
            f"In summary, {ctx} is shaped by {concept} through effects on {nouns[0]}, "
            f"{nouns[1]} and {nouns[2]}. Understanding this makes it easier to reason about "
            f"{nouns[3]} and/or {nouns[4]} in practice."
        )
        description = (f"This content explains the role of {concept} in {ctx}, covering "
                       f"{nouns[0]}, {nouns[1]}, and {nouns[2]}.")
        keywords = [_strip_article(concept), ctx, subject.name.lower(), *nouns[:5]]
    if "unicode" in extras:
        parts.insert(1, _pick(rng, subject.unicode_notes))
    if "code" in extras:
        parts.append(f"### Example\n{subject.code_note}")
    if "emoji" in extras:
        summary += f" Happy studying! {_pick(rng, _EMOJI)}"
    parts.append(f"### Summary\n{summary}")

    unique_keywords = list(dict.fromkeys(keywords))  # keeps first-seen order, drops repeats
    keyword_text = ", ".join(unique_keywords)
    # Real exports sometimes carry sloppy keyword lists; the migration must drop empty items.
    roll = rng.random()
    if roll < 0.08:
        keyword_text += ","  # no trailing space: it would survive in the YAML line
    elif roll < 0.16:
        keyword_text = keyword_text.replace(", ", ", , ", 1)
    return "\n\n".join(parts), description, keyword_text


def _escape(text: str, ensure_ascii: bool, escape_slash: bool) -> str:
    """JSON-escape text the way the old exporter did (no surrounding quotes)."""
    escaped = json.dumps(text, ensure_ascii=ensure_ascii)[1:-1]
    # "/" never occurs inside another JSON escape, so a blind replace matches PHP's output.
    return escaped.replace("/", "\\/") if escape_slash else escaped


def _date_value(rng: random.Random, shape: str) -> tuple[str, str]:
    """(YAML date value, date_format) for one date shape, on a real 2023-2025 calendar day."""
    day = _dt.date.fromordinal(_FIRST_DAY + _below(rng, _LAST_DAY - _FIRST_DAY + 1))
    iso = day.isoformat()
    if shape == "bare":
        return iso, "MMM DD, YYYY"
    if shape == "dquote":
        return f'"{iso}"', "MMM DD, YYYY"
    if shape == "squote":
        return f"'{iso}'", "MMM DD, YYYY"
    if shape == "mmm":
        return f"{_MONTHS[day.month - 1]} {day.day:02d}, {day.year}", "MMM DD, YYYY"
    if shape == "dmy":
        return f"{day.day:02d}/{day.month:02d}/{day.year}", "DD/MM/YYYY"
    offsets = _PLUS_OFFSETS if shape == "ts_plus" else _MINUS_OFFSETS
    clock = f"{_below(rng, 24):02d}:{_below(rng, 4) * 15:02d}:00"
    return f"{iso}T{clock}{_pick(rng, offsets)}", "MMM DD, YYYY"


def _score(rng: random.Random) -> str:
    """Score as the exporter wrote it: -1.0 (unrated) half the time, else a quarter step."""
    if rng.random() < 0.5:
        return "-1.0"
    return repr(_below(rng, 21) / 4)  # 0.0 .. 5.0; quarters are exact, so repr is short


def _related_targets(rng: random.Random, index: int, n: int, tokens: list[str]) -> dict[str, int]:
    """Map each letter token to a distinct document index (>= n means dangling)."""
    n_subjects = len(_SUBJECTS)
    used = {index}
    targets: dict[str, int] = {}
    for token in tokens:
        chosen = -1
        if rng.random() >= _DANGLING_RATE:
            for _ in range(12):  # bounded: tiny sets may have no free document left
                if rng.random() < _SAME_SUBJECT_RATE:
                    step = (1 + _below(rng, 6)) * n_subjects
                    j = index + step if rng.random() < 0.5 else index - step
                else:
                    j = _below(rng, n)
                if 0 <= j < n and j not in used:
                    chosen = j
                    break
        if chosen < 0:
            # Dangling: an index past the end gives an id outside the set, with a coherent
            # title / subject / url of its own.
            chosen = n + 1 + _below(rng, 100_000)
        used.add(chosen)
        targets[token] = chosen
    return targets


def _document(index: int, n: int, seed: int, first_id: int, width: int,
              site: bool = False) -> tuple[str, bytes, dict[str, list[str]]]:
    """Build one legacy document: (file name, file bytes, the references planted broken)."""
    rng = random.Random(_derive_seed(seed, index))
    meta = _meta(index, seed, first_id, site)
    ensure_ascii, escape_slash, extras = _ESCAPE_CYCLE[index % len(_ESCAPE_CYCLE)]
    crlf, bom, final_newline = _BYTE_CYCLE[index % len(_BYTE_CYCLE)]
    layout = _RELATED_CYCLE[index % len(_RELATED_CYCLE)]

    def esc(text: str) -> str:
        """Escape with this document's exporter settings."""
        return _escape(text, ensure_ascii, escape_slash)

    date_value, date_format = _date_value(rng, _DATE_CYCLE[index % len(_DATE_CYCLE)])
    answer, description, keywords = _answer(rng, meta, extras)
    planted: dict[str, list[str]] = {"broken": [], "missing": []}
    if site:
        from pipeline import samples_site  # (HTML answers, links, images: a site's samples)

        # A stream of its own: the draws above and below stay those of the plain document.
        site_rng = random.Random(_derive_seed(seed, index) ^ _SITE_SALT)
        answer = samples_site.decorate(
            site_rng, answer, meta, n, lambda j: _meta(j, seed, first_id, True), planted,
            _SUBJECT_SLUGS[index % len(_SUBJECTS)], index)
        if index % 3 != 2:
            answer = samples_site.to_legacy_html(site_rng, answer)
    title = esc(meta.question.text)
    subject = meta.subject.name
    lines = [
        "---",
        "_schema: default",
        f"id: {meta.id}",
        f"date: {date_value}",
        "title: >-", f"    {title}",
        "article_title: >-", f"    {title}",
        f"date_format: {date_format}",
        "post_on_text: Posted on",
        "seo:",
        f"  title: QuickTakes | {subject}",
        "  page_description: >-", f"    {esc(description)}",
        "  page_keywords: >-", f"    {esc(keywords)}",
        "author: QuickTakes",
        "question: >-", f"    {title}",
        "answer: >-", f"    {esc(answer)}",
        f"subject: {subject}",
        f"file_name: {meta.slug}.md",
        f"url: {meta.url}",
        f"score: {_score(rng)}",
    ]
    letters = list(dict.fromkeys(t for _, t in layout if t.isalpha() and len(t) == 1))
    targets = _related_targets(rng, index, n, letters)
    for slot, token in layout:
        key = f"related_article{slot}"
        if token == "NULL":
            lines.append(f"{key}:")
        elif token == "{}":
            lines.append(f"{key}: {{}}")
        else:
            target = meta if token == "SELF" else _meta(targets[token], seed, first_id, site)
            lines += [
                f"{key}:",
                f"    id: {target.id}",
                "    title: >-", f"        {esc(target.question.text)}",
                f"    subject: {target.subject.name}",
                f"    url: {target.url}",
            ]
    lines += ["---", "", "&nbsp;"]
    newline = "\r\n" if crlf else "\n"
    text = newline.join(lines) + (newline if final_newline else "")
    data = text.encode("utf-8")
    ext = ".md" if index % _MD_EVERY == _MD_EVERY - 1 else ".txt"
    name = f"{'w' if site else 'q'}{index:0{width}d}_{meta.id}{ext}"
    return name, (_BOM + data if bom else data), planted


# --------------------------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------------------------


def generate(n: int, seed: int = 0, first_id: int = 200000,
             site: bool = False) -> Iterator[tuple[str, bytes]]:
    """Yield (file_name, file_bytes) for n legacy documents, deterministically and lazily;
    `site`: documents of a legacy site (`w...` files: HTML answers, internal links, images; see
    pipeline.samples_site)."""
    for name, data, _ in _documents(n, seed, first_id, site):
        yield name, data


def planted(n: int, seed: int = 0, first_id: int = 200000) -> list[tuple[str, str, str]]:
    """(file name, "broken" or "missing", URL) of every reference that `generate(n, seed,
    first_id, site=True)` planted broken, in file order."""
    return [(name, kind, url) for name, _, found in _documents(n, seed, first_id, True)
            for kind in ("broken", "missing") for url in found[kind]]


def asset_files() -> dict[str, bytes]:
    """The files of the site samples' assets folder: {site path: bytes}."""
    from pipeline import samples_site

    return samples_site.asset_files(_SUBJECT_SLUGS)


def _documents(n: int, seed: int, first_id: int,
               site: bool) -> Iterator[tuple[str, bytes, dict[str, list[str]]]]:
    """`generate`, with each document's planted references."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if first_id < 1:
        raise ValueError(f"first_id must be >= 1, got {first_id}")
    # Six digits as documented; wider only when needed so names still sort in generation order.
    width = max(6, len(str(max(n - 1, 0))))
    for index in range(n):
        yield _document(index, n, seed, first_id, width, site)


#: Ids of the site documents written beside the plain ones (distinct from theirs).
SITE_FIRST_ID = 300000
#: The assets folder written beside site documents: hidden, so a migration of the folder does
#: not take its files for documents.
ASSETS_DIR = ".assets"


def write_samples(out_dir: Path, n: int, seed: int = 0, site: int = 0) -> list[Path]:
    """Write generate(n, seed) into out_dir (created if missing), and `site` documents of
    generate(site, seed, SITE_FIRST_ID, site=True) with their assets folder (out_dir/.assets);
    return the documents' paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    documents = list(generate(n, seed))
    if site:
        documents += generate(site, seed, SITE_FIRST_ID, site=True)
        for url, data in asset_files().items():
            path = out_dir / ASSETS_DIR / url.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for name, data in documents:
        path = out_dir / name
        path.write_bytes(data)  # bytes, so no newline translation or locale encoding
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: python -m pipeline.samples OUT_DIR [-n N] [--seed S]."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.samples",
        description="Write deterministic legacy CMS sample documents shaped like the seed.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write the documents into")
    parser.add_argument("-n", type=int, default=100, help="number of documents (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--site", type=int, default=0,
                        help="also write this many documents of a legacy site (HTML answers, "
                             "internal links, images) and their assets folder OUT_DIR/.assets")
    args = parser.parse_args(argv)
    if args.n < 0 or args.site < 0:
        parser.error("-n and --site must be >= 0")  # exits with status 2, like other usage errors
    paths = write_samples(args.out_dir, args.n, args.seed, args.site)
    print(f"wrote {len(paths)} documents to {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
