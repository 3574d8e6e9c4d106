"""A tiny launcher for jobs started by someone else's Popen (jupyter_client's kernel provisioner).

``python -m grader.sandbox.launch SPEC.json`` joins the job's cgroups, sets the
job's rlimits and then *replaces itself* (execve) with the sandboxed command, in
a clean environment. Because it joins the cgroups before the exec, everything
the command starts is inside the job's groups from its first instruction.

SPEC.json: {"procs": [cgroup.procs paths], "rlimits": {"NOFILE": n, ...},
"argv": [...], "env": {...}}.
"""

from __future__ import annotations

import json
import os
import resource
import sys


def main(argv: list[str]) -> None:
    with open(argv[0], encoding="utf-8") as handle:
        spec = json.load(handle)
    for procs in spec["procs"]:
        with open(procs, "w") as group:
            group.write("0")
    for name, value in spec["rlimits"].items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))
    os.execve(spec["argv"][0], spec["argv"], spec["env"])


if __name__ == "__main__":
    main(sys.argv[1:])
