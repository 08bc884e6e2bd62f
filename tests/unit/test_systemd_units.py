"""The systemd units shipped in the package (tipline/deploy/systemd): what an operator installs as the README says.

- test_units_stop_every_process_restart_on_failure_and_run_confined: each unit runs as the tipline user with the
  environment file, kills its whole control group (workers orphaned by a killed master go too), restarts on
  failure, and may write only its state and log folders, where the instance folder and beat's schedule are.
- test_units_pass_systemd_analyze_verify: systemd reads them without a warning (where systemd-analyze exists).
"""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from importlib.resources import files

import pytest

UNITS = files("tipline") / "deploy" / "systemd"
NAMES = ("tipline-web.service", "tipline-worker.service", "tipline-beat.service")


def _read(name: str) -> configparser.ConfigParser:
    """A unit as systemd's sections and keys (key case kept)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string((UNITS / name).read_text())
    return parser


def _environment(service: configparser.SectionProxy) -> dict[str, str]:
    return dict(item.split("=", 1) for item in shlex.split(service["Environment"]))


@pytest.mark.parametrize("name", NAMES)
def test_units_stop_every_process_restart_on_failure_and_run_confined(name):
    unit = _read(name)
    service = unit["Service"]
    assert service["User"] == "tipline"
    assert service["EnvironmentFile"] == "/etc/tipline/tipline.env"
    assert service["KillMode"] == "control-group"
    assert service["Restart"] == "on-failure"
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices"):
        assert service[key] == "yes", key
    assert service["ProtectSystem"] == "strict"
    writable = service["ReadWritePaths"].split()
    instance = _environment(service)["TIPLINE_INSTANCE"]
    assert instance in writable
    assert "/var/log/tipline" in writable  # the README's AUDIT_ANCHOR_FILE
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_web_unit_serves_on_the_address_the_proxy_passes_to_and_beat_keeps_its_schedule_writable():
    web = shlex.split(_read("tipline-web.service")["Service"]["ExecStart"])
    assert web[1:] == ["serve", "--host", "127.0.0.1", "--port", "8000"]
    beat = _read("tipline-beat.service")["Service"]
    command = shlex.split(beat["ExecStart"])
    schedule = command[command.index("-s") + 1]
    assert command[1:5] == ["-A", "tipline.worker:celery", "beat", "-l"]
    assert any(schedule.startswith(folder + "/") for folder in beat["ReadWritePaths"].split())


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_units_pass_systemd_analyze_verify(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in ("tipline", "celery"):  # verify checks that ExecStart exists; the checkout is not in /opt here
        (bin_dir / program).symlink_to(shutil.which("true"))
    for name in NAMES:
        text = (UNITS / name).read_text().replace("/opt/tipline/.venv/bin/", f"{bin_dir}/")
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in NAMES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
