"""Scheduled re-checks: every format's exact text (systemd units checked by systemd-analyze, the crontab line
run through sh the way cron runs it, the plist parsed by plistlib, the Windows batch file and schtasks
command), the choice of scheduler, a real crontab round trip, and the command line's one-line refusals.

systemd does not run on this machine (no /run/systemd/system, no user manager), so the systemd installer is
driven through its commands seam by `Recording`, a real object that records each argv and answers like
systemctl does; the unit files it writes are real files, checked by the real `systemd-analyze`."""

from __future__ import annotations

import fcntl
import json
import os
import plistlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest

from optout.paths import Home
from optout.recheck.schedule import Completed, Cron, Machine, Systemd, install_plan, remove_plan
from optout.recheck.schedule_texts import (
    CRON_TAG,
    Job,
    crontab_line,
    current_job,
    launchd_plist,
    merge_crontab,
    schtasks_create,
    secrets_left_out,
    systemd_service,
    systemd_timer,
    windows_script,
)
from optout.recheck.timing import ScheduleError, Timing, first_day, on_calendar, parse_timing
from tests.conftest import Cli

DAILY = parse_timing("daily", None)
WEEKLY = parse_timing("weekly", "6:05")
CRON = parse_timing("*/15 6-18/4 * JAN-mar mon-fri", None)
# Values that break naive quoting in each format: a space, %, both quotes, $, a backslash before %.
AWKWARD = '/tmp/a b/it\'s "q" 100% $HOME \\%x'


def job(python: str = "/opt/my venv/bin/python", home: str = "/srv/optout home") -> Job:
    return Job(
        (python, "-m", "optout", "recheck"),
        (("OPTOUT_HOME", home), ("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")),
        f"{home}/recheck.log",
    )


# -- timing -----------------------------------------------------------------------------------------


def test_timings_and_their_calendars() -> None:
    assert (DAILY.every, DAILY.at, WEEKLY.at) == ("daily", "03:17", "06:05")
    assert CRON.cron == "*/15 6-18/4 * JAN-mar mon-fri"
    assert on_calendar(DAILY) == "*-*-* 03:17:00"
    assert on_calendar(WEEKLY) == "Sun *-*-* 06:05:00"
    assert on_calendar(CRON) == "Mon,Tue,Wed,Thu,Fri *-01,02,03-* 06,10,14,18:00,15,30,45:00"
    assert on_calendar(parse_timing("0 12 1,15 * *", None)) == "*-*-01,15 12:00:00"
    assert on_calendar(parse_timing("5 4 * * 7", None)) == "Sun *-*-* 04:05:00"
    with pytest.raises(ScheduleError, match="--scheduler cron"):
        on_calendar(parse_timing("0 6 1 * mon", None))


@pytest.mark.parametrize(
    ("every", "at", "says"),
    [
        ("hourly", None, "not daily, weekly or a cron expression"),
        ("* * * *", None, "5 fields"),
        ("60 * * * *", None, "minute 60 is out of range"),
        ("* 24 * * *", None, "hour 24 is out of range"),
        ("* * 0 * *", None, "day of month 0"),
        ("* * * foo *", None, "not a number or a name"),
        ("5-1 * * * *", None, "runs backwards"),
        ("*/0 * * * *", None, "a step of 0"),
        ("1;2 * * * *", None, "is not *, N"),
        ("daily", "24:00", "not a time of day"),
        ("weekly", "7:60", "not a time of day"),
        ("daily", "noon", "not a time of day"),
        ("0 6 * * *", "06:00", "--at is for"),
        ("0 0 31 2 *", None, "'0 0 31 2 *' would not run in the next 4 years"),
        ("0 0 31 4,6,9,11 *", None, "would not run in the next 4 years"),
    ],
)
def test_bad_timings_are_refused(every: str, at: str | None, says: str) -> None:
    with pytest.raises(ScheduleError, match=says.replace("*", r"\*")):
        parse_timing(every, at)


def test_a_cron_timing_runs_on_some_day_within_four_years() -> None:
    start = date(2025, 3, 1)
    assert first_day(parse_timing("0 0 29 2 *", None, start), start) == date(2028, 2, 29)  # a leap day
    # Both day fields restricted: either day, as cron reads it (1 March 2025 is a Saturday).
    assert first_day(parse_timing("0 0 13 * 6", None, start), start) == start
    # `*/7` is not a restriction to cron: 29 February must also be a Sunday, first in 2032.
    with pytest.raises(ScheduleError, match="would not run in the next 4 years"):
        parse_timing("0 0 29 2 */7", None, start)
    assert first_day(parse_timing("0 0 29 2 */7", None, date(2029, 3, 1)), date(2029, 3, 1)) == date(2032, 2, 29)


