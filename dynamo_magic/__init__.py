"""dynamo_magic: query DynamoDB into pandas and copy tables across AWS accounts.

``import dynamo_magic`` loads no IPython, ipywidgets or tqdm; ``%load_ext dynamo_magic``
registers the notebook magics.

Logging follows the standard library's convention for libraries: each module logs to
``logging.getLogger(__name__)`` (under the ``dynamo_magic`` logger), and the package adds only
a ``NullHandler``, so nothing is shown until the application configures logging (e.g.
``logging.basicConfig(level=logging.INFO)``). Copy workers' records reach it too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .api import (
    Columns,
    Exploration,
    backups,
    copy,
    count,
    delete_item,
    describe,
    explore,
    export_table,
    fetch,
    head,
    import_table,
    iter_frames,
    list_environments,
    list_tables,
    pages,
    partiql,
    plan_copy,
    plan_import,
    put_df,
    put_item,
    query,
    reset,
    restore,
    run_partiql,
    scan,
    start_copy,
    start_export,
    start_import,
    summary,
    truncate,
    unique,
)
from .dynamodb.backups import Backup
from .dynamodb.items import ItemChanged, ItemNotFound, ItemWrite
from .dynamodb.read import PageCallback
from .errors import (
    AccessDenied,
    BackupFailed,
    BackupNotFound,
    ClusterUnavailable,
    ConfirmationRequired,
    CopyFailed,
    CredentialsMissing,
    DynamoMagicError,
    EndpointUnreachable,
    EnvironmentNotFound,
    IndexNotFound,
    InvalidFile,
    InvalidQuery,
    PartialFrame,
    ServiceError,
    TableNotFound,
    Throttled,
    UnsafeOperation,
    UsageProblem,
)
from .item_size import item_size, read_units
from .paging import Pages
from .plots import (  # matplotlib is imported only when a chart is drawn
    PlottingUnavailable,
    plot_column,
    plot_histogram,
    plot_item_sizes,
    plot_partitions,
    plot_unique,
)
from .reading import ReadResult, ReadSpec, ReadStats
from .schema import Index, KeyAttribute, KeySchema, TableSchema
from .settings import (
    Backend,
    CopyMode,
    EnvironmentConfig,
    NumberPolicy,
    Settings,
    SortKeyOperator,
    VerifyMethod,
    get_settings,
    set_settings,
)
from .transfer.engine import CopyResult
from .transfer.exporting import ExportResult
from .transfer.job import CopyJob, CopyProgress
from .transfer.parallel import Progress
from .transfer.plan import CopyPlan
from .transfer.restore import RestoreResult
from .transfer.result import Outcome, Verification

if TYPE_CHECKING:  # for type checkers and IDEs; at run time imported on first use (__getattr__)
    from .notebook.panels import CopyPanel, QueryPanel

logging.getLogger(__name__).addHandler(logging.NullHandler())  # nothing shown unless configured

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "Backend",
    "Backup",
    "BackupFailed",
    "BackupNotFound",
    "ClusterUnavailable",
    "Columns",
    "ConfirmationRequired",
    "CopyFailed",
    "CopyJob",
    "CopyMode",
    "CopyPanel",
    "CopyPlan",
    "CopyProgress",
    "CopyResult",
    "CredentialsMissing",
    "DynamoMagicError",
    "EndpointUnreachable",
    "EnvironmentConfig",
    "EnvironmentNotFound",
    "Exploration",
    "ExportResult",
    "Index",
    "IndexNotFound",
    "InvalidFile",
    "InvalidQuery",
    "ItemChanged",
    "ItemNotFound",
    "ItemWrite",
    "KeyAttribute",
    "KeySchema",
    "NumberPolicy",
    "Outcome",
    "PageCallback",
    "Pages",
    "PartialFrame",
    "PlottingUnavailable",
    "Progress",
    "QueryPanel",
    "ReadResult",
    "ReadSpec",
    "ReadStats",
    "RestoreResult",
    "ServiceError",
    "Settings",
    "SortKeyOperator",
    "TableNotFound",
    "TableSchema",
    "Throttled",
    "UnsafeOperation",
    "UsageProblem",
    "Verification",
    "VerifyMethod",
    "backups",
    "copy",
    "count",
    "delete_item",
    "describe",
    "explore",
    "export_table",
    "fetch",
    "get_settings",
    "head",
    "import_table",
    "item_size",
    "iter_frames",
    "list_environments",
    "list_tables",
    "pages",
    "partiql",
    "plan_copy",
    "plan_import",
    "plot_column",
    "plot_histogram",
    "plot_item_sizes",
    "plot_partitions",
    "plot_unique",
    "put_df",
    "put_item",
    "query",
    "read_units",
    "reset",
    "restore",
    "run_partiql",
    "scan",
    "set_settings",
    "start_copy",
    "start_export",
    "start_import",
    "summary",
    "truncate",
    "unique",
]


_PANELS = ("QueryPanel", "CopyPanel")


def __getattr__(name: str) -> Any:
    """``QueryPanel`` and ``CopyPanel`` are imported on first use (they need ipywidgets)."""
    if name in _PANELS:
        from .notebook import panels

        return getattr(panels, name)
    raise AttributeError(f"module 'dynamo_magic' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PANELS])


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dynamo_magic``: register the magics (IPython is imported only now)."""
    from .notebook.magics import register

    register(ipython)


def unload_ipython_extension(ipython: Any) -> None:  # pragma: no cover - nothing to undo
    """Magics stay registered until the kernel restarts."""
