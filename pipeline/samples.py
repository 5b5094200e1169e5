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

__all__ = ["generate", "write_samples", "main"]


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


_SUBJECTS: tuple[_Subject, ...] = (
    _Subject(
        name="Computer Science",
        fields=("computer networking", "software engineering", "distributed systems"),
        pairs=(
            _Pair("the client-server model", "Client-Server Model", "peer-to-peer networks",
                  "Peer-to-Peer Networks", "network architectures"),
            _Pair("POP", "POP", "IMAP protocols", "IMAP", "email retrieval protocols"),
            _Pair("TCP", "TCP", "UDP", "UDP", "transport-layer protocols"),
            _Pair("processes", "Processes", "threads", "Threads", "units of execution"),
            _Pair("compilers", "Compilers", "interpreters", "Interpreters",
                  "language implementation strategies"),
            _Pair("SQL databases", "SQL Databases", "NoSQL databases", "NoSQL Databases",
                  "database families"),
        ),
        concepts=(
            ("DHCP", ("host configuration", "enterprise networks", "IP address management")),
            ("DNS caching", ("web browsing", "name resolution", "network performance")),
            ("virtual memory", ("operating systems", "process isolation", "memory management")),
            ("hash tables", ("database indexing", "compiler design", "caching systems")),
            ("public-key cryptography", ("secure communication", "digital signatures", "TLS/SSL")),
            ("garbage collection", ("managed runtimes", "memory safety", "long-running services")),
            ("load balancing", ("web applications", "cloud infrastructure", "high availability")),
            ("recursion", ("algorithm design", "tree traversal", "functional programming")),
        ),
        nouns=("latency", "throughput", "memory usage", "fault tolerance", "data consistency",
               "security", "scalability", "CPU time", "bandwidth", "maintainability",
               "network traffic", "storage costs"),
        aspects=("Architecture", "Centralization", "Scalability", "Cost", "Stability",
                 "Performance", "Security", "Flexibility", "Data Management",
                 "Communication Focus", "Reliability", "Complexity"),
        unicode_notes=(
            'The word "naïve" in "naïve string matching" is not an insult: it means the '
            "algorithm simply tries every position. Knuth, Morris and Pratt later showed how to "
            "do better.",
            "Internationalised domain names such as münchen.de or 東京.jp are converted to an "
            "ASCII form (Punycode) before DNS can resolve them.",
            'Running times are written as Θ(n log n) or O(n²), read "theta" and "big O".',
        ),
        code_note=(
            "For example, in C the newline escape is written inside the string literal: "
            '`printf("hello\\n");` prints the word and then moves to the next line.\n\n'
            "```c\n#include <stdio.h>\n\nint main(void) {\n"
            '\tprintf("hello\\n");  // prints hello and a newline\n\treturn 0;\n}\n```'
        ),
    ),
    _Subject(
        name="Biology",
        fields=("cell biology", "genetics", "physiology"),
        pairs=(
            _Pair("mitosis", "Mitosis", "meiosis", "Meiosis", "types of cell division"),
            _Pair("prokaryotic cells", "Prokaryotic Cells", "eukaryotic cells", "Eukaryotic Cells",
                  "cell types"),
            _Pair("DNA", "DNA", "RNA", "RNA", "nucleic acids"),
            _Pair("innate immunity", "Innate Immunity", "adaptive immunity", "Adaptive Immunity",
                  "branches of the immune system"),
            _Pair("aerobic respiration", "Aerobic Respiration", "anaerobic respiration",
                  "Anaerobic Respiration", "metabolic pathways"),
        ),
        concepts=(
            ("the mitochondria", ("cellular respiration", "energy production", "apoptosis")),
            ("ribosomes", ("protein synthesis", "gene expression", "cell growth")),
            ("enzymes", ("digestion", "metabolism", "DNA replication")),
            ("natural selection", ("evolution", "population genetics", "antibiotic resistance")),
            ("the cell membrane", ("nutrient transport", "cell signalling", "homeostasis")),
            ("photosynthesis", ("plant growth", "the carbon cycle", "food webs")),
            ("hemoglobin", ("oxygen transport", "blood chemistry", "high-altitude adaptation")),
            ("CRISPR-Cas9", ("gene editing", "bacterial immunity", "agricultural research")),
        ),
        nouns=("energy production", "cell growth", "genetic variation", "protein folding",
               "nutrient uptake", "signal transduction", "membrane transport",
               "reproductive success", "gene expression", "tissue repair"),
        aspects=("Purpose", "Process", "Outcome", "Location", "Regulation", "Energy Use",
                 "Genetic Variation", "Structure", "Function", "Evolutionary Role"),
        unicode_notes=(
            "Gregor Mendel carried out his pea experiments in the monastery garden at Brno (then "
            'Brünn), long before the word "gene" existed.',
            "Protein structure is described with α-helices and β-sheets, terms that come from "
            "Linus Pauling's original papers.",
            "Most human enzymes work best at about 37 °C; above roughly 45 °C they begin to "
            "denature.",
        ),
        code_note=(
            "A short Python example that counts the sequences in a FASTA file:\n\n"
            "```python\ncount = 0\nwith open(\"reads/sample.fasta\") as handle:\n"
            "\tfor line in handle:\n\t\tif line.startswith(\">\"):\n\t\t\tcount += 1\n"
            "print(count, \"sequences\")\n```\n\n"
            "Note that `line.rstrip(\"\\n\")` removes the trailing newline from each record."
        ),
    ),
    _Subject(
        name="History",
        fields=("modern history", "medieval history", "world history"),
        pairs=(
            _Pair("the French Revolution", "French Revolution", "the American Revolution",
                  "American Revolution", "revolutions"),
            _Pair("feudalism", "Feudalism", "manorialism", "Manorialism",
                  "medieval social systems"),
            _Pair("the Renaissance", "Renaissance", "the Enlightenment", "Enlightenment",
                  "intellectual movements"),
            _Pair("the Ottoman Empire", "Ottoman Empire", "the Mughal Empire", "Mughal Empire",
                  "early modern empires"),
            _Pair("World War I", "World War I", "World War II", "World War II",
                  "global conflicts"),
        ),
        concepts=(
            ("the printing press", ("the Reformation", "European literacy", "scientific exchange")),
            ("the Silk Road", ("cultural exchange", "the spread of disease", "Eurasian trade")),
            ("the Magna Carta", ("constitutional law", "royal authority", "English politics")),
            ("the Meiji Restoration", ("Japanese modernization", "industrialization",
                                       "East Asian politics")),
            ("the Treaty of Versailles", ("post-war Europe", "German politics",
                                          "the League of Nations")),
            ("the Columbian Exchange", ("global agriculture", "population change",
                                        "colonial economies")),
            ("the Cold War", ("decolonization", "the space race", "nuclear policy")),
        ),
        nouns=("political power", "trade routes", "social hierarchy", "religious authority",
               "economic growth", "public opinion", "territorial control", "cultural identity",
               "military strategy", "literacy rates"),
        aspects=("Causes", "Key Figures", "Political Impact", "Economic Impact", "Social Change",
                 "Legacy", "Timeline", "Ideology", "Outcome", "Geography"),
        unicode_notes=(
            'In 1868 the Meiji government renamed Edo as 東京 (Tōkyō, "eastern capital").',
            "Huldrych Zwingli led the Reformation in Zürich, while printers in Kraków and Lübeck "
            "spread pamphlets across the region.",
            'The treaty was signed in the Hall of Mirrors of the Château de Versailles, the '
            '"Galerie des Glaces".',
        ),
        code_note=(
            "A minimal timeline, as exported from the course spreadsheet (tab-separated, dates "
            "as day/month/year):\n\n```\nDate\tEvent\n14/07/1789\tStorming of the Bastille\n"
            "09/06/1815\tFinal Act of the Congress of Vienna\n```\n\n"
            'In the digitised archive, line breaks inside letters are transcribed as "\\n", so '
            'a search for "\\nDear Sir" finds letters whose line starts with that greeting.'
        ),
    ),
    _Subject(
        name="Economics",
        fields=("macroeconomics", "microeconomics", "international trade"),
        pairs=(
            _Pair("fiscal policy", "Fiscal Policy", "monetary policy", "Monetary Policy",
                  "macroeconomic tools"),
            _Pair("microeconomics", "Microeconomics", "macroeconomics", "Macroeconomics",
                  "branches of economics"),
            _Pair("perfect competition", "Perfect Competition", "monopolistic competition",
                  "Monopolistic Competition", "market structures"),
            _Pair("nominal GDP", "Nominal GDP", "real GDP", "Real GDP", "measures of output"),
            _Pair("tariffs", "Tariffs", "import quotas", "Import Quotas", "trade barriers"),
        ),
        concepts=(
            ("opportunity cost", ("personal finance", "business decisions", "public policy")),
            ("inflation", ("purchasing power", "wage negotiations", "central banking")),
            ("price elasticity of demand", ("pricing strategy", "tax policy",
                                            "consumer behaviour")),
            ("comparative advantage", ("international trade", "specialization",
                                       "economic development")),
            ("the multiplier effect", ("government spending", "recessions",
                                       "regional economies")),
            ("supply and demand", ("housing markets", "labour markets", "commodity prices")),
            ("interest rates", ("investment decisions", "mortgage markets", "exchange rates")),
        ),
        nouns=("consumer spending", "borrowing costs", "unemployment", "inflation expectations",
               "market efficiency", "tax revenue", "household income", "investment",
               "productivity", "trade balances"),
        aspects=("Definition", "Tools", "Objectives", "Time Lag", "Who Controls It",
                 "Effects on Growth", "Risks", "Examples", "Measurement", "Limitations"),
        unicode_notes=(
            "Léon Walras formalised general equilibrium in 1874; textbooks now restate his "
            "examples in €.",
            "Prices in the euro area are reported in €, in Japan in ¥ and in the UK in £, which "
            "complicates cross-country comparisons.",
            'The classic example is the café on the corner: raising the price of a "crème '
            'brûlée" changes how many are sold.',
        ),
        code_note=(
            "If you load the data in Python on Windows, remember that paths contain "
            "backslashes:\n\n```python\nimport pandas as pd\n\n"
            'gdp = pd.read_csv(r"C:\\data\\nominal_gdp.csv", sep="\\t")\nprint(gdp.head())\n```'
            "\n\nThe raw file is tab-separated:\n\n```\nyear\tnominal\treal\n2023\t27.36\t22.67\n"
            "```\n\nReal GDP = nominal GDP / GDP deflator × 100."
        ),
    ),
    _Subject(
        name="Chemistry",
        fields=("physical chemistry", "organic chemistry", "analytical chemistry"),
        pairs=(
            _Pair("ionic bonds", "Ionic Bonds", "covalent bonds", "Covalent Bonds",
                  "chemical bonds"),
            _Pair("exothermic reactions", "Exothermic Reactions", "endothermic reactions",
                  "Endothermic Reactions", "reaction types"),
            _Pair("acids", "Acids", "bases", "Bases", "classes of compounds"),
            _Pair("oxidation", "Oxidation", "reduction", "Reduction", "half-reactions"),
            _Pair("isotopes", "Isotopes", "allotropes", "Allotropes", "forms of elements"),
        ),
        concepts=(
            ("catalysts", ("industrial synthesis", "reaction kinetics", "enzyme chemistry")),
            ("electronegativity", ("bond polarity", "molecular shape", "acid strength")),
            ("the mole concept", ("stoichiometry", "gas laws", "titration")),
            ("buffer solutions", ("blood chemistry", "laboratory analysis", "fermentation")),
            ("hydrogen bonding", ("the properties of water", "protein structure",
                                  "boiling points")),
            ("Le Chatelier's principle", ("chemical equilibrium", "the Haber process",
                                          "solubility")),
            ("entropy", ("spontaneous reactions", "phase changes", "thermodynamics")),
        ),
        nouns=("reaction rate", "activation energy", "bond strength", "equilibrium position",
               "electron density", "temperature", "pressure", "concentration", "yield",
               "solubility"),
        aspects=("Definition", "Electron Behaviour", "Energy Change", "Examples",
                 "Physical Properties", "Reaction Conditions", "Stability", "Measurement",
                 "Applications", "Safety"),
        unicode_notes=(
            "The principle is named after Henry Louis Le Châtelier; at 25 °C an increase in "
            "pressure shifts the equilibrium towards fewer gas molecules.",
            "The enthalpy change ΔH is negative for exothermic reactions, and "
            "ΔG = ΔH − TΔS decides whether a reaction is spontaneous.",
            "Avogadro's number, 6.022 × 10²³ mol⁻¹, links the mass of a sample to its number of "
            "particles.",
        ),
        code_note=(
            'The energy of a photon is $E = h\\nu$, where $\\nu$ (read "nu", not "v") is the '
            "frequency. A typical lab log is tab-separated:\n\n```\nsample\tpH\ttemp/°C\n"
            "A1\t4.76\t25\nB2\t7.40\t37\n```"
        ),
    ),
    _Subject(
        name="Mathematics",
        fields=("calculus", "linear algebra", "number theory"),
        pairs=(
            _Pair("permutations", "Permutations", "combinations", "Combinations",
                  "counting methods"),
            _Pair("rational numbers", "Rational Numbers", "irrational numbers",
                  "Irrational Numbers", "kinds of real numbers"),
            _Pair("differentiation", "Differentiation", "integration", "Integration",
                  "operations in calculus"),
            _Pair("vectors", "Vectors", "scalars", "Scalars", "mathematical quantities"),
            _Pair("the mean", "Mean", "the median", "Median", "measures of central tendency"),
        ),
        concepts=(
            ("the Pythagorean theorem", ("geometry", "trigonometry", "navigation")),
            ("eigenvalues", ("stability analysis", "principal component analysis",
                             "quantum mechanics")),
            ("mathematical induction", ("proof writing", "number theory", "algorithm analysis")),
            ("the fundamental theorem of calculus", ("definite integrals", "kinematics",
                                                     "area problems")),
            ("prime numbers", ("cryptography", "factorization", "modular arithmetic")),
            ("limits", ("continuity", "infinite series", "derivatives")),
            ("matrices", ("systems of equations", "computer graphics",
                          "linear transformations")),
        ),
        nouns=("precision", "generality", "computational cost", "convergence", "symmetry",
               "notation", "proof length", "numerical stability", "intuition", "abstraction"),
        aspects=("Definition", "Formula", "Order", "Use Cases", "Notation", "Properties",
                 "Geometric Meaning", "Common Mistakes", "Examples", "Generalization"),
        unicode_notes=(
            "The Γ function extends the factorial: Γ(n) = (n − 1)! for every positive "
            "integer n.",
            'Paul Erdős, who wrote over 1,500 papers, called an elegant proof one "from The '
            'Book".',
            "Every real number x satisfies x² ≥ 0, and π ≈ 3.14159 is irrational.",
        ),
        code_note=(
            "In LaTeX you would typeset this as:\n\n```latex\n\\begin{align}\n"
            "\t\\nabla f(x, y) &= \\left(\\frac{\\partial f}{\\partial x}, "
            "\\frac{\\partial f}{\\partial y}\\right) \\\\\n\ta &\\neq b\n\\end{align}\n```\n\n"
            'Here "\\neq" means "not equal", "\\nabla" is the gradient operator, and a/b is '
            "written \\frac{a}{b}."
        ),
    ),
    _Subject(
        name="Physics",
        fields=("classical mechanics", "electromagnetism", "modern physics"),
        pairs=(
            _Pair("speed", "Speed", "velocity", "Velocity", "kinematic quantities"),
            _Pair("nuclear fission", "Nuclear Fission", "nuclear fusion", "Nuclear Fusion",
                  "nuclear reactions"),
            _Pair("series circuits", "Series Circuits", "parallel circuits", "Parallel Circuits",
                  "circuit configurations"),
            _Pair("elastic collisions", "Elastic Collisions", "inelastic collisions",
                  "Inelastic Collisions", "types of collision"),
            _Pair("mass", "Mass", "weight", "Weight", "physical quantities"),
        ),
        concepts=(
            ("Newton's second law", ("rocket propulsion", "vehicle safety", "everyday motion")),
            ("the photoelectric effect", ("quantum theory", "solar panels", "light detection")),
            ("the Schrödinger equation", ("atomic structure", "quantum tunnelling",
                                          "semiconductor physics")),
            ("electromagnetic induction", ("electric generators", "transformers",
                                           "wireless charging")),
            ("conservation of energy", ("mechanical systems", "heat engines",
                                        "roller coasters")),
            ("friction", ("braking systems", "machine design", "walking")),
            ("wave interference", ("noise-cancelling headphones", "thin films", "optics")),
        ),
        nouns=("kinetic energy", "momentum", "acceleration", "resistance", "frequency",
               "wavelength", "potential energy", "heat loss", "field strength",
               "measurement error"),
        aspects=("Definition", "Direction", "Units", "Equation", "Energy Transfer", "Examples",
                 "Conservation", "Measurement", "Applications", "Limitations"),
        unicode_notes=(
            "Erwin Schrödinger published his wave equation in 1926; the reduced Planck constant "
            "ħ appears on both sides of it.",
            "Atomic radii are often quoted in ångströms (1 Å = 10⁻¹⁰ m).",
            "Resistance is measured in ohms (Ω) and its temperature coefficient in µΩ/K.",
        ),
        code_note=(
            "Gauss's law, the first of Maxwell's equations, in LaTeX:\n\n```latex\n"
            "\t\\nabla \\cdot \\mathbf{E} = \\frac{\\rho}{\\varepsilon_0}\n```\n\n"
            'Here "\\nabla" is the del operator and ρ/ε₀ is the charge density divided by the '
            "vacuum permittivity."
        ),
    ),
    _Subject(
        name="Psychology",
        fields=("cognitive psychology", "developmental psychology", "social psychology"),
        pairs=(
            _Pair("classical conditioning", "Classical Conditioning", "operant conditioning",
                  "Operant Conditioning", "forms of learning"),
            _Pair("short-term memory", "Short-Term Memory", "long-term memory",
                  "Long-Term Memory", "memory systems"),
            _Pair("qualitative research", "Qualitative Research", "quantitative research",
                  "Quantitative Research", "research methods"),
            _Pair("intrinsic motivation", "Intrinsic Motivation", "extrinsic motivation",
                  "Extrinsic Motivation", "sources of motivation"),
            _Pair("nature", "Nature", "nurture", "Nurture", "influences on development"),
        ),
        concepts=(
            ("cognitive dissonance", ("decision making", "attitude change", "brand loyalty")),
            ("the placebo effect", ("clinical trials", "pain management",
                                    "expectation research")),
            ("working memory", ("problem solving", "reading comprehension", "attention")),
            ("confirmation bias", ("scientific reasoning", "social media", "jury decisions")),
            ("attachment theory", ("child development", "adult relationships", "parenting")),
            ("neuroplasticity", ("skill learning", "stroke rehabilitation", "ageing")),
        ),
        nouns=("attention", "motivation", "emotional regulation", "memory recall",
               "social behaviour", "reaction time", "learning outcomes", "stress levels",
               "self-esteem", "decision quality"),
        aspects=("Definition", "Mechanism", "Key Studies", "Examples", "Role of Reinforcement",
                 "Duration", "Capacity", "Applications", "Criticisms", "Measurement"),
        unicode_notes=(
            "Jean Piaget developed his stage theory in Genève; his term \"décalage\" describes "
            "uneven development across tasks.",
            "The Müller-Lyer illusion shows that even naïve observers misjudge the length of "
            "two identical lines.",
            "Reaction-time studies often report effects of about 20 ms, with Cronbach's α "
            "above 0.8.",
        ),
        code_note=(
            "Analysing reaction times in R:\n\n```r\n"
            'rt <- read.delim("data/rt.tsv")  # tab-separated\n'
            "for (i in seq_len(nrow(rt))) {\n"
            '\tcat("Trial", i, ":", rt$ms[i], "ms\\n")\n}\n```\n\n'
            'The `"\\n"` at the end of `cat` starts a new line after each trial.'
        ),
    ),
)

