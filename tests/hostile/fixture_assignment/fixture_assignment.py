# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A tiny assignment for grading the grader
#
# Two small functions, each with a visible test cell, and one written answer.

# %%
import numpy as np

# %% nbgrader="solution" grade_id="double"
def double(x):
    """Every value times two, as float64."""
    ### BEGIN SOLUTION
    return np.asarray(x, dtype=np.float64) * 2
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_double" points=10
assert np.allclose(double([1, 2]), [2.0, 4.0]), "double must multiply by 2"
### BEGIN HIDDEN TESTS
assert np.allclose(double(np.arange(5)), np.arange(5) * 2.0)
### END HIDDEN TESTS

# %% nbgrader="solution" grade_id="clip01"
def clip01(x):
    """Values clipped into [0, 1]."""
    ### BEGIN SOLUTION
    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_clip01" points=10
assert np.array_equal(clip01([-1, 0.5, 3]), [0.0, 0.5, 1.0]), "clip01 must clip into [0, 1]"

# %% [markdown] nbgrader="manual" grade_id="explain" points=5
# YOUR ANSWER HERE