def test_systemd_reads_every_calendar_the_same() -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    for timing in (DAILY, WEEKLY, CRON, parse_timing("0 12 1,15 * *", None)):
        spec = on_calendar(timing)
        done = subprocess.run([analyze, "calendar", spec], capture_output=True, text=True, check=False)
        assert done.returncode == 0, (spec, done.stderr)
    normal = subprocess.run([analyze, "calendar", on_calendar(CRON)], capture_output=True, text=True, check=False)
    assert "Normalized form: Mon..Fri *-01,02,03-* 06,10,14,18:00,15,30,45:00" in normal.stdout


# -- what runs --------------------------------------------------------------------------------------


def test_the_job_carries_optout_variables_as_absolute_paths(tmp_path: Path) -> None:
    where = Home(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    environ = {
        "OPTOUT_HOME": "rel home",
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.EncryptedKeyring",
        "OPTOUT_BROWSER": "/usr/bin/chromium",
        "OPTOUT_FLOWS_DIR": "",
        "PATH": "/usr/bin",
        "SECRET_TOKEN": "never",
    }
    made = current_job(where, environ, python="/v/bin/python")
    assert made.command == ("/v/bin/python", "-m", "optout", "recheck")
    assert dict(made.env) == {
        "OPTOUT_HOME": str(Path.cwd() / "rel home"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.EncryptedKeyring",
        "OPTOUT_BROWSER": "/usr/bin/chromium",
    }
    assert made.log == str(tmp_path / "d" / "recheck.log")
    with pytest.raises(ScheduleError, match="line break"):
        current_job(where, {"OPTOUT_HOME": "/a\nb"}, python="/v/bin/python")


def test_the_job_carries_the_keyring_settings_but_no_secret(tmp_path: Path) -> None:
    where = Home(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    environ = {
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "KEYRING_PROPERTY_FILE_PATH": "keys/mine.cfg",
        "KEYRING_PROPERTY_KEYCHAIN": "/Users/ann/Library/Keychains/optout.keychain-db",
        "KEYRING_CRYPTFILE_PATH": "~/crypt.cfg",
        "KEYRING_PROPERTY_KEYRING_KEY": "the master password",
        "KEYRING_CRYPTFILE_PASSWORD": "another secret",
        "XDG_CONFIG_HOME": "/x/config",
        "XDG_DATA_HOME": "/x/data",
    }
    made = current_job(where, environ, python="/v/bin/python")
    assert made.env == (
        ("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring"),
        ("KEYRING_CRYPTFILE_PATH", str(Path.home() / "crypt.cfg")),
        ("XDG_CONFIG_HOME", "/x/config"),
        ("XDG_DATA_HOME", "/x/data"),
        ("KEYRING_PROPERTY_FILE_PATH", str(Path.cwd() / "keys" / "mine.cfg")),
        ("KEYRING_PROPERTY_KEYCHAIN", "/Users/ann/Library/Keychains/optout.keychain-db"),
    )
    assert secrets_left_out(environ) == ["KEYRING_PROPERTY_KEYRING_KEY"]


# -- systemd ----------------------------------------------------------------------------------------


def test_systemd_units_exact_text() -> None:
    assert systemd_service(job(home=AWKWARD)) == (
        "[Unit]\n"
        "Description=optout: re-check the AI-training settings of your accounts\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "KillMode=mixed\n"
        'Environment="OPTOUT_HOME=/tmp/a b/it\'s \\"q\\" 100%% $HOME \\\\%%x"\n'
        'Environment="PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring"\n'
        'ExecStart="/opt/my venv/bin/python" "-m" "optout" "recheck"\n'
        'StandardOutput=append:/tmp/a b/it\'s "q" 100%% $HOME \\%%x/recheck.log\n'
        'StandardError=append:/tmp/a b/it\'s "q" 100%% $HOME \\%%x/recheck.log\n'
    )
    assert systemd_service(job(python="/p/$x 1%/python")).count('ExecStart="/p/$$x 1%%/python" "-m"') == 1
    for timing, calendar, said in (
        (DAILY, "*-*-* 03:17:00", "every day at 03:17"),
        (WEEKLY, "Sun *-*-* 06:05:00", "every Sunday at 06:05"),
        (CRON, on_calendar(CRON), "on cron schedule */15 6-18/4 * JAN-mar mon-fri"),
    ):
        assert systemd_timer(timing) == (
            "[Unit]\n"
            f"Description=optout: re-check {said}\n"
            "\n"
            "[Timer]\n"
            f"OnCalendar={calendar}\n"
            "Persistent=true\n"
            "RandomizedDelaySec=2min\n"
            "\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        )


class Recording:
    """The commands seam for a machine without systemd: records every argv and answers like the real
    programs would (exit codes and output given per command prefix; `crontab -l`: no crontab)."""

    def __init__(self, answers: dict[tuple[str, ...], Completed] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.answers = {("crontab", "-l"): Completed(1, "", "no crontab for tester\n"), **(answers or {})}

    def run(self, argv: Sequence[str], input: str | None = None) -> Completed:
        self.calls.append(list(argv))
        for prefix, answer in self.answers.items():
            if tuple(argv[: len(prefix)]) == prefix:
                return answer
        return Completed(0, "", "")


def machine(tmp_path: Path, commands: Recording, *, booted: bool, xdg: bool = False) -> Machine:
    (tmp_path / "run-systemd").mkdir(exist_ok=True)
    environ = {"HOME": str(tmp_path / "user home")}
    if xdg:
        environ["XDG_CONFIG_HOME"] = str(tmp_path / "xdg config")
    return Machine(
        "linux",
        commands,
        Home(config_dir=tmp_path / "optout", data_dir=tmp_path / "optout data"),
        environ,
        systemd_booted=tmp_path / ("run-systemd" if booted else "no-such-dir"),
    )


def test_linux_chooses_systemd_only_where_it_runs(tmp_path: Path) -> None:
    answering = Recording()
    assert machine(tmp_path, answering, booted=True).choose().name == "systemd"
    assert answering.calls == [["systemctl", "--user", "show-environment"]]
    no_manager = Recording({("systemctl",): Completed(1, "", "Failed to connect to bus: No medium found")})
    assert machine(tmp_path, no_manager, booted=True).choose().name == "cron"
    assert machine(tmp_path, Recording(), booted=False).choose().name == "cron"
    assert machine(tmp_path, Recording(), booted=True).choose("cron").name == "cron"
    assert [s.name for s in machine(tmp_path, Recording(), booted=False).installed()] == ["systemd", "cron"]
    mac = Machine("darwin", Recording(), Home(tmp_path, tmp_path), {"HOME": str(tmp_path)})
    assert mac.choose().name == "launchd"
    assert Machine("win32", Recording(), Home(tmp_path, tmp_path), {}).choose().name == "schtasks"
    with pytest.raises(ScheduleError, match="--scheduler 'anacron'"):
        mac.choose("anacron")


@pytest.mark.parametrize("xdg", [False, True])
def test_systemd_install_status_remove_under_a_temporary_home(tmp_path: Path, xdg: bool) -> None:
    commands = Recording({("systemctl", "--user", "is-enabled"): Completed(0, "enabled\n", "")})
    box = machine(tmp_path, commands, booted=True, xdg=xdg)
    chosen = box.choose()
    assert isinstance(chosen, Systemd)
    the_job = job(home=str(box.where.data_dir))
    commands.calls.clear()
    for action in install_plan(box, chosen, WEEKLY, the_job):
        action.do()
    units = (tmp_path / ("xdg config" if xdg else "user home/.config")) / "systemd" / "user"
    assert (units / "optout-recheck.service").read_text() == systemd_service(the_job)
    assert (units / "optout-recheck.timer").read_text() == systemd_timer(WEEKLY)
    assert box.where.data_dir.is_dir()  # the log's folder, made before the first run
    assert commands.calls == [
        ["crontab", "-l"],  # no optout line left behind in cron
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "optout-recheck.timer"],
    ]
    entry = chosen.status()
    assert entry is not None and entry.state == "enabled"
    assert entry.files == {
        str(units / "optout-recheck.service"): systemd_service(the_job),
        str(units / "optout-recheck.timer"): systemd_timer(WEEKLY),
    }
    commands.calls.clear()
    for action in remove_plan(box):
        action.do()
    assert commands.calls == [
        ["crontab", "-l"],  # planned first: cron is looked at too
        ["systemctl", "--user", "disable", "--now", "optout-recheck.timer"],
        ["systemctl", "--user", "daemon-reload"],
    ]
    assert sorted(units.iterdir()) == []
    assert chosen.status() is None


def test_a_failing_systemctl_stops_the_install_with_what_it_said(tmp_path: Path) -> None:
    from optout.recheck.schedule_texts import SchedulerFailed

    commands = Recording({("systemctl", "--user", "enable"): Completed(1, "", "Failed to enable unit: nope\n")})
    box = machine(tmp_path, commands, booted=True)
    with pytest.raises(SchedulerFailed, match=r"^systemctl --user enable --now optout-recheck.timer failed "):
        for action in install_plan(box, box.make("systemd"), DAILY, job()):
            action.do()


def test_systemd_analyze_accepts_the_written_units(tmp_path: Path) -> None:
    """systemd's own parser on the files: the Python path with a space and a % must name an executable."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    odd = tmp_path / "my venv 100%" / "bin"
    odd.mkdir(parents=True)
    (odd / "python").symlink_to(sys.executable)
    box = machine(tmp_path, Recording(), booted=True)
    the_job = job(python=str(odd / "python"), home=str(tmp_path / "data dir"))
    for action in box.make("systemd").install(DAILY, the_job):
        action.do()
    units = tmp_path / "user home" / ".config" / "systemd" / "user"
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    for unit in ("optout-recheck.service", "optout-recheck.timer"):
        done = subprocess.run(
            [analyze, "verify", "--user", str(units / unit)], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "not executable" not in done.stderr and "Invalid" not in done.stderr, done.stderr
    # The same check fails when the path is wrong: the test can tell.
    (odd / "python").unlink()
    done = subprocess.run(
        [analyze, "verify", "--user", str(units / "optout-recheck.service")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert f"Command {odd / 'python'} is not executable" in done.stderr


# -- cron -------------------------------------------------------------------------------------------


def test_crontab_line_exact_text() -> None:
    assert crontab_line(DAILY, job()) == (
        "17 3 * * * OPTOUT_HOME='/srv/optout home' PYTHON_KEYRING_BACKEND='keyrings.alt.file.PlaintextKeyring' "
        "'/opt/my venv/bin/python' '-m' 'optout' 'recheck' >>'/srv/optout home/recheck.log' 2>&1 # optout-recheck"
    )
    assert crontab_line(WEEKLY, job()).startswith("5 6 * * 0 OPTOUT_HOME=")
    assert crontab_line(CRON, job()).startswith("*/15 6-18/4 * JAN-mar mon-fri OPTOUT_HOME=")
    assert "OPTOUT_HOME='/tmp/a b/it'\\''s \"q\" 100'\\%' $HOME \\'\\%'x' " in crontab_line(DAILY, job(home=AWKWARD))


def cron_command(line: str) -> str:
    """What cron hands to /bin/sh for a line (crontab(5), Vixie/Debian cron's do_command.c): the text after
    the five time fields, up to the first `%` not escaped by a backslash, with `\\%` turned into `%`."""
    command = line.split(None, 5)[5]
    out, escaped = "", False
    for char in command:
        if escaped:
            out += char if char == "%" else "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            break
        else:
            out += char
    return out + ("\\" if escaped else "")


def test_the_crontab_line_runs_with_every_value_intact(tmp_path: Path) -> None:
    """The line's command, as cron passes it to sh, runs a stand-in Python that records its arguments and
    environment: paths with spaces, %, quotes and $ arrive exactly."""
    folder = tmp_path / 'it\'s 100% "odd" $HOME'
    folder.mkdir()
    python = folder / "py thon"
    record = tmp_path / "record.json"
    python.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        f"json.dump({{'argv': sys.argv[1:], 'home': os.environ.get('OPTOUT_HOME')}}, open({str(record)!r}, 'w'))\n"
        "print('ran')\n"
    )
    python.chmod(0o755)
    the_job = Job((str(python), "-m", "optout", "recheck"), (("OPTOUT_HOME", AWKWARD),), str(folder / "recheck.log"))
    line = crontab_line(DAILY, the_job)
    done = subprocess.run(["/bin/sh", "-c", cron_command(line)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(record.read_text()) == {"argv": ["-m", "optout", "recheck"], "home": AWKWARD}
    assert (folder / "recheck.log").read_text() == "ran\n"


def test_the_crontab_line_runs_the_real_recheck_in_a_bare_environment(tmp_path: Path) -> None:
    """What cron would run, in an environment as bare as cron's: the real `optout recheck` of the home named
    in the line (here with no account: its one-line refusal) is appended to recheck.log in that home."""
    home = tmp_path / "a home 100%"
    environ = {"OPTOUT_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
    the_job = current_job(Home(home, home, scoped=True), environ)
    home.mkdir()
    bare = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    line = crontab_line(DAILY, the_job)
    done = subprocess.run(["/bin/sh", "-c", cron_command(line)], env=bare, capture_output=True, check=False)
    assert done.returncode == 2, done
    log = (home / "recheck.log").read_text()
    assert log.startswith("optout: error: no account configured"), log
    subprocess.run(["/bin/sh", "-c", cron_command(line)], env=bare, capture_output=True, check=False)
    assert (home / "recheck.log").read_text() == log * 2  # appended, never overwritten


def test_merge_keeps_every_other_line_byte_for_byte() -> None:
    others = "MAILTO=me@example.invalid\n# a comment  \n0 1 * * * echo 50\\% done   \n@reboot /bin/true"
    old = f"1 2 * * * old optout {CRON_TAG}\n"
    cut = others.index("\n") + 1
    merged = merge_crontab(others[:cut] + old + others[cut:], "NEW " + CRON_TAG)
    assert merged == others + "\nNEW " + CRON_TAG + "\n"
    assert merge_crontab(merged, None) == others + "\n"
    assert merge_crontab("", None) == ""


def ensure_crontab() -> None:
    """The crontab command, from Debian's cron package when missing and root may install it; else a skip."""
    if shutil.which("crontab") is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "-o", "DPkg::Lock::Timeout=240", "install", "-y", "-qq", "cron"],
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            timeout=300,
            check=False,
        )
    if shutil.which("crontab") is None:
        pytest.skip("no crontab command, and Debian's cron package could not be installed (apt-get install cron)")


@pytest.fixture
def crontab_user() -> Iterator[str]:
    """A throwaway user whose crontab the round trip may change (root only: `crontab -u`)."""
    if os.geteuid() != 0:
        pytest.skip("the crontab round trip uses a throwaway user's crontab, which needs root")
    ensure_crontab()
    user = "optout-cron-test"
    if subprocess.run(["id", user], capture_output=True, check=False).returncode != 0:
        made = subprocess.run(["useradd", "--system", "--no-create-home", user], capture_output=True, check=False)
        if made.returncode != 0 and b"already exists" not in made.stderr:
            pytest.skip(f"cannot create a throwaway user: {made.stderr.decode().strip()}")
    subprocess.run(["crontab", "-u", user, "-r"], capture_output=True, check=False)
    try:
        yield user
    finally:
        subprocess.run(["crontab", "-u", user, "-r"], capture_output=True, check=False)


def crontab_of(user: str) -> str:
    return subprocess.run(["crontab", "-u", user, "-l"], capture_output=True, text=True, check=True).stdout


def test_crontab_round_trip_for_real(tmp_path: Path, crontab_user: str) -> None:
    from optout.recheck.schedule import SystemCommands

    others = "MAILTO=\"\"\n# keep me  \n0 1 * * * echo '50\\% done'   \n@reboot /bin/true\n"
    subprocess.run(["crontab", "-u", crontab_user, "-"], input=others, text=True, check=True)
    box = Machine(
        "linux",
        SystemCommands(),
        Home(config_dir=tmp_path, data_dir=tmp_path / "data"),
        {"HOME": str(tmp_path)},
        systemd_booted=tmp_path / "no systemd",
        crontab=("crontab", "-u", crontab_user),
    )
    cron = box.choose()
    assert isinstance(cron, Cron)
    the_job = job(home=str(tmp_path / "data"))

    for action in install_plan(box, cron, DAILY, the_job):
        action.do()
    assert crontab_of(crontab_user) == others + crontab_line(DAILY, the_job) + "\n"
    assert (tmp_path / "data").is_dir()

    plan = install_plan(box, cron, CRON, the_job)
    assert plan[-1].say.startswith("replace the optout line") and plan[-1].body == crontab_line(CRON, the_job)
    for action in plan:
        action.do()
    now = crontab_of(crontab_user)
    assert now == others + crontab_line(CRON, the_job) + "\n"
    assert [line for line in now.splitlines() if line.endswith(CRON_TAG)] == [crontab_line(CRON, the_job)]

    entry = cron.status()
    assert entry is not None and entry.crontab_lines == [crontab_line(CRON, the_job)]

    for action in remove_plan(box):
        action.do()
    assert crontab_of(crontab_user) == others
    assert cron.status() is None and remove_plan(box) == []


# -- launchd and Windows ----------------------------------------------------------------------------


def test_launchd_plist() -> None:
    for timing, interval in ((DAILY, {"Hour": 3, "Minute": 17}), (WEEKLY, {"Hour": 6, "Minute": 5, "Weekday": 0})):
        agent = plistlib.loads(launchd_plist(timing, job(home=AWKWARD)))
        assert agent == {
            "Label": "org.optout.recheck",
            "ProgramArguments": ["/opt/my venv/bin/python", "-m", "optout", "recheck"],
            "EnvironmentVariables": {
                "OPTOUT_HOME": AWKWARD,
                "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            },
            "StartCalendarInterval": interval,
            "StandardOutPath": f"{AWKWARD}/recheck.log",
            "StandardErrorPath": f"{AWKWARD}/recheck.log",
            "RunAtLoad": False,
            "ProcessType": "Background",
        }
    with pytest.raises(ScheduleError, match=r"^launchd takes --every daily or weekly"):
        launchd_plist(CRON, job())


def test_launchd_install_commands(tmp_path: Path) -> None:
    commands = Recording()
    mac = Machine("darwin", commands, Home(tmp_path, tmp_path / "data"), {"HOME": str(tmp_path / "h")})
    agent = mac.choose()
    for action in install_plan(mac, agent, DAILY, job()):
        action.do()
    plist = tmp_path / "h" / "Library" / "LaunchAgents" / "org.optout.recheck.plist"
    assert plist.read_bytes() == launchd_plist(DAILY, job())
    uid = os.getuid()
    assert commands.calls == [
        ["launchctl", "bootout", f"gui/{uid}/org.optout.recheck"],
        ["launchctl", "bootstrap", f"gui/{uid}", str(plist)],
    ]


def test_windows_task() -> None:
    win = Job(
        (r"C:\Users\Ann Lee\venv\Scripts\python.exe", "-m", "optout", "recheck"),
        (("OPTOUT_HOME", r"D:\100% optout & co"),),
        r"D:\100% optout & co\recheck.log",
    )
    assert windows_script(win) == (
        "@echo off\r\n"
        "rem optout-recheck: written by 'optout schedule install'; removed by 'optout schedule remove'.\r\n"
        'set "OPTOUT_HOME=D:\\100%% optout & co"\r\n'
        '"C:\\Users\\Ann Lee\\venv\\Scripts\\python.exe" "-m" "optout" "recheck" '
        '>> "D:\\100%% optout & co\\recheck.log" 2>&1\r\n'
    )
    script = r"D:\100% optout & co\recheck.cmd"
    assert schtasks_create(DAILY, script) == [
        *("schtasks", "/Create", "/SC", "DAILY", "/TN", "optout-recheck"),
        *("/TR", f'"{script}"', "/ST", "03:17", "/F"),
    ]
    assert schtasks_create(WEEKLY, script)[2:6] == ["/SC", "WEEKLY", "/D", "SUN"]
    with pytest.raises(ScheduleError, match=r"^Task Scheduler takes --every daily or weekly"):
        schtasks_create(CRON, script)
    with pytest.raises(ScheduleError, match="double quote"):
        windows_script(Job(('C:\\a"b',), (), "C:\\log"))


# -- the command line -------------------------------------------------------------------------------


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("optout: error: "), done.stderr
    assert done.stdout == ""
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--every", "0 25 * * *"], "hour 25 is out of range"),
        (["--every", "hourly"], "is not daily, weekly or a cron expression"),
        (["--at", "24:30"], "not a time of day"),
        (["--scheduler", "launchd", "--every", "0 6 * * *"], "launchd takes --every daily or weekly"),
        (["--scheduler", "systemd", "--every", "0 6 1 * mon"], "use --scheduler cron"),
        (["--every", "0 0 31 2 *"], "--every '0 0 31 2 *' would not run in the next 4 years"),
    ],
)
def test_bad_install_options_are_one_line_exit_2(cli: Cli, args: list[str], says: str) -> None:
    assert says in one_line_error(cli("schedule", "install", "--dry-run", *args))


def test_dry_run_install_shows_the_files_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    user_home = tmp_path / "user home"
    done = cli(
        "schedule",
        "install",
        "--scheduler",
        "systemd",
        "--every",
        "weekly",
        "--at",
        "4:30",
        "--dry-run",
        env={"HOME": str(user_home), "XDG_CONFIG_HOME": None, "OPTOUT_BROWSER": "/usr/bin/chromium"},
    )
    assert done.returncode == 0, done.stderr
    units = user_home / ".config" / "systemd" / "user"
    the_job = Job(
        (sys.executable, "-m", "optout", "recheck"),
        (
            ("OPTOUT_HOME", str(cli.home)),
            ("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring"),
            ("OPTOUT_BROWSER", "/usr/bin/chromium"),
            ("XDG_DATA_HOME", cli.env["XDG_DATA_HOME"]),
        ),
        str(cli.home / "recheck.log"),
    )
    weekly = Timing("weekly", 4, 30)
    assert done.stdout.startswith(
        "Dry run: nothing is changed. Would:\n"
        f"- create {cli.home}\n"
        f"- write {units / 'optout-recheck.service'}\n{systemd_service(the_job)}"
        f"- write {units / 'optout-recheck.timer'}\n{systemd_timer(weekly)}"
        "- run systemctl --user daemon-reload\n"
        "- run systemctl --user enable --now optout-recheck.timer\n"
        f"Would run {sys.executable} -m optout recheck every Sunday at 04:30 (local time) through a systemd "
        "user timer"
    ), done.stdout
    assert not user_home.exists()


@pytest.fixture(autouse=True)
def one_test_at_a_time_on_this_users_crontab() -> Iterator[None]:
    """This user's crontab is one for every test worker: a test that installs a line there (the round
    trip) must not be seen by another that reads it (any `schedule install` looks at cron). Tests here
    take turns across workers."""
    with open(Path(tempfile.gettempdir()) / "optout-tests-crontab.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


@pytest.fixture
def own_crontab() -> Iterator[str]:
    """This user's crontab, saved and put back whatever happens (lines that were there are kept)."""
    ensure_crontab()
    done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    saved = done.stdout if done.returncode == 0 else None
    if saved is not None and CRON_TAG in saved:
        pytest.skip("this user's crontab has a real optout schedule: not touched")
    try:
        yield saved or ""
    finally:
        if saved is None:
            subprocess.run(["crontab", "-r"], capture_output=True, check=False)
        else:
            subprocess.run(["crontab", "-"], input=saved, text=True, check=True)


def test_cli_round_trip_on_this_users_crontab(cli: Cli, tmp_path: Path, own_crontab: str) -> None:
    env: dict[str, str | None] = {"HOME": str(tmp_path / "no-systemd-home")}
    installed = cli("schedule", "install", "--scheduler", "cron", "--every", "30 5 * * 1-5", env=env)
    assert installed.returncode == 0, installed.stderr
    now = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=True).stdout
    ours = [line for line in now.splitlines() if line.endswith(CRON_TAG)]
    assert len(ours) == 1 and ours[0].startswith("30 5 * * 1-5 OPTOUT_HOME=")
    assert now.replace(ours[0] + "\n", "") == own_crontab
    assert f"- add this crontab line (crontab -)\n{ours[0]}\n" in installed.stdout

    status = cli("schedule", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == {
        "installed": True,
        "entries": [{"scheduler": "cron", "files": {}, "crontab_lines": ours, "state": None}],
        "log": str(cli.home / "recheck.log"),
    }
    assert ours[0] in cli("schedule", "status", env=env).stdout

    removed = cli("schedule", "remove", env=env)
    assert removed.returncode == 0, removed.stderr
    assert f"- remove this crontab line (crontab -)\n{ours[0]}\n" in removed.stdout
    assert subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False).stdout == own_crontab
    gone = cli("schedule", "status", env=env)
    assert gone.returncode == 1 and "No optout schedule is installed" in gone.stdout
    assert "nothing to remove" in cli("schedule", "remove", env=env).stdout


def test_readme_documents_scheduled_rechecks() -> None:
    from tests.conftest import REPO

    text = (REPO / "README.md").read_text()
    section = text.split("## Scheduled re-checks", 1)[1].split("\n## ", 1)[0]
    for words in ("optout schedule install", "optout schedule status", "optout schedule remove", "--dry-run"):
        assert words in section
    for words in ("optout-recheck.timer", "# optout-recheck", "org.optout.recheck.plist", "schtasks", "recheck.log"):
        assert words in section


def test_the_scheduled_job_finds_the_passwords_of_the_installing_shell(
    cli: Cli, tmp_path: Path, own_crontab: str
) -> None:
    """A keyring file named by KEYRING_PROPERTY_FILE_PATH (not where keyring looks by default): the job
    installed from that shell, run as cron runs it in a bare environment, finds the stored password, and
    `schedule status` shows the setting it carries."""
    from tests.test_cli import add_account

    keys = tmp_path / "my keys" / "optout.cfg"
    shell: dict[str, str | None] = {"HOME": str(tmp_path / "no-systemd-home"), "KEYRING_PROPERTY_FILE_PATH": str(keys)}
    assert add_account(cli, "alice@example.com", "alice-demo-pass", env=shell).returncode == 0
    assert keys.is_file()
    installed = cli("schedule", "install", "--scheduler", "cron", env=shell)
    assert installed.returncode == 0, installed.stderr
    status = cli("schedule", "status", env=shell)
    assert status.returncode == 0, status.stderr
    (line,) = [row for row in status.stdout.splitlines() if row.endswith(CRON_TAG)]
    assert f"KEYRING_PROPERTY_FILE_PATH='{keys}'" in line
    # The job's own line, asked what `optout recheck` would find (without signing in anywhere).
    listing = cron_command(line).replace("'recheck'", "'accounts' 'list' '--json'")
    bare = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["/bin/sh", "-c", listing], env=bare, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    (account,) = json.loads((cli.home / "recheck.log").read_text())
    assert (account["username"], account["password_stored"]) == ("alice@example.com", True)
    assert cli("schedule", "remove", env=shell).returncode == 0


def test_a_dry_run_needs_no_crontab_command(cli: Cli, tmp_path: Path) -> None:
    nothing = tmp_path / "empty bin"
    nothing.mkdir()
    env: dict[str, str | None] = {"PATH": str(nothing), "HOME": str(tmp_path / "user home")}
    dry = cli("schedule", "install", "--scheduler", "cron", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    said = lines.index("- add this crontab line (crontab -; crontab is not installed here)")
    assert lines[said + 1].startswith("17 3 * * * OPTOUT_HOME=") and lines[said + 1].endswith(CRON_TAG)
    real = cli("schedule", "install", "--scheduler", "cron", env=env)
    assert real.returncode == 3
    assert real.stderr == "optout: error: crontab - failed (exit 127): crontab: command not found\n"


def fake_systemctl(tmp_path: Path, fails_on: str) -> tuple[Path, Path]:
    """The OS command seam: a `systemctl` that writes down each call and fails for `fails_on`, as a user
    manager refusing a unit would. Its folder (first on PATH) and its call log."""
    folder = tmp_path / "fake bin"
    folder.mkdir()
    calls = tmp_path / "systemctl calls"
    script = folder / "systemctl"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"open({str(calls)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        f"if {fails_on!r} in sys.argv[1:]:\n"
        "    sys.exit('Failed to enable unit: Unit file optout-recheck.timer is masked.')\n"
    )
    script.chmod(0o755)
    return folder, calls


@pytest.mark.parametrize("before", [False, True])
def test_a_failed_systemd_install_puts_back_what_was_there(cli: Cli, tmp_path: Path, before: bool) -> None:
    folder, calls = fake_systemctl(tmp_path, fails_on="enable")
    user_home = tmp_path / "user home"
    units = user_home / ".config" / "systemd" / "user"
    if before:
        units.mkdir(parents=True)
        (units / "optout-recheck.service").write_text("[Service]\nExecStart=/old/optout recheck\n")
        (units / "optout-recheck.timer").write_text("[Timer]\nOnCalendar=*-*-* 01:00:00\n")
    env: dict[str, str | None] = {"PATH": f"{folder}:{os.environ['PATH']}", "HOME": str(user_home)}
    env["XDG_CONFIG_HOME"] = None
    done = cli("schedule", "install", "--scheduler", "systemd", env=env)
    assert done.returncode == 3
    assert done.stderr == (
        "optout: error: systemctl --user enable --now optout-recheck.timer failed (exit 1): Failed to enable "
        "unit: Unit file optout-recheck.timer is masked.; what was done before it is undone\n"
    )
    if before:
        assert (units / "optout-recheck.service").read_text() == "[Service]\nExecStart=/old/optout recheck\n"
        assert (units / "optout-recheck.timer").read_text() == "[Timer]\nOnCalendar=*-*-* 01:00:00\n"
    else:
        assert sorted(units.iterdir()) == []
    disable = [] if before else ["--user disable --now optout-recheck.timer"]
    assert calls.read_text().splitlines() == [
        "--user daemon-reload",
        "--user enable --now optout-recheck.timer",
        *disable,
        "--user daemon-reload",
    ]
