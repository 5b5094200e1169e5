"""Command line: `python -m pipeline migrate|validate ...`; `main(argv) -> int`."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import click

from pipeline import __version__
from pipeline.defaults import AUTO_POOL_FILES, DEFAULT_FORMATS, DEFAULT_MAX_BYTES, available
from pipeline.errors import ConfigError, PipelineError
from pipeline.load import target_names, writer_names

# The stages (pipeline.run and what it imports) are imported by the commands that use them:
# a rerun with nothing to do stops before them (pipeline.rerun.quick).

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def _formats(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    """Split and check `--format a,b,c`."""
    names = tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    valid = writer_names()
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        raise click.BadParameter(f"unknown format {', '.join(unknown) or '(none)'}; "
                                 f"valid formats: {', '.join(valid)}")
    return names


class _Location(click.ParamType):
    """A local path (which must exist, for an input) or a URL such as s3://bucket/prefix/."""

    name = "path_or_url"

    def __init__(self, must_exist: bool) -> None:
        self.must_exist = must_exist

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Path | str:
        """A URL as it is (see pipeline.storage), a local path as a Path."""
        from pipeline.storage import is_url  # (light: fsspec is imported where a URL is used)

        text = str(value)
        if is_url(text):
            return text
        if self.must_exist and not os.path.exists(text):
            self.fail(f"Path '{text}' does not exist.", param, ctx)
        return Path(text)


