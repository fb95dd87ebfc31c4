"""What building the docs leaves behind: ``docs/conf.py`` starts a demo for the notebooks in a
temporary folder, removed when the build ends, also when it fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import subprocess_env

CONF = Path(__file__).resolve().parent.parent / "docs" / "conf.py"

# what Sphinx does with conf.py (runs it), then a build that fails: the demo's folder printed
FAILING_BUILD = """\
import os, runpy, sys
runpy.run_path(sys.argv[1])
print(os.environ["AWS_CONFIG_FILE"], flush=True)
raise SystemExit(3)
"""


def test_a_failed_docs_build_leaves_no_demo_folder(tmp_path: Path) -> None:
    env = subprocess_env() | {"TMPDIR": str(tmp_path), "DYNAMO_MAGIC_DOCS_EXECUTE": "1"}
    run = subprocess.run(
        [sys.executable, "-c", FAILING_BUILD, str(CONF)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 3, run.stderr
    config = Path(run.stdout.strip())
    folder = config.parent
    assert folder.parent == tmp_path and folder.name.startswith("dynamo_magic-docs-")
    assert not folder.exists()
    assert list(tmp_path.glob("dynamo_magic-docs-*")) == []
