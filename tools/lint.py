#!/usr/bin/env python3
"""`make lint`: OCA's code checks (.pre-commit-config.yaml) over every tracked file.

Runs `pre-commit run --all-files` (pre-commit installs each hook's tool from PyPI the first time,
into ~/.cache/pre-commit), then prints one line per hook and `lint: N passed, M failed`, N and M
counting hooks (a hook with no file to check counts as passed). Hooks that fix files (ruff --fix,
trailing whitespace, end of file) leave their fixes in the working tree and fail: run again.
Extra arguments go to pre-commit, e.g. `python3 tools/lint.py --hook-stage manual` or a hook id.
"""
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# pre-commit's status lines: "ruff....................Passed", "check xml....(no files to check)Skipped"
STATUS = re.compile(r"^(?P<name>.+?)\.{2,}(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)$")


def main(argv):
    hook_args = [arg for arg in argv if not arg.startswith("-")]
    options = [arg for arg in argv if arg.startswith("-")]
    cmd = [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--show-diff-on-failure",
           *options, *hook_args]
    if "--files" not in options:
        cmd.append("--all-files")
    started = time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        match = STATUS.match(line.rstrip())
        if match:
            results.append((match["name"].strip(), match["status"]))
    rc = proc.wait()
    passed = sum(status != "Failed" for _, status in results)
    failed = sum(status == "Failed" for _, status in results)
    if rc and not failed:  # pre-commit itself failed (no network for a hook's tool, bad config)
        failed = 1
    print(f"lint: {len(results)} hooks in {time.time() - started:.0f}s"
          + (f"; failed: {', '.join(name for name, status in results if status == 'Failed')}" if failed else ""))
    print(f"lint: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