def _common(func: click.decorators.FC) -> click.decorators.FC:
    """Options shared by migrate and validate."""
    func = click.argument("inputs", nargs=-1, required=True, type=_Location(True))(func)
    func = click.option("--profile", default="default", show_default=True,
                        help=f"Source profile: one of {', '.join(available())}, "
                             "or a profile .yaml file.")(func)
    func = click.option("--workers", "-j", type=click.IntRange(min=0), default=0,
                        show_default=True,
                        help="Processes for the per-file work (0: every core when there are "
                             f"{AUTO_POOL_FILES} files or more, else 1).")(func)
    func = click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                        show_default=True, help="Refuse input files larger than this.")(func)
    func = click.option("-q", "--quiet", is_flag=True,
                        help="No progress bar and no summary line (errors still show).")(func)
    return func


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`--version`: the version, and whether the compiled core is in use (and why not)."""
    if not value or ctx.resilient_parsing:
        return
    from pipeline.core import version_line

    click.echo(f"pipeline, version {__version__}\n{version_line()}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and whether the compiled core is in use, then exit.")
def cli() -> None:
    """Migrate legacy CMS front-matter exports to JSONL, typed CSV and clean Markdown.

    \b
    Example:
      python -m pipeline migrate input/ --out output/
    """


@cli.command("migrate")
@_common
@click.option("--out", "-o", "out_dir", type=_Location(False), default=Path("output"),
              show_default=True, help="Output folder, or a URL (s3://bucket/prefix/).")
@click.option("--format", "-f", "formats", default=",".join(DEFAULT_FORMATS), show_default=True,
              callback=_formats, help="Comma-separated output formats.")
@click.option("--target", "-t", default="generic", show_default=True,
              type=click.Choice(target_names()), help="Markdown target.")
@click.option("--spreadsheet-safe", is_flag=True,
              help="CSV for spreadsheets: UTF-8 BOM, formula-like text cells neutralised.")
@click.option("--on-error", type=click.Choice(["skip", "fail"]), default="skip",
              show_default=True,
              help="skip: carry on past a bad file (exit 1 at the end); fail: stop at the first "
                   "bad file, leaving the previous outputs in place.")
@click.option("--html", is_flag=True,
              help="Add answer_html (the answer rendered as HTML) to jsonl, csv and parquet.")
@click.option("--assets", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The legacy site's static folder: every local image or file the documents "
                   "reference is copied from it into the Markdown target's static folder "
                   "(missing ones are listed in report.json).")
@click.option("--full", is_flag=True,
              help="Ignore the state of the last run and process every input again.")
@click.option("--verify", is_flag=True,
              help="Hash every input, even those whose size and times say they are unchanged.")
@click.option("--engine", default="local", show_default=True,
              type=click.Choice(["local", "dask"]),
              help="local: this machine's cores; dask: a Dask cluster (see --scheduler).")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="The Dask scheduler to run on (--engine dask; without it a local cluster "
                   "of --workers processes is started).")
@click.option("--partition-files", type=click.IntRange(min=1), default=2000,
              show_default=True,
              help="Inputs per partition of a partitioned run (the unit of work and retry, "
                   "and one part file per table).")
def migrate_cmd(inputs: tuple[Path | str, ...], out_dir: Path | str, formats: tuple[str, ...],
                target: str, profile: str, workers: int, max_bytes: int,
                spreadsheet_safe: bool, on_error: str, html: bool, assets: Path | None,
                full: bool, verify: bool, engine: str, scheduler: str | None,
                partition_files: int, quiet: bool) -> int:
    """Migrate INPUT files and folders into the output folder.

    Writes each format, report.json, and one summary line on stderr. Exit code 0 when every
    file migrated, 1 when some were rejected (all others are written), 2 on a usage error.
    A second run into the same folder opens only inputs whose size, times or inode changed,
    processes only those whose bytes changed, and copies the rest of each table from the
    last run (the state is in DIR/.pipeline/); with nothing changed it only checks, in a
    fraction of a second. The outputs are always the same bytes as a clean run.

    Inputs and --out may be URLs (s3://bucket/prefix/; credentials and endpoint from the AWS
    environment variables or config files). With a URL, or --engine dask, the run is
    partitioned: tables are written as ordered part files (articles/part-00000.jsonl, ...)
    whose concatenation is the local run's file; pages and report.json are the same.

    \b
    Example:
      python -m pipeline migrate input/ --out output/ --format jsonl,csv,markdown --target generic
      python -m pipeline migrate s3://legacy/export/ --out s3://site/migrated/ \\
          --engine dask --scheduler tcp://10.0.0.5:8786
    """
    started = time.perf_counter()
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    remote = any(isinstance(i, str) for i in (*inputs, out_dir))
    if engine != "local" or remote:
        if assets is not None:
            raise ConfigError("--assets is not read by a partitioned run (--engine dask, or a "
                              "URL for an input or the output)",
                              fix="copy the assets with a local run: --engine local and local "
                                  "folders")
        return _partitioned(inputs, out_dir, formats, target, profile, workers, max_bytes,
                            spreadsheet_safe, on_error, html, engine, scheduler,
                            partition_files, quiet)
    inputs_local = tuple(Path(i) for i in inputs)
    out_dir = Path(out_dir)
    checked = prefetch = None
    if not full and not verify and assets is None:  # (files under --assets may have changed)
        from pipeline.rerun import quick, run_settings

        found = quick(list(inputs_local), out_dir,
                      run_settings(formats, profile, target, max_bytes, spreadsheet_safe,
                                   on_error, html), verify, quiet, started)
        if isinstance(found, dict):
            return EXIT_REJECTED if found["rejected"] else EXIT_OK
        checked = found
        if checked is not None:
            from pipeline.rerun import Prefetch

            # Begun before the stages are imported: see Prefetch.
            prefetch = Prefetch.start(checked, out_dir, formats)
    from pipeline.run import Options, migrate

    options = Options(out_dir=out_dir, formats=formats, profile=profile, target=target,
                      workers=workers, max_bytes=max_bytes, spreadsheet_safe=spreadsheet_safe,
                      on_error=on_error, incremental=not full, html=html, quiet=quiet,
                      assets=assets)
    return migrate(inputs_local, options, verify=verify, quick=False, checked=checked,
                   started=started, prefetch=prefetch).exit_code


def _partitioned(inputs: tuple[Path | str, ...], out_dir: Path | str, formats: tuple[str, ...],
                 target: str, profile: str, workers: int, max_bytes: int,
                 spreadsheet_safe: bool, on_error: str, html: bool, engine: str,
                 scheduler: str | None, partition_files: int, quiet: bool) -> int:
    """`migrate` on an engine's partitioned run (a URL, or --engine dask)."""
    from pipeline.engines import get_engine
    from pipeline.run import Options

    options = Options(out_dir=out_dir, formats=formats, profile=profile,  # type: ignore[arg-type]
                      target=target, workers=workers, max_bytes=max_bytes,
                      spreadsheet_safe=spreadsheet_safe, on_error=on_error,
                      incremental=False, html=html, quiet=quiet)
    settings = {"scheduler": scheduler, "workers": workers} if engine == "dask" else \
        {"threads": workers}
    with get_engine(engine, **settings) as runner:
        report = runner.migrate(list(inputs), options, partition=partition_files)
    return int(report.exit_code)


@cli.command()
@_common
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def validate(inputs: tuple[Path, ...], profile: str, workers: int, max_bytes: int, quiet: bool,
             as_json: bool) -> int:
    """Check INPUT files without writing anything (a dry run of migrate).

    \b
    Example:
      python -m pipeline validate input/ --json
    """
    from pipeline.run import Options, migrate

    if any(isinstance(i, str) for i in inputs):
        raise ConfigError("validate reads local files and folders only",
                          fix="copy the inputs here, or run migrate with the URL")
    options = Options(profile=profile, workers=workers, max_bytes=max_bytes, quiet=quiet)
    report = migrate(inputs, options, dry_run=True)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    return report.exit_code


def _corpus_options(func: click.decorators.FC) -> click.decorators.FC:
    """Options shared by inspect and init-profile: inputs, workers, size limit, quiet."""
    func = click.argument("inputs", nargs=-1, required=True,
                          type=click.Path(exists=True, path_type=Path))(func)
    func = click.option("--workers", "-j", type=click.IntRange(min=1),
                        default=os.cpu_count() or 1, show_default="every core",
                        help="Processes reading the files.")(func)
    func = click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                        show_default=True, help="Count input files larger than this as "
                        "unreadable, unread.")(func)
    func = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")(func)
    return func


