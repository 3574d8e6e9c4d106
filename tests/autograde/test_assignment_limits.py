"""An assignment's [limits] set the sandbox's memory and process limits for its jobs."""

from grader.autograde.pipeline import sandbox_limits
from grader.course import Course, defaults


def test_assignment_limits_override_the_course_defaults(tmp_path):
    course = Course(root=tmp_path, config=defaults())
    assert sandbox_limits(course, {}).memory_mb == 4096
    limits = sandbox_limits(course, {"limits": {"memory_mb": 6144, "max_processes": 64, "cell_seconds": 5}})
    assert (limits.memory_mb, limits.max_processes, limits.wall_seconds) == (6144, 64, 900)


def test_the_grading_workers_share_the_cpus(tmp_path, monkeypatch):
    """Each job's thread pools get its share: the CPUs divided among [executor] workers, at least one."""
    import grader.sandbox.limits

    monkeypatch.setattr(grader.sandbox.limits, "available_cpus", lambda: 8)
    config = defaults()
    for workers, cpus in ((1, 8), (2, 4), (3, 2), (16, 1)):
        config["executor"]["workers"] = workers
        assert sandbox_limits(Course(root=tmp_path, config=config), {}).cpus == cpus


def test_free_models_lets_a_worker_build_large_models_in_turn():
    """describe_model forgets each model (clear_session), so VGG-sized models do not pile up."""
    import keras

    from grader.judge import ops

    def build():
        return keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])

    build()  # whatever this process built before, the name counter is past "dense" now
    assert build().layers[0].name != "dense"
    ops.describe_model({"build": build}, "build")
    # describe_model ended with clear_session: the names start again from the first one.
    assert build().layers[0].name == "dense"


def test_reloading_the_code_for_the_judge_is_bounded_by_the_notebook_and_its_limit():
    """A restart loads the code in at most twice the notebook's own time plus a margin, never over its limit."""
    from grader.autograde.judge import RELOAD_MARGIN_SECONDS, reload_seconds

    assert reload_seconds(600, 12.5) == RELOAD_MARGIN_SECONDS + 25
    assert reload_seconds(600, 400) == 600
    assert reload_seconds(20, 0.5) == 20
