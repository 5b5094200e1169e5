"""Command line: `python -m pipeline migrate|validate ...`; `main(argv) -> int`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import ConfigError, PipelineError
from pipeline.extract import DEFAULT_MAX_BYTES
from pipeline.load import writer_names
from pipeline.load.markdown import target_names
from pipeline.run import DEFAULT_FORMATS, Options, migrate
from pipeline.transform.profile import available

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


def _common(func: click.decorators.FC) -> click.decorators.FC:
    """Options shared by migrate and validate."""
    func = click.argument("inputs", nargs=-1, required=True,
                          type=click.Path(exists=True, path_type=Path))(func)
    func = click.option("--profile", default="default", show_default=True,
                        help=f"Source profile: one of {', '.join(available())}, "
                             "or a profile .yaml file.")(func)
    func = click.option("--workers", "-j", type=click.IntRange(min=1), default=1,
                        show_default=True, help="Processes for the per-file work.")(func)
    func = click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                        show_default=True, help="Refuse input files larger than this.")(func)
    func = click.option("-q", "--quiet", is_flag=True,
                        help="No progress bar and no summary line (errors still show).")(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="pipeline")
def cli() -> None:
    """Migrate legacy CMS front-matter exports to JSONL, typed CSV and clean Markdown.

    \b
    Example:
      python -m pipeline migrate input/ --out output/
    """


@cli.command("migrate")
@_common
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("output"), show_default=True, help="Output folder.")
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
@click.option("--full", is_flag=True,
              help="Ignore the manifest of the last run and process every input again.")
def migrate_cmd(inputs: tuple[Path, ...], out_dir: Path, formats: tuple[str, ...], target: str,
                profile: str, workers: int, max_bytes: int, spreadsheet_safe: bool,
                on_error: str, html: bool, full: bool, quiet: bool) -> int:
    """Migrate INPUT files and folders into the output folder.

    Writes each format, report.json, and one summary line on stderr. Exit code 0 when every
    file migrated, 1 when some were rejected (all others are written), 2 on a usage error.
    A second run into the same folder re-uses the outcome of every input whose bytes did not
    change (the manifest is in DIR/.pipeline/); the outputs are the same bytes as a clean run.

    \b
    Example:
      python -m pipeline migrate input/ --out output/ --format jsonl,csv,markdown --target generic
    """
    options = Options(out_dir=out_dir, formats=formats, profile=profile, target=target,
                      workers=workers, max_bytes=max_bytes, spreadsheet_safe=spreadsheet_safe,
                      on_error=on_error, incremental=not full, html=html, quiet=quiet)
    return migrate(inputs, options).exit_code


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
    options = Options(profile=profile, workers=workers, max_bytes=max_bytes, quiet=quiet)
    report = migrate(inputs, options, dry_run=True)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    return report.exit_code


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
