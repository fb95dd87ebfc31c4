"""The demo: two local DynamoDB "accounts" (moto servers), profiles ``demo-prod`` and
``demo-dev`` pointing at them, and a seeded shop table in each.

A front end (see docs/architecture.md): ``import dynamo_magic`` never imports it. From Python::

    from pathlib import Path
    from dynamo_magic.demo import start_demo

    with start_demo(Path("/tmp/demo")) as demo:
        os.environ.update(demo.variables)   # now env="demo-prod" / "demo-dev" work
        ...

From a terminal: ``dynamo demo`` (JupyterLab on the notebooks) or ``dynamo demo --no-lab``
(the servers only; prints the variables to export). ``python -m dynamo_magic.demo`` is the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from .data import TABLE
from .lock import FolderInUse, FolderLock
from .profiles import write_profiles
from .servers import REGION, MotoServer, PortInUse

__all__ = [
    "ACCOUNTS",
    "DEV",
    "PROD",
    "TABLE",
    "Demo",
    "FolderInUse",
    "MotoServer",
    "PortInUse",
    "start_demo",
]

PROD = "demo-prod"  # the profile (environment) of the "production" account: protected
DEV = "demo-dev"  # the profile of the "development" account: an older, smaller copy
# two AWS account ids, one per server: the tables' ARNs differ as they would between accounts
ACCOUNTS = {PROD: "111111111111", DEV: "222222222222"}

SETTINGS_TEXT = f"""\
# dynamo_magic settings for the demo (DYNAMO_MAGIC_CONFIG points here; see docs/getting-started.md)
# Without --env, commands use demo-dev.
default_env = "{DEV}"

# "prod" in the name already protects it (writes need a confirmation); said here explicitly.
[environments.{PROD}]
protected = true
"""


@dataclass
class Demo:
    """A running demo: ``prod`` and ``dev`` servers and the ``variables`` to export
    (``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE``, ``DYNAMO_MAGIC_CONFIG``,
    ``AWS_EC2_METADATA_DISABLED``). A context manager: leaving it stops both servers.
    ``lock``: the folder's lock, held while the demo runs (see ``lock``)."""

    folder: Path
    prod: MotoServer
    dev: MotoServer
    variables: dict[str, str] = field(default_factory=dict)
    lock: FolderLock | None = None

    def stop(self) -> None:
        """Stop both servers (their data is gone; the files in ``folder`` stay), then free
        the folder for another demo."""
        try:
            self.prod.stop()
        finally:
            try:
                self.dev.stop()
            finally:
                if self.lock is not None:
                    self.lock.release()

    def __enter__(self) -> Demo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_demo(folder: Path, port: int | None = None, seed: bool = True) -> Demo:
    """Start demo-prod's server on ``port`` and demo-dev's on ``port + 1`` (default: free
    ports), write the profiles and settings into ``folder`` and, with ``seed``, create and fill
    table ``shop`` in both (a few seconds). The folder is the demo's until it stops: its
    profiles never change under a running demo.

    Raises ``FolderInUse`` when another running demo owns ``folder`` (nothing is started or
    written then), ``PortInUse`` when a given port is taken and ``RuntimeError`` when moto
    cannot start; nothing keeps running then.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FolderLock.acquire(folder)  # before anything starts or is written
    try:
        prod = MotoServer.start(port, log=folder / f"{PROD}.log", account=ACCOUNTS[PROD])
        try:
            dev = MotoServer.start(
                None if port is None else port + 1,
                log=folder / f"{DEV}.log",
                account=ACCOUNTS[DEV],
            )
        except BaseException:
            prod.stop()
            raise
    except BaseException:
        lock.release()
        raise
    demo = Demo(folder, prod, dev, lock=lock)
    try:
        demo.variables = write_profiles(folder, {PROD: prod.url, DEV: dev.url}, demo=True)
        # a region in the user's shell (AWS_DEFAULT_REGION=eu-west-1) would beat the profiles'
        demo.variables |= dict.fromkeys(("AWS_DEFAULT_REGION", "AWS_REGION"), REGION)
        Path(demo.variables["DYNAMO_MAGIC_CONFIG"]).write_text(SETTINGS_TEXT)
        if seed:
            from .data import seed as seed_data

            seed_data(prod.client(), dev.client())
    except BaseException:
        demo.stop()
        raise
    return demo
