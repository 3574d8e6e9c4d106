"""The judge: hidden pytest checks run in the trusted process against the student's code.

Judge tests (``assignments/<id>/judge/test_*.py``) use the ``student`` fixture of
:mod:`grader.judge.plugin`; the student's code runs behind a
:class:`grader.judge.backend.StudentBackend` and only data crosses
(:mod:`grader.judge.codec`). :func:`run_judge` runs a judge folder and returns
a :class:`JudgeReport`.
"""

from grader.judge.backend import (InProcessBackend, StudentBackend, StudentBadOutput, StudentFailure,
                                  StudentMissing, StudentRaised, StudentTimeout)
from grader.judge.codec import CodecError

__all__ = ["CodecError", "InProcessBackend", "JudgeReport", "StudentBackend", "StudentBadOutput", "StudentFailure",
           "StudentMissing", "StudentRaised", "StudentTimeout", "run_judge"]


def __getattr__(name):
    # The runner pulls in pytest; import it only when asked for.
    if name in ("run_judge", "JudgeReport"):
        from grader.judge import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'grader.judge' has no attribute {name!r}")
