"""The demo (``dynamo_magic.demo``, ``dynamo demo``): its data, its servers and profiles seen
through the package's own API, and the command as a user runs it (a real process, stopped by
SIGINT/SIGTERM, with no process left behind: checked with psutil)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections import Counter
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

import dynamo_magic as dm
from dynamo_magic import cli, environments
from dynamo_magic.demo import (
    ACCOUNTS,
    DEV,
    PROD,
    TABLE,
    FolderInUse,
    PortInUse,
    data,
    reopen,
    run,
    start_demo,
)
from dynamo_magic.demo.lock import FolderLock
from dynamo_magic.demo.servers import MotoServer

from conftest import reset_caches, scratch_venv, subprocess_env
from moto_servers import port_pair

TYPES = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS"}


# -- the data (no server) ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def shop() -> data.ShopData:
    return data.build()


def _types(items: list[dict]) -> set[str]:
    found: set[str] = set()
    for item in items:
        for value in item.values():
            found.update(value)
    return found


def _key(item: dict) -> tuple[str, str]:
    return item["pk"]["S"], item["sk"]["S"]


def test_data_is_deterministic_and_of_the_promised_size(shop):
    again = data.build()
    assert again.prod == shop.prod and again.dev == shop.dev
    kinds = Counter(item["sk"]["S"].split("#")[0] for item in shop.prod)
    assert kinds["PROFILE"] == data.CUSTOMERS == 200
    assert kinds["ORDER"] >= 1000 and kinds["LINE"] >= 3000
    assert 4000 <= len(shop.prod) <= 5000
    assert len({_key(item) for item in shop.prod}) == len(shop.prod)  # no key twice
    assert _types(shop.prod) == TYPES  # every attribute type the spec names
    assert Counter(i["status"]["S"] for i in shop.prod if "status" in i).keys() == set(
        data.STATUSES
    )


def test_c001_and_o0001_are_as_the_notebooks_expect(shop):
    orders = [
        item
        for item in shop.prod
        if item["pk"]["S"] == "CUSTOMER#c001" and item["sk"]["S"].startswith("ORDER#2024-")
    ]
    assert len(orders) >= 5
    assert len({order["created"]["S"][5:7] for order in orders}) >= 5  # spread over the year
    first = [o for o in orders if o["sk"]["S"].endswith("#o0001")]
    assert len(first) == 1 and first[0]["sk"]["S"] == f"ORDER#{first[0]['created']['S']}#o0001"
    lines = [item for item in shop.prod if item["pk"]["S"] == "ORDER#o0001"]
    assert len(lines) >= 2 and int(first[0]["line_count"]["N"]) == len(lines)


def test_order_totals_add_up(shop):
    from decimal import Decimal

    lines: dict[str, Decimal] = Counter()
    for item in shop.prod:
        if item["sk"]["S"].startswith("LINE#"):
            price = Decimal(item["qty"]["N"]) * Decimal(item["price"]["N"])
            lines[item["pk"]["S"].removeprefix("ORDER#")] += price
    for item in shop.prod:
        if "total" in item:
            shipping = Decimal(item["shipping"]["M"]["cost"]["N"])
            assert Decimal(item["total"]["N"]) == lines[item["order_id"]["S"]] + shipping


def test_dev_is_an_older_smaller_copy(shop):
    prod = {_key(item): item for item in shop.prod}
    dev = {_key(item): item for item in shop.dev}
    only_dev = [key for key in dev if key not in prod]
    assert only_dev and all("#t" in pk for pk, _ in only_dev)  # CUSTOMER#t001, ORDER#t0001
    customers = {pk for pk, sk in dev if sk == "PROFILE" and pk not in {k[0] for k in only_dev}}
    assert customers == {f"CUSTOMER#c{n:03d}" for n in range(1, data.DEV_CUSTOMERS + 1)}
    created = [item["created"]["S"] for item in dev.values() if "created" in item]
    assert created and max(created) <= data.DEV_CUTOFF
    older = [key for key in dev if key in prod and dev[key] != prod[key]]
    statuses = {
        (prod[key]["status"]["S"], dev[key]["status"]["S"]) for key in older if "status" in dev[key]
    }
    assert ("SHIPPED", "PLACED") in statuses  # prod moved on since dev's copy
    assert _types(shop.dev) == TYPES


# -- the demo in this process: servers, profiles, data through the package's API ---------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with start_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture
def demo_env(demo, monkeypatch: pytest.MonkeyPatch):
    for name, value in demo.variables.items():
        monkeypatch.setenv(name, value)
    reset_caches()
    yield demo
    reset_caches()


def test_demo_environments_are_two_accounts_with_the_shop_table(demo_env, shop):
    demo = demo_env
    assert set(demo.variables) == {
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "DYNAMO_MAGIC_CONFIG",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    }
    assert all(
        Path(demo.variables[name]).parent == demo.folder for name in list(demo.variables)[:3]
    )
    assert {PROD, DEV} <= set(dm.list_environments())
    assert dm.list_tables(env=PROD) == [TABLE] and dm.list_tables(env=DEV) == [TABLE]
    assert environments.resolve(None).name == DEV  # the demo's config: default_env
    assert environments.resolve(PROD).protected and not environments.resolve(DEV).protected
    assert environments.resolve(PROD).endpoint_url == demo.prod.url
    assert environments.resolve(DEV).endpoint_url == demo.dev.url
    # two account ids: the tables' ARNs differ, as between real accounts
    arns = {
        server.client().describe_table(TableName=TABLE)["Table"]["TableArn"]
        for server in (demo.prod, demo.dev)
    }
    assert {arn.split(":")[4] for arn in arns} == {ACCOUNTS[PROD], ACCOUNTS[DEV]}
    # two servers, two sets of data: the counts are those of the data each was seeded with
    assert dm.count(TABLE, env=PROD) == len(shop.prod)
    assert dm.count(TABLE, env=DEV) == len(shop.dev)


def test_demo_indexes_answer_as_documented(demo_env, shop):
    schema = dm.describe(TABLE, env=PROD)
    text = str(schema.describe_rows())
    assert data.GSI in text and data.LSI in text
    shipped = dm.query(TABLE, pk="SHIPPED", index=data.GSI, env=PROD)
    expected = [i for i in shop.prod if i.get("status") == {"S": "SHIPPED"}]
    assert len(shipped) == len(expected) and set(shipped["status"]) == {"SHIPPED"}
    by_total = dm.query(TABLE, pk="CUSTOMER#c001", index=data.LSI, env=PROD)
    totals = list(by_total["total"])
    assert len(totals) >= 5 and totals == sorted(totals)
    lines = dm.query(TABLE, pk="ORDER#o0001", env=DEV)
    assert len(lines) >= 2 and isinstance(lines["thumbnail"].iloc[0], bytes)


def test_a_port_in_use_is_one_clear_error_and_starts_nothing(tmp_path):
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    port = port_pair()
    for taken_port in (port, port + 1):  # demo-prod's port, then demo-dev's (N+1)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", taken_port))
            taken.listen()
            with pytest.raises(PortInUse, match=f"^port {taken_port} on 127.0.0.1 is in use"):
                start_demo(tmp_path / str(taken_port), port=port)
    # demo-prod's server, started before demo-dev's port was found taken, was stopped
    after = {child.pid for child in psutil.Process().children(recursive=True)}
    assert after <= before


def test_moto_server_start_stop_reset(tmp_path):
    server = MotoServer.start(log=tmp_path / "moto.log")
    try:
        data.create_table(server.client())
        assert server.client().list_tables()["TableNames"] == [TABLE]
        server.reset()
        assert server.client().list_tables()["TableNames"] == []
    finally:
        server.stop()
    assert not server.answers() and server.process.poll() is not None
    server.stop()  # twice is harmless


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


def test_installed_notebooks_are_copied_and_user_edits_kept(tmp_path, monkeypatch):
    shipped = tmp_path / "site-packages" / "notebooks"
    shipped.mkdir(parents=True)
    (shipped / "quickstart.ipynb").write_text('{"cells": []}')
    (shipped / "copy.ipynb").write_text('{"cells": []}')
    monkeypatch.setattr(run, "notebooks_source", lambda: shipped)
    folder = tmp_path / "demo"
    (folder / "notebooks").mkdir(parents=True)
    (folder / "notebooks" / "copy.ipynb").write_text("my edits")
    target = run.notebook_dir(folder)
    assert target == folder / "notebooks"
    assert (target / "quickstart.ipynb").read_text() == '{"cells": []}'
    assert (target / "copy.ipynb").read_text() == "my edits"


def test_checkout_notebooks_are_copied_too(tmp_path):
    """A checkout's notebooks are opened as copies too: `make demo` leaves `git status` clean."""
    assert run.notebooks_source() == REPO / "notebooks"
    target = run.notebook_dir(tmp_path)
    assert target == tmp_path / "notebooks"
    assert sorted(p.name for p in target.glob("*.ipynb")) == sorted(
        p.name for p in (REPO / "notebooks").glob("*.ipynb")
    )
    assert (REPO / "dynamo_magic" / "demo" / "notebooks").is_symlink()  # shipped in the wheel
    assert os.readlink(REPO / "dynamo_magic" / "demo" / "notebooks") == "../../notebooks"


