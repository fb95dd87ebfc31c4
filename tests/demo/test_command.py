"""``dynamo demo`` as a user runs it: a real process, stopped by SIGINT/SIGTERM with no process
left behind (checked with psutil); refusals; a folder belongs to one running demo."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from demo_process import (
    EXIT_TIMEOUT,
    LAB_TIMEOUT,
    REPO,
    START_TIMEOUT,
    DemoProcess,
    assert_gone,
    command,
    isolated_env,
)

from dynamo_magic import cli
from dynamo_magic.demo import (
    PROD,
    TABLE,
    FolderInUse,
    data,
    run,
    start_demo,
)
from dynamo_magic.demo.lock import FolderLock

from conftest import subprocess_env
from moto_servers import port_pair


# -- `dynamo demo` as a process ----------------------------------------------------------------
@pytest.fixture
def demo_process(tmp_path: Path) -> Iterator[list[DemoProcess]]:
    started: list[DemoProcess] = []
    yield started
    for process in started:  # a failed test leaves nothing behind either
        if process.process.poll() is None:
            process.kill()
            process.process.wait()


@pytest.mark.parametrize(
    ("sig", "module"),
    [(signal.SIGINT, "dynamo_magic.demo"), (signal.SIGTERM, "dynamo_magic.cli")],
)
def test_no_lab_prints_variables_serves_and_stops_on_a_signal(tmp_path, demo_process, sig, module):
    env = isolated_env(tmp_path)
    env |= {"AWS_PROFILE": "mine", "AWS_DEFAULT_REGION": "eu-west-1"}  # the user's shell
    port = port_pair()
    args = ["demo", "--no-lab", "--port", str(port)] if module.endswith("cli") else ["--no-lab"]
    demo = DemoProcess(args, env, module)
    demo_process.append(demo)
    demo.wait_for("Ctrl-C stops the demo", START_TIMEOUT)
    variables = demo.variables()
    assert {"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "DYNAMO_MAGIC_CONFIG"} <= set(
        variables
    )
    folder = Path(variables["AWS_CONFIG_FILE"]).parent
    # the region is the demo's whatever the shell says; a profile of the shell is to be unset
    assert variables["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "# and unset AWS_PROFILE (they would override the profiles)" in demo.seen
    if module.endswith("cli"):
        assert f"127.0.0.1:{port}" in "\n".join(demo.seen)
        assert f"127.0.0.1:{port + 1}" in "\n".join(demo.seen)
    else:  # the default folder: a fresh one under $XDG_CACHE_HOME
        assert folder.parent == tmp_path / "cache" / "dynamo_magic"
    # another process sees both accounts through the printed variables alone
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "dynamo_magic.cli",
            "query",
            "-t",
            TABLE,
            "--scan",
            "--count",
            "-e",
            PROD,
        ],
        # a shell that exported the lines (its eu-west-1 replaced) and unset what they say
        env={k: v for k, v in env.items() if k != "AWS_PROFILE"} | variables,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    assert int(check.stdout.strip()) == len(data.build().prod)
    servers = demo.tree()
    assert len([p for p in servers if "moto.server" in command(p)]) == 2
    code, stderr = demo.stop(sig)
    assert code == 0 and "Stopping the demo." in stderr and "Traceback" not in stderr
    assert_gone(servers)
    assert not (tmp_path / "home" / ".aws").exists()


def test_ctrl_c_while_starting_leaves_nothing(tmp_path, demo_process):
    demo = DemoProcess(["--no-lab"], isolated_env(tmp_path))
    demo_process.append(demo)
    deadline = time.monotonic() + START_TIMEOUT
    servers: list[psutil.Process] = []
    while not servers and time.monotonic() < deadline:  # the first server is starting
        servers = [p for p in demo.tree() if "moto.server" in command(p)]
        time.sleep(0.05)
    assert servers, demo.stderr()
    tree = demo.tree()
    code, stderr = demo.stop(signal.SIGINT)
    assert code == 0 and "Stopping the demo." in stderr and "Traceback" not in stderr
    assert_gone(tree)


def test_cli_port_in_use_exits_2_with_one_line(tmp_path, demo_process):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = DemoProcess(["--no-lab", "--port", str(port)], isolated_env(tmp_path))
        demo_process.append(demo)
        code = demo.process.wait(timeout=START_TIMEOUT)
    stderr = demo.stderr()
    assert code == 2
    assert stderr.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is in use: choose another port, or leave the port out "
        "to take free ones"
    ]


def test_missing_jupyterlab_is_one_line_and_starts_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(run, "lab_installed", lambda: False)
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    assert cli.main(["demo", "--folder", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "Error: JupyterLab is not installed: pip install 'dynamo_magic[demo]' (or use --no-lab)"
    ]
    assert not (tmp_path / "never").exists()
    assert {child.pid for child in psutil.Process().children(recursive=True)} <= before


@pytest.mark.parametrize("port", ["0", "65535", "-1"])
def test_ports_out_of_range_are_refused(tmp_path, capsys, port):
    assert cli.main(["demo", "--no-lab", "--port", port, "--folder", str(tmp_path / "d")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"Error: --port {port} is not a usable port: give 1 to 65534 (demo-dev takes the next one)"
    )
    assert not (tmp_path / "d").exists()


def test_folder_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert cli.main(["demo", "--no-lab", "--folder", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_lab_runs_with_the_demo_variables_and_stops_with_everything(tmp_path, demo_process):
    env = isolated_env(tmp_path)
    # a user's shell with AWS settings of its own: none may reach the demo's kernels
    env |= {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    env |= {"AWS_PROFILE": "mine", "AWS_ACCESS_KEY_ID": "AKIAUSER", "AWS_SESSION_TOKEN": "t"}
    demo = DemoProcess(["--folder", str(tmp_path / "demo")], env)
    demo_process.append(demo)
    lines = demo.wait_for("Ctrl-C stops the demo", LAB_TIMEOUT)
    lab_lines = [line for line in lines if "JupyterLab on" in line]
    assert len(lab_lines) == 1, (lines, demo.stderr())
    url = lab_lines[0].split(": ", 1)[1]
    base, token = url.split("/lab", 1)[0], url.split("token=", 1)[1]
    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=60) as answer:
        assert "started" in json.load(answer)
    with urllib.request.urlopen(f"{base}/api/contents?token={token}", timeout=60) as answer:
        names = {entry["name"] for entry in json.load(answer)["content"]}
    # a copy of the notebooks in the demo's folder: running and saving them leaves the checkout
    assert {"quickstart.ipynb", "copy.ipynb", "api.ipynb"} <= names
    assert "/lab/tree/quickstart.ipynb" in url
    assert (tmp_path / "demo" / "notebooks" / "quickstart.ipynb").is_file()
    tree = demo.tree()
    (lab,) = [p for p in tree if "jupyterlab" in p.cmdline()]
    lab_env = lab.environ()  # what every kernel JupyterLab starts inherits
    variables = demo.variables()
    assert all(lab_env.get(name) == value for name, value in variables.items())
    assert variables["AWS_DEFAULT_REGION"] == variables["AWS_REGION"] == "us-east-1"
    assert {name for name in lab_env if name.startswith("AWS_")} == set(variables) - {
        "DYNAMO_MAGIC_CONFIG"
    }
    # a terminal of the demo runs the shell as is (a login shell would reset PATH)
    with urllib.request.urlopen(
        urllib.request.Request(f"{base}/api/terminals?token={token}", method="POST"), timeout=60
    ) as answer:
        assert json.load(answer)["name"]
    deadline = time.monotonic() + 30
    while not (shells := [p for p in lab.children() if p.name() in ("bash", "sh", "zsh")]):
        assert time.monotonic() < deadline, "no terminal shell started"
        time.sleep(0.2)
    assert "-l" not in shells[0].cmdline()
    assert shells[0].environ()["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    tree = demo.tree()  # the terminal's shell is stopped with the rest
    # `!dynamo` in a kernel finds this Python's CLI, activated or not
    assert lab_env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    code, stderr = demo.stop(signal.SIGINT)
    assert code == 0 and "Traceback" not in stderr, (code, stderr)
    assert_gone(tree)


# -- a folder belongs to one running demo; a dead server says how to start the demo again -------
COUNT_PROD = ("--count", "-e", PROD)


def _count_query(variables: dict[str, str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """``dynamo query -t shop --scan --count -e demo-prod`` in a fresh process that exported
    ``variables`` (a kernel or terminal using a demo's printed lines)."""
    return subprocess.run(
        [sys.executable, "-m", "dynamo_magic.cli", "query", "-t", TABLE, "--scan", *COUNT_PROD],
        env=env | variables,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _processes_marked(mark: str) -> list[psutil.Process]:
    """Every process whose environment holds ``DYNAMO_TEST_MARK=mark`` (what a process and its
    descendants started, wherever they were reparented)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("DYNAMO_TEST_MARK") == mark:
                found.append(process)
        except psutil.Error:
            continue
    return found


def test_a_folder_belongs_to_one_demo_and_a_dead_server_says_how_to_restart(tmp_path, demo_process):
    env = isolated_env(tmp_path)
    folder = tmp_path / "demo"
    port = port_pair()
    first = DemoProcess(["--no-lab", "--port", str(port), "--folder", str(folder)], env)
    demo_process.append(first)
    first.wait_for("Ctrl-C stops the demo", START_TIMEOUT)
    variables = first.variables()
    files = {name: (folder / name).read_bytes() for name in ("config", "dynamo_magic.toml")}
    files["credentials"] = (folder / "credentials").read_bytes()

    # a second demo on the same folder: refused in one line, nothing started, nothing written
    mark = f"second-demo-{os.getpid()}-{port}"
    second = DemoProcess(["--no-lab", "--folder", str(folder)], env | {"DYNAMO_TEST_MARK": mark})
    demo_process.append(second)
    assert second.process.wait(timeout=START_TIMEOUT) == 2
    assert second.stderr().splitlines() == [
        f"Error: folder {folder} is in use by another running demo (pid {first.process.pid}): "
        "stop that demo (Ctrl-C in its terminal) or use another folder"
    ]
    assert second.seen == [] and second.lines.empty()  # no variables printed
    assert_gone(_processes_marked(mark))
    assert {name: (folder / name).read_bytes() for name in files} == files
    # the first demo's variables still reach the first demo's servers
    counted = _count_query(variables, env)
    assert counted.returncode == 0, counted.stderr
    assert int(counted.stdout) == len(data.build().prod)

    # demo-prod's server dies (as under the out-of-memory killer): the demo stops the rest
    (prod,) = [p for p in first.tree() if f"-p {port}" in command(p)]
    tree = first.tree()
    prod.kill()
    assert first.process.wait(timeout=EXIT_TIMEOUT) == 1
    assert f"Error: {PROD}'s DynamoDB server exited" in first.stderr()
    assert_gone(tree)
    # a process that outlived it, using its variables, is told which environment and what to do
    dead = _count_query(variables, env)
    assert dead.returncode == 2 and dead.stdout == ""
    (line,) = dead.stderr.splitlines()
    assert line.startswith("Error: ") and "Traceback" not in line
    assert f"cannot reach environment '{PROD}': the demo's DynamoDB server at" in line
    assert f"127.0.0.1:{port} is not running" in line
    assert f"dynamo demo --folder {folder}" in line

    # doing what it says: the same variables reach the demo started again on the folder
    third = DemoProcess(["--no-lab", "--folder", str(folder)], env)
    demo_process.append(third)
    third.wait_for("Ctrl-C stops the demo", START_TIMEOUT)
    again = _count_query(variables, env)
    assert again.returncode == 0, again.stderr
    assert int(again.stdout) == len(data.build().prod)
    tree = third.tree()
    assert third.stop(signal.SIGINT)[0] == 0
    assert_gone(tree)


def test_a_locked_folder_starts_nothing_and_the_lock_dies_with_its_process(tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from dynamo_magic.demo.lock import "
            "FolderLock; FolderLock.acquire(Path(sys.argv[1])); print('locked', flush=True); "
            "time.sleep(600)",
            str(folder),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env() | {"PYTHONPATH": str(REPO)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        before = {child.pid for child in psutil.Process().children(recursive=True)}
        with pytest.raises(FolderInUse, match=rf"\(pid {holder.pid}\)"):
            start_demo(folder, seed=False)
        assert sorted(p.name for p in folder.iterdir()) == ["demo.lock"]  # nothing written
        after = {child.pid for child in psutil.Process().children(recursive=True)}
        assert after <= before  # no server started
        holder.kill()  # SIGKILL: no cleanup runs, the operating system drops the lock
        holder.wait()
        lock = FolderLock.acquire(folder)
        try:
            assert (folder / "demo.lock").read_text() == f"{os.getpid()}\n"
        finally:
            lock.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
