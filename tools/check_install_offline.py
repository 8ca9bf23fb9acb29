#!/usr/bin/env python3
"""The README's first command on a machine without Odoo and without network, in seconds.

`make install` is for newcomers: where Odoo is missing it must install it from Odoo's
nightly source, or, offline, stop with exit code 2 and a message saying what to do --
never a traceback, and never after minutes of apt-get or pip. This check plays it:

- a fresh virtual environment (python3 -m venv) in which Odoo is not importable;
- offline: every proxy variable points to a closed port (127.0.0.1:9), pip may use no
  index, and `apt-get` is a stub that records being called and fails;
- `<venv>/bin/python tools/odoo_env.py install` (what `make install PYTHON=...` runs) must
  exit 2 within a minute with the message, without traceback, without calling apt-get.

It also checks the pieces it relies on: the network probe (a local server answers, a closed
port does not), the verdict on `wkhtmltopdf --version`, and the wrapper that turns an
unexpected exception into one sentence. Prints `install check: N passed, M failed`.
"""
import http.server
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import odoo_env  # noqa: E402

DEAD_PROXY = "http://127.0.0.1:9"
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy")
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f"\n     {detail}" if detail and not ok else ""), flush=True)


def offline_env(stub_bin, venv):
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("no_proxy", "pythonpath", "pythonhome", "odoo_source", "pip_find_links")}
    env.update({var: DEAD_PROXY for var in PROXY_VARS})
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", VIRTUAL_ENV=str(venv),
               PATH=f"{stub_bin}:{venv / 'bin'}:{os.environ.get('PATH', '')}")
    return env


def check_offline_install(tmp):
    venv = tmp / "venv"
    started = time.time()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    print(f"     fresh venv in {time.time() - started:.1f}s: {python}", flush=True)
    stub_bin, apt_log = tmp / "bin", tmp / "apt-get-called"
    stub_bin.mkdir()
    for tool in ("apt-get", "apt"):
        stub = stub_bin / tool
        stub.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{apt_log}'\nexit 100\n")
        stub.chmod(0o755)
    env = offline_env(stub_bin, venv)
    probe = subprocess.run([str(python), "-c", "import odoo"], env=env, capture_output=True, check=False)
    check("Odoo is not importable in the fresh venv", probe.returncode != 0)
    started = time.time()
    try:
        proc = subprocess.run([str(python), str(ROOT / "tools" / "odoo_env.py"), "install"], env=env,
                              cwd=tmp, capture_output=True, text=True, timeout=120, check=False)
        rc, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc, output = None, f"still running after {exc.timeout}s"
    elapsed = time.time() - started
    print(textwrap.indent(output.strip(), "     | "), flush=True)
    check(f"install exits with code 2 (got {rc}, in {elapsed:.1f}s)", rc == 2, output[-2000:])
    check("no traceback", "Traceback" not in output)
    check("the message says Odoo is missing and what to do",
          "Odoo 18.0 is not installed for" in output and "then run 'make install' again" in output
          and "nightly.odoo.com" in output and "pip install -e" in output)
    check("it names the unreachable source and the proxy it tried",
          "cannot reach it" in output and DEAD_PROXY in output)
    check("apt-get never called", not apt_log.exists(), apt_log.exists() and apt_log.read_text())
    check("answer within 60 seconds", elapsed < 60)


class Archive(http.server.BaseHTTPRequestHandler):
    """Answers like a server of the archive: its first byte."""

    def do_GET(self):  # noqa: N802 -- http.server's naming
        self.send_response(206)
        self.send_header("Content-Length", "1")
        self.end_headers()
        self.wfile.write(b"\x1f")

    def log_message(self, *args):
        pass


def check_probe(tmp):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Archive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/odoo_18.0.latest.tar.gz"
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.lower().endswith("_proxy")}
    try:
        ok, why = odoo_env.source_reachable(url)
        check("probe: a server that answers is reachable", ok, why)
        os.environ.update({var: DEAD_PROXY for var in PROXY_VARS})
        ok, why = odoo_env.source_reachable(url)
        check("probe: honours the proxy variables (a dead proxy makes it unreachable)",
              not ok and DEAD_PROXY in why, why)
        for var in PROXY_VARS:
            if var not in ("ALL_PROXY", "all_proxy"):
                del os.environ[var]
        ok, why = odoo_env.source_reachable(url)
        check("probe: honours ALL_PROXY, which urllib alone ignores", not ok and DEAD_PROXY in why, why)
        os.environ["no_proxy"] = "127.0.0.1"
        ok, why = odoo_env.source_reachable(url)
        check("probe: honours no_proxy", ok, why)
        for var in ("ALL_PROXY", "all_proxy", "no_proxy"):
            os.environ.pop(var, None)
        started = time.time()
        ok, why = odoo_env.source_reachable("http://127.0.0.1:9/odoo.tar.gz")
        check(f"probe: a closed port is unreachable, at once ({time.time() - started:.1f}s)",
              not ok and time.time() - started < odoo_env.PROBE_TIMEOUT, why)
        archive = tmp / "odoo_18.0.latest.tar.gz"
        archive.write_bytes(b"")
        check("probe: a local copy of the archive needs no network", odoo_env.source_reachable(str(archive))[0])
        check("probe: a missing local copy is refused", not odoo_env.source_reachable(str(tmp / "nope.tgz"))[0])
    finally:
        for var in [*PROXY_VARS, "no_proxy"]:
            os.environ.pop(var, None)
        os.environ.update(saved)
        server.shutdown()


def check_wkhtmltopdf_verdict():
    ok, message = odoo_env.wkhtmltopdf_verdict("wkhtmltopdf 0.12.6\n")
    check("wkhtmltopdf: Debian's build (no patched Qt) is flagged with what PDFs lack and the build to use",
          not ok and all(word in message for word in ("patched Qt", "no header or footer", "image", "MB",
                                                        "0.12.6", odoo_env.WKHTMLTOPDF_RELEASES)), message)
    ok, message = odoo_env.wkhtmltopdf_verdict("wkhtmltopdf 0.12.6.1 (with patched qt)\n")
    check("wkhtmltopdf: the patched build is accepted", ok, message)


def check_unexpected_error_wrapper(tmp):
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT / 'tools')!r})
        import odoo_env
        def boom(_args):
            raise RuntimeError("simulated failure")
        odoo_env.cmd_install = boom
        odoo_env.BUILD = Path({str(tmp)!r})
        sys.argv = ["odoo_env.py", "install"]
        odoo_env.main()
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    check("an unexpected exception gives one clear sentence, exit 1, the traceback in a file",
          proc.returncode == 1 and "Traceback" not in output and "simulated failure" in output
          and (tmp / "odoo_env-error.txt").exists(), output)


def main():
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="tablet_loan_install_check_") as tmp:
        tmp = Path(tmp)
        check_offline_install(tmp)
        check_probe(tmp)
        check_wkhtmltopdf_verdict()
        check_unexpected_error_wrapper(tmp)
    failed = results.count(False)
    print(f"install check done in {time.time() - started:.1f}s")
    print(f"install check: {len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
