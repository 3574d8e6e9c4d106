"""The ``grader`` command line: thin click commands over library functions.

Each command module in this package registers its commands on :data:`main`.
Heavy imports (TensorFlow, nbgrader, pandas) happen inside the commands, so
``grader --help`` stays instant. Every :class:`grader.errors.GraderError` becomes
``Error: <one line>`` and exit status 1.
"""

from __future__ import annotations

import os
import sys

import click

from grader.errors import GraderError


class GraderGroup(click.Group):
    """A click group that turns domain errors into one-line messages."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted. Run the same command again to resume; finished work is kept.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:
            # A bug of ours, not the user's mistake: still one line, the traceback only on request.
            if os.environ.get("GRADER_DEBUG") == "1":
                raise
            first = str(exc).splitlines()[0][:300] if str(exc) else ""
            raise click.ClickException(
                f"internal error ({type(exc).__name__}: {first}): a bug in cnnkit, not in your input. "
                "Run again with GRADER_DEBUG=1 to see the traceback, and please report it."
            ) from None


@click.group(cls=GraderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--course", "course_dir", type=click.Path(file_okay=False), envvar="GRADER_COURSE",
              help="Course directory (default: the nearest one from the current directory upwards).")
@click.version_option(package_name="cnnkit", prog_name="grader")
@click.pass_context
def main(ctx: click.Context, course_dir: str | None) -> None:
    """cnnkit: autograded CNN assignments and Kaggle-style class competitions."""
    ctx.ensure_object(dict)
    ctx.obj["course_dir"] = course_dir


def get_course(ctx: click.Context):
    """The course this command works on (from --course or the current directory)."""
    from grader.course import find_course

    root = ctx.find_root()
    return find_course(root.obj.get("course_dir") if root.obj else None)


# Command modules register themselves on `main` when imported.
from grader.cli import course as _course  # noqa: E402,F401
from grader.cli import data as _data  # noqa: E402,F401
from grader.cli import doctor as _doctor  # noqa: E402,F401
from grader.cli import site as _site  # noqa: E402,F401
from grader.cli import competitions as _competitions  # noqa: E402,F401
from grader.cli import teams as _teams  # noqa: E402,F401
from grader.cli import assignments as _assignments  # noqa: E402,F401
from grader.cli import score as _score  # noqa: E402,F401
from grader.cli import demo as _demo  # noqa: E402,F401
