"""The service layer: what a student or an instructor may do, for both faces of cnnkit.

The ``grader`` command line (an instructor at the course's terminal) and the class
server's pages and JSON API call these functions and nothing below them; neither
face holds a rule of its own. Every function takes the caller (a
:class:`grader.auth.Principal`) and decides what that caller may see and do: a
student acts for their own team and sees their own work, an instructor acts for
anyone. The rules themselves (daily limits, selections, the reveal, late files)
stay in :mod:`grader.competitions` and :mod:`grader.autograde`; this layer only
puts the caller in front of them.

Modules: :mod:`~grader.service.competitions`, :mod:`~grader.service.assignments`.
"""

from grader.auth import INSTRUCTOR, STUDENT, Principal

__all__ = ["INSTRUCTOR", "STUDENT", "Principal", "COURSE_TERMINAL"]

# The instructor at the course's own terminal: what the local CLI acts as.
COURSE_TERMINAL = Principal(role=INSTRUCTOR, id="terminal", name="the course's terminal")