# Question templates. "{c}" / "{ctx}" for single concepts, "{a}" / "{b}" for comparisons.
_PAIR_TEMPLATES: tuple[str, ...] = (
    "Explain the difference between {a} and {b}.",
    "What are the differences between {a} and {b}?",
    "Compare and contrast {a} and {b}.",
)
_CONCEPT_TEMPLATES: tuple[str, ...] = (
    "What is the primary function of {c} in {ctx}?",
    "How does {c} contribute to {ctx}?",
    "Why is {c} important in {ctx}?",
    "Describe the role of {c} in {ctx}.",
    'What is meant by "{bare}" in the context of {ctx}?',
)

# Sentence templates for list items; the first letter is capitalised after filling.
_SENTENCES: tuple[str, ...] = (
    # Worded so that no verb agrees with {x}: topics are singular ("DHCP") or plural ("threads").
    "In {ctx}, the interplay between {n1} and {n2} depends largely on {x}.",
    "This makes {x} a good fit when {n1} has to be balanced against {n2}.",
    'Many textbooks describe {x} as the "backbone" of {ctx}.',
    "Compared with older approaches, the cost of {n1} and/or {n2} drops noticeably with {x}.",
    "A common misconception links {x} only to {n1}; in practice {n2} is affected as well.",
    "The main trade-off is between {n1} and {n2}, which is why textbooks rarely discuss {x} in "
    "isolation.",
    "Because {n1} depends on {n2}, changes to {x} tend to ripple through the whole system.",
    'Students often remember this with the phrase "{n1} first, {n2} second".',
    "With {x}, {n1} improves steadily while {n2} stays roughly the same.",
    "This distinction matters most in {ctx}, where the limiting factor is usually {n1}.",
    "Researchers study {x} by measuring {n1} before and after a change in {n2}.",
    "Without {x}, {n1} would be much harder to predict, especially at scale.",
)
_PAIR_INTROS: tuple[str, ...] = (
    "{A} and {b} are two distinct {kind} used in {ctx}. Here are the key differences between "
    "them:",
    "Although {a} and {b} are both {kind}, they differ in several important ways. Here is a "
    "structured comparison:",
    "{A} and {b} are often confused, but they are different {kind}. The main differences are:",
)
_CONCEPT_INTROS: tuple[str, ...] = (
    "Understanding {c} is central to {ctx}. Below is an overview of how it works and why it "
    "matters:",
    "In {ctx}, several key tasks depend on {c}. Here are the most important ones:",
    "One of the core ideas behind {ctx} is {c}. The role it plays can be broken down as "
    "follows:",
)
_CONCEPT_HEADINGS: tuple[str, ...] = (
    "Key Functions", "How It Works", "Why It Matters", "Common Applications",
)
_EMOJI: tuple[str, ...] = ("😀", "🙂", "🚀", "📚")
_MONTHS: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                            "Oct", "Nov", "Dec")

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


