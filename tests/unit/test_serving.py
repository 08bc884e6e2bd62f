"""`tipline serve` as an operator meets it: a port still held, gunicorn's control socket, the proxy in front.

- test_serve_on_a_port_still_held_names_it_and_how_to_find_the_holder: after `kill -9` of the master alone, its
  orphaned workers keep the port; serve says so in one line and exits 1 instead of gunicorn's five retries.
- test_two_instances_of_one_user_keep_their_control_sockets_apart: gunicorn's control socket lives in the instance
  folder, not in the user's home where a second instance would take it over.
- test_readme_nginx_snippet_buffers_request_bodies_and_sets_only_the_headers_the_app_trusts: the proxy the README
  puts in front reads each body whole (a short or slow body ties up nginx, not a sync worker), accepts the
  site's size limit, and sets X-Forwarded-Proto and X-Forwarded-For but no X-Forwarded-Host.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from tipline import ROOT
from tipline.config import Config


def _tipline(tmp_path, *args: str) -> subprocess.Popen:
    """Start the `tipline` command in a fresh process with its own instance folder and home."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TIPLINE_", "DATABASE_URL", "SECRET_KEY"))}
    clean.pop("XDG_RUNTIME_DIR", None)
    (tmp_path / "home").mkdir(exist_ok=True)
    env = {**clean, "TIPLINE_INSTANCE": str(tmp_path / "instance"), "HOME": str(tmp_path / "home")}
    return subprocess.Popen(
        [sys.executable, "-m", "tipline.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_serve_on_a_port_still_held_names_it_and_how_to_find_the_holder(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1]
        process = _tipline(tmp_path, "serve", "--port", str(port), "--workers", "1")
        _out, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "Traceback" not in err and "Connection in use" not in err
    [line] = err.strip().splitlines()
    assert line.startswith(f"Error: port {port} on 127.0.0.1 is already in use")
    assert f"ss -ltnp 'sport = :{port}'" in line


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def _wait_for_control_socket(folder, process: subprocess.Popen) -> None:
    """Wait (at most a minute) for gunicorn to create its control socket, wherever it puts it, or to exit."""
    for _ in range(600):
        if process.poll() is not None or any(folder.glob("**/gunicorn.ctl")):
            return
        time.sleep(0.1)


def test_two_instances_of_one_user_keep_their_control_sockets_apart(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    processes = []
    try:
        for folder in (first, second):
            folder.mkdir()
            processes.append(_tipline(folder, "serve", "--port", str(_free_port()), "--workers", "1"))
            _wait_for_control_socket(folder, processes[-1])
        for folder in (first, second):
            assert (folder / "instance" / "gunicorn.ctl").is_socket()
            assert not (folder / "home" / ".gunicorn").exists()
    finally:
        for process in processes:
            process.terminate()
            process.communicate(timeout=60)


def _readme_nginx() -> dict[str, list[str]]:
    """The README's nginx snippet as directive -> its arguments (one entry per line, comments dropped)."""
    readme = (ROOT / "README.md").read_text()
    [block] = re.findall(r"```nginx\n(.*?)```", readme, re.S)
    directives: dict[str, list[str]] = {}
    for line in block.splitlines():
        statement = line.split("#", 1)[0].strip().rstrip(";")
        if statement and not statement.endswith(("{", "}")):
            name, _, args = statement.partition(" ")
            directives.setdefault(name, []).append(args.strip())
    return directives


def test_readme_nginx_snippet_buffers_request_bodies_and_sets_only_the_headers_the_app_trusts():
    nginx = _readme_nginx()
    # A sync worker reads the body itself: one declared longer than sent would hold it for the 30 s timeout.
    assert nginx["proxy_request_buffering"] == ["on"]
    assert nginx["client_body_timeout"]
    size = nginx["client_max_body_size"][0]
    assert size.endswith("m") and int(size[:-1]) * 1024 * 1024 > Config.MAX_CONTENT_LENGTH  # the site's own 413
    headers = dict(value.split(None, 1) for value in nginx["proxy_set_header"])
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert not any(name.lower() in ("x-forwarded-host", "x-forwarded-port") for name in headers)
    assert nginx["proxy_pass"] == ["http://127.0.0.1:8000"]  # where tipline-web.service serves


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed here")
def test_readme_nginx_snippet_is_accepted_by_nginx(tmp_path):
    [block] = re.findall(r"```nginx\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    temp = " ".join(
        f"{kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log off; {temp} server {{ listen 127.0.0.1:8080;\n{block}\n}} }}\n"
    )
    result = subprocess.run(["nginx", "-t", "-c", str(config), "-p", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