def test_default_folders_are_fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first, second = run.default_folder(), run.default_folder()
    assert first != second and first.parent == second.parent == tmp_path / "dynamo_magic"


MAKE_TIMEOUT = 600.0  # seconds for `make demo` to create the venv, install and start


@pytest.mark.timeout(MAKE_TIMEOUT + 120)
def test_make_demo_creates_the_venv_installs_and_runs(tmp_path):
    """The README's first command, on a fresh venv: ``make demo`` installs ``.[demo]`` into it
    and runs ``dynamo demo`` (``DEMO_ARGS`` passed through); Ctrl-C (SIGINT to the terminal's
    process group) stops make, the demo and its servers."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    scratch = tmp_path / "venv"
    scratch_venv(scratch)  # with this venv's packages: pip downloads only build tools
    env = isolated_env(tmp_path)
    env = {k: v for k, v in env.items() if not k.startswith(("AWS_", "PYTHONPATH", "VIRTUAL_"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    port = port_pair()
    make = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "demo",
            f"VENV={scratch}",
            f"PYTHON={sys.executable}",
            f"DEMO_ARGS=--no-lab --port {port} --folder {tmp_path / 'demo'}",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: the test's "terminal"
    )
    lines: list[str] = []
    try:
        assert make.stdout is not None
        deadline = time.monotonic() + MAKE_TIMEOUT
        for line in make.stdout:
            lines.append(line.rstrip("\n"))
            if "Ctrl-C stops the demo" in line or time.monotonic() > deadline:
                break
        assert any("Ctrl-C stops the demo" in line for line in lines), (
            lines,
            make.stderr.read() if make.poll() is not None and make.stderr else "",
        )
        tree = psutil.Process(make.pid).children(recursive=True)
        dynamo = [p for p in tree if p.cmdline()[:1] and "dynamo" in " ".join(p.cmdline()[:2])]
        assert dynamo and dynamo[0].cmdline()[1] == str(scratch / "bin" / "dynamo")
        assert (scratch / ".installed-demo").exists()
        assert f"AWS_CONFIG_FILE={tmp_path / 'demo' / 'config'}" in lines
        assert f"127.0.0.1:{port}" in "\n".join(lines)
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=EXIT_TIMEOUT)
        assert_gone(tree)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()


@pytest.mark.timeout(600)
def test_the_wheel_ships_the_notebooks(tmp_path):
    """A pip install has no checkout: the wheel carries notebooks/ as
    ``dynamo_magic/demo/notebooks/*.ipynb`` (through the link), for ``dynamo demo`` to copy."""
    notebooks = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    if not notebooks:
        pytest.skip("no notebooks/ on this branch yet")
    source = tmp_path / "src"  # a copy: the build writes build/ and *.egg-info beside it
    tracked = subprocess.run(
        ["git", "ls-files", "pyproject.toml", "README.md", "dynamo_magic", "notebooks"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in tracked:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_symlink():
            target.symlink_to(os.readlink(REPO / name))
        else:
            shutil.copyfile(REPO / name, target)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", tmp_path],
        capture_output=True,
        text=True,
        timeout=540,
        env=subprocess_env() | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("dynamo_magic-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = sorted(
            Path(name).name
            for name in archive.namelist()
            if name.startswith("dynamo_magic/demo/notebooks/")
        )
    assert shipped == notebooks


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


# -- notebooks reopened under a new kernel -----------------------------------------------------
def _view(model_id: str) -> dict:
    return {
        "output_type": "display_data",
        "data": {
            reopen.WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": model_id},
            "text/plain": "QueryPanel(...)",
        },
        "metadata": {},
    }


def _saved_notebook(state: dict | None) -> dict:
    """A notebook whose cells show a saved panel ("saved"), a panel of a kernel gone
    ("gone"), a stream and a DataFrame; ``state``: its metadata.widgets, if any."""
    stream = {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    html = {"output_type": "display_data", "data": {"text/html": "<table/>"}, "metadata": {}}
    cells = [
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "p", "outputs": []},
        {"cell_type": "markdown", "metadata": {}, "source": "# text"},
    ]
    cells[0]["outputs"] = [_view("saved"), stream, _view("gone"), html]
    metadata: dict = {"kernelspec": {"name": "python3"}}
    if state is not None:
        metadata["widgets"] = {reopen.WIDGET_STATE: {"version_major": 2, "state": state}}
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def test_widget_views_a_new_kernel_cannot_show_are_dropped_and_nothing_else(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    with_state = folder / "with_state.ipynb"
    with_state.write_text(json.dumps(_saved_notebook({"saved": {"model_name": "VBoxModel"}})))
    without_state = folder / "without_state.ipynb"
    without_state.write_text(json.dumps(_saved_notebook(None)))
    broken = folder / "broken.ipynb"
    broken.write_text("{ not json")
    clean = folder / "clean.ipynb"
    clean.write_text(json.dumps(_saved_notebook({"saved": {}, "gone": {}})))
    clean_text = clean.read_text()

    assert reopen.drop_stale_widget_views(folder) == [with_state, without_state]
    kept = json.loads(with_state.read_text())
    assert [
        o.get("data", {}).get(reopen.WIDGET_VIEW, o.get("text"))
        for o in kept["cells"][0]["outputs"]
    ] == [_view("saved")["data"][reopen.WIDGET_VIEW], "hello\n", None]
    assert kept["cells"][0]["outputs"][2]["data"] == {"text/html": "<table/>"}
    assert kept["cells"][1] == _saved_notebook(None)["cells"][1]
    assert kept["metadata"] == _saved_notebook({"saved": {"model_name": "VBoxModel"}})["metadata"]
    no_views = json.loads(without_state.read_text())["cells"][0]["outputs"]
    assert [o["output_type"] for o in no_views] == ["stream", "display_data"]
    assert broken.read_text() == "{ not json" and clean.read_text() == clean_text
    assert reopen.drop_stale_widget_views(folder) == []  # once is enough
    assert not list(folder.glob(".*.tmp"))


def test_stale_widget_views_are_dropped_in_subfolders_too_but_not_in_checkpoints(tmp_path):
    folder = tmp_path / "notebooks"
    nested = folder / "mine" / "deeper"
    nested.mkdir(parents=True)
    made_in_lab = nested / "Untitled.ipynb"  # a notebook a user made in the file browser
    made_in_lab.write_text(json.dumps(_saved_notebook(None)))
    checkpoints = folder / "mine" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    checkpoint = checkpoints / "Untitled-checkpoint.ipynb"  # Jupyter's own copy: left alone
    checkpoint.write_text(json.dumps(_saved_notebook(None)))
    checkpoint_text = checkpoint.read_text()

    assert reopen.drop_stale_widget_views(folder) == [made_in_lab]
    outputs = json.loads(made_in_lab.read_text())["cells"][0]["outputs"]
    assert [o["output_type"] for o in outputs] == ["stream", "display_data"]
    assert checkpoint.read_text() == checkpoint_text


def test_the_demo_drops_stale_widget_views_of_its_folder_and_saves_widget_state(tmp_path):
    folder = tmp_path / "demo"
    (folder / "notebooks").mkdir(parents=True)
    saved = folder / "notebooks" / "quickstart.ipynb"
    saved.write_text(json.dumps(_saved_notebook(None)))  # a user's copy, saved without state
    assert run.notebook_dir(folder) == folder / "notebooks"
    outputs = json.loads(saved.read_text())["cells"][0]["outputs"]
    assert [o["output_type"] for o in outputs] == ["stream", "display_data"]
    reopen.write_lab_settings(folder / "jupyter")
    overrides = folder / "jupyter" / "labconfig" / "default_setting_overrides.json"
    assert json.loads(overrides.read_text()) == {
        "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}
    }