def _meta(index: int, seed: int, first_id: int) -> _Meta:
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
    url = f"/learn/{_SUBJECT_SLUGS[s]}/questions/{slug}"
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


def _document(index: int, n: int, seed: int, first_id: int, width: int) -> tuple[str, bytes]:
    """Build one legacy document: (file name, file bytes)."""
    rng = random.Random(_derive_seed(seed, index))
    meta = _meta(index, seed, first_id)
    ensure_ascii, escape_slash, extras = _ESCAPE_CYCLE[index % len(_ESCAPE_CYCLE)]
    crlf, bom, final_newline = _BYTE_CYCLE[index % len(_BYTE_CYCLE)]
    layout = _RELATED_CYCLE[index % len(_RELATED_CYCLE)]

    def esc(text: str) -> str:
        """Escape with this document's exporter settings."""
        return _escape(text, ensure_ascii, escape_slash)

    date_value, date_format = _date_value(rng, _DATE_CYCLE[index % len(_DATE_CYCLE)])
    answer, description, keywords = _answer(rng, meta, extras)
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
            target = meta if token == "SELF" else _meta(targets[token], seed, first_id)
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
    return f"q{index:0{width}d}_{meta.id}{ext}", (_BOM + data if bom else data)


# --------------------------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------------------------


def generate(n: int, seed: int = 0, first_id: int = 200000) -> Iterator[tuple[str, bytes]]:
    """Yield (file_name, file_bytes) for n legacy documents, deterministically and lazily."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if first_id < 1:
        raise ValueError(f"first_id must be >= 1, got {first_id}")
    # Six digits as documented; wider only when needed so names still sort in generation order.
    width = max(6, len(str(max(n - 1, 0))))
    for index in range(n):
        yield _document(index, n, seed, first_id, width)


def write_samples(out_dir: Path, n: int, seed: int = 0) -> list[Path]:
    """Write generate(n, seed) into out_dir (created if missing) and return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name, data in generate(n, seed):
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
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("-n must be >= 0")  # exits with status 2, like other usage errors
    paths = write_samples(args.out_dir, args.n, args.seed)
    print(f"wrote {len(paths)} documents to {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
