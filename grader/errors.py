"""One family of errors that a user can cause.

Every exception here carries a one-line message that says what is wrong and how
to fix it. The CLI turns any :class:`GraderError` into ``Error: <message>`` and
exit status 1; nothing else is allowed to reach a user as a traceback.
"""


class GraderError(Exception):
    "Base class: an error a user can cause and fix."


class CourseNotFound(GraderError):
    "No course directory (grader.toml) was found."


class ConfigError(GraderError):
    "grader.toml is not valid."


class DatasetError(GraderError):
    "A dataset is missing, corrupt or unknown."


class StoreError(GraderError):
    "The database cannot be opened or written."


class AssignmentError(GraderError):
    "An assignment is unknown or badly authored."


class CompetitionError(GraderError):
    "A competition is unknown or badly configured."


class SubmissionError(GraderError):
    """A submission file failed validation.

    ``str(exc)`` is one line: the only problem, or a summary that counts them and
    quotes the first. ``errors`` lists the problems found (at most
    ``MAX_LISTED``, each one line naming its row and column); ``more`` counts
    those found beyond the list.
    """

    MAX_LISTED = 20

    def __init__(self, message: str, errors: list[str] | None = None, more: int = 0):
        super().__init__(message)
        self.errors = list(errors) if errors else [message]
        self.more = more


class LimitExceeded(GraderError):
    "A rate or size limit was reached."


class SandboxError(GraderError):
    "The sandbox cannot run safely here."


class TeamError(GraderError):
    "A team operation is not allowed."


class SiteError(GraderError):
    "The leaderboard site cannot be built or served."


class ExecutorError(GraderError):
    "The grading cluster (Dask scheduler) cannot be reached or used."


class NotFound(GraderError):
    "No such thing, or not one the caller may see (a student never learns which)."


class PermissionDenied(GraderError):
    "The caller is signed in but may not do this."


class TooLarge(SubmissionError):
    "A file is larger than its limit (or would be once decompressed); it is refused before it is stored."
