"""Migrate legacy CMS front-matter exports to JSONL, typed CSV and clean Markdown."""

__version__ = "0.1.0"
