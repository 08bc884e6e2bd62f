"""`tipline serve` as an operator meets it: a port still held, gunicorn's control socket, the proxy in front.

- test_serve_on_a_port_still_held_names_it_and_how_to_find_the_holder: after `kill -9` of the master alone, its
  orphaned workers keep the port; serve says so in one line and exits 1 instead of gunicorn's five retries.
- test_two_instances_of_one_user_keep_their_control_sockets_apart: gunicorn's control socket lives in the instance
  folder, not in the user's home where a second instance would take it over.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time


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
