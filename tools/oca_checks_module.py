#!/usr/bin/env python3
"""OCA's `oca-checks-odoo-module` (XML, CSV and manifest checks) for this repository.

OCA's hook looks for each file's `__manifest__.py` in the parent directories *below* the git
top level: here the repository root is the addon itself, so the hook finds no addon and checks
nothing. It also takes the addon's name from its directory, which is the checkout's name
(`main`, a worktree's branch), not `tablet_loan`. This wrapper copies the tracked files into a
temporary `tablet_loan/` directory, runs the hook there on the files pre-commit passed, and
prints its findings with paths relative to the repository. Arguments other than file names
(e.g. --disable=...) go to the hook unchanged.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "tablet_loan"


def main(argv):
    options = [arg for arg in argv if arg.startswith("-")]
    files = [arg for arg in argv if not arg.startswith("-")]
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                             capture_output=True).stdout.decode().split("\0")
    with tempfile.TemporaryDirectory(prefix="oca_checks_") as tmp:
        addon = Path(tmp) / MODULE
        for name in filter(None, tracked):
            source = ROOT / name
            if source.is_file():
                target = addon / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        targets = [str(addon / os.path.relpath(Path(f).resolve(), ROOT)) for f in files] or [str(addon)]
        # The hook prints through `rich`, bound to the real stdout: run it as a child and read it.
        code = "import sys; from oca_pre_commit_hooks.cli import main; sys.exit(main())"
        proc = subprocess.run([sys.executable, "-c", code, *options, *targets],
                              capture_output=True, text=True, cwd=tmp)
        prefix = re.compile(r"^/?" + re.escape(str(addon).lstrip("/")) + "/", re.M)
        print(prefix.sub("", proc.stdout + proc.stderr), end="")
        status = proc.returncode
    return status or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
