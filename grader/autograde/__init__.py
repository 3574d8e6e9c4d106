"""Autograding a notebook submission: a pipeline of small named steps.

Read :func:`grader.autograde.pipeline.grade_submission` top to bottom:

1. :mod:`~grader.autograde.tamper`  -- read the notebook; restore locked and test cells
   from the gradebook by checksum (nbgrader's OverwriteCells, CheckCellMetadata,
   OverwriteKernelspec); re-add deleted grade cells.
2. :mod:`~grader.autograde.execute` -- run it in a kernel inside the sandbox, with per-cell
   and whole-notebook limits and capped output; a dead or hung kernel fails every
   remaining graded cell.
3. :mod:`~grader.autograde.judge`   -- the hidden pytest checks against the student's code
   running in the sandbox (only data crosses).
4. :mod:`~grader.autograde.late`    -- the late penalty from the submission's timestamp.
5. :mod:`~grader.autograde.record`  -- nbgrader's SaveAutoGrades into ``gradebook.db`` and the
   autograded notebook into ``autograded/<student>/<assignment>/``.

:mod:`~grader.autograde.jobs` runs the pipeline for many submissions, keyed by
(assignment, student, sha256) in the store, so that grading is resumable.
"""