@cli.command("inspect")
@_corpus_options
@click.option("--json", "as_json", is_flag=True,
              help="Print the inventory as JSON (sorted keys: the same files give the same "
                   "bytes).")
def inspect_cmd(inputs: tuple[Path, ...], workers: int, max_bytes: int, quiet: bool,
                as_json: bool) -> int:
    """Report what is in INPUT files, before migrating them.

    Per front-matter key path (`seo.page_keywords`, `hero.actions[].text`): how many files have
    it, the types seen with counts, a few example values, and traits: JSON-style escapes,
    comma-separated lists, YAML scalar styles, date shapes with the `*format*` values seen
    beside them, keys whose type varies between files. Also numbered key families
    (`related_article1..N`) with their empty slots and duplicate rate, and placeholder bodies.
    Needs no profile; writes nothing.

    \b
    Example:
      python -m pipeline inspect input/
      python -m pipeline inspect ../shared/corpora/hugo-docs --json > inventory.json
    """
    # Imported here: the inventory and the profile drafter are a tenth of a second of imports
    # (ruamel.yaml among them) that a migration does not need.
    from pipeline.inspect import inspect_corpus, render_text

    inventory = inspect_corpus(inputs, workers=workers, max_bytes=max_bytes,
                               quiet=quiet).as_dict()
    if as_json:
        click.echo(json.dumps(inventory, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(render_text(inventory), nl=False)
    return EXIT_OK


def _profile_name(inputs: tuple[Path, ...]) -> str:
    """A profile name from the first input (its folder name, or a file's stem)."""
    first = inputs[0].resolve()
    raw = first.name if first.is_dir() else first.stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.") or "draft"


@cli.command("init-profile")
@_corpus_options
@click.option("--update", "update_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Profile file to update in place: every key and comment in it stays, "
                   "missing keys and fields are added with their reasons, new date formats "
                   "join dates.formats.")
@click.option("--name", help="Profile name (default: the first input folder's name).")
def init_profile_cmd(inputs: tuple[Path, ...], workers: int, max_bytes: int, quiet: bool,
                     update_path: Path | None, name: str | None) -> int:
    """Draft a source profile for INPUT files (YAML on stdout), every choice commented.

    Which legacy key feeds each canonical field, which fields are JSON-escaped, which numbered
    key family becomes the related list, which date formats to accept, where the slug comes
    from, which bodies are placeholders: each with the counts that decided it. The draft is a
    profile `migrate --profile FILE` accepts as it is. With --update FILE the profile you
    edited is rewritten in place (atomically), keeping your edits and comments and adding what
    the files show that it lacks; the change is listed on stderr.

    \b
    Example:
      python -m pipeline init-profile input/ > my-profile.yaml
      python -m pipeline migrate input/ --profile my-profile.yaml --out output/
      python -m pipeline init-profile input/ new-batch/ --update my-profile.yaml
    """
    from pipeline.draft_profile import draft, render, update, write_atomic
    from pipeline.inspect import inspect_corpus
    from pipeline.transform.profile import load_profile, parse_profile

    if name is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise click.BadParameter("use letters, digits, '_', '.' and '-' only",
                                 param_hint="--name")
    if update_path is not None and not update_path.is_file():
        raise ConfigError(f"profile file not found: {update_path}",
                          fix="draft one first: init-profile INPUT > FILE")
    inventory = inspect_corpus(inputs, workers=workers, max_bytes=max_bytes,
                               quiet=quiet).as_dict()
    doc = draft(inventory, name or _profile_name(inputs),
                origin=", ".join(str(p) for p in inputs))
    if update_path is None:
        text = render(doc)
        parse_profile(text, "<draft>")  # a draft migrate would refuse is a bug: fail loudly
        click.echo(text, nl=False)
        return EXIT_OK
    text, added = update(update_path.read_text(encoding="utf-8"), doc, str(update_path))
    write_atomic(update_path, text)
    load_profile.cache_clear()  # profiles are cached by path; this one has just changed
    if not quiet:
        click.echo(f"updated {update_path}: "
                   + (f"added {', '.join(added)}" if added else "nothing new to add"), err=True)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code instead of exiting."""
    try:
        result = cli.main(args=argv, prog_name="pipeline", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as err:
        click.echo(err.ctx.get_help() if err.ctx else str(err), err=True)
        return EXIT_USAGE
    except click.UsageError as err:
        hint = f" (try '{err.ctx.command_path} --help')" if err.ctx else ""
        click.echo(f"Error: {err.format_message()}{hint}", err=True)
        return EXIT_USAGE
    except click.Abort:
        click.echo("Error: aborted", err=True)
        return EXIT_REJECTED
    except ConfigError as err:
        click.echo(f"Error: {err}", err=True)
        return EXIT_USAGE
    except PipelineError as err:
        click.echo(f"Error: {err}", err=True)
        return EXIT_REJECTED
    except OSError as err:
        click.echo(f"Error: {err.filename or ''}: {err.strerror or err}", err=True)
        return EXIT_REJECTED
    if isinstance(result, int):
        return result
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
