"""setuptools hook: the wheel carries the default build, made from the files it ships.

``build_py`` copies the package into the build folder; then the default
build (seeds and the carried national lists) is made from that copy, in a
separate Python process importing it, and written compressed into the
copy's ``tsunagu/data/snapshot/`` (see ``tsunagu/compile/snapshot.py``). An
editable install carries none: its first command builds.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools.command.build_py import build_py


class BuildPyWithSnapshot(build_py):
    def run(self):
        super().run()
        if self.editable_mode or os.environ.get("TSUNAGU_NO_SNAPSHOT") == "1":
            return
        build_lib = Path(self.build_lib).resolve()
        target = build_lib / "tsunagu" / "data" / "snapshot"
        shutil.rmtree(target, ignore_errors=True)  # a build folder reused from an earlier wheel holds its snapshot
        # build_lib first, and pip's own PYTHONPATH kept: an isolated build finds its requirements through it
        path = os.pathsep.join(p for p in (str(build_lib), os.environ.get("PYTHONPATH")) if p)
        # no __pycache__ written into the build folder: the wheel would ship this interpreter's bytecode
        env = dict(os.environ, PYTHONPATH=path, TSUNAGU_BUILD_JOBS=os.environ.get("TSUNAGU_BUILD_JOBS", "1"),
                   PYTHONDONTWRITEBYTECODE="1")
        env.pop("TSUNAGU_SNAPSHOT", None)
        env.pop("TSUNAGU_DATA", None)
        code = ("import sys; from tsunagu.compile.snapshot import make_snapshot; "
                "make_snapshot(sys.argv[1], notice=lambda m: print('snapshot:', m))")
        subprocess.run([sys.executable, "-c", code, str(target)], check=True, env=env, cwd=build_lib)
