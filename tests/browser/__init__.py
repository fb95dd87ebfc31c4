"""Real-browser tests: JupyterLab, Notebook 7 and Voilà on loopback, driven by headless Chromium.

Run them alone with ``PYTHONPATH=$PWD python -m pytest tests/browser``. They need
/usr/bin/chromium (``make test`` installs Debian's package when missing) and the ``test``
extra (jupyterlab, notebook, ipykernel, nbformat, playwright, voila). Without Chromium they
fail when ``CI`` is true and skip elsewhere. Screenshots land in tests/artifacts/: look at them.

To run them against another checkout of dynamo_magic (its kernels import that one), put it
first on the path and keep the current directory off it: ``PYTHONPATH=/other/checkout
python -P -m pytest tests/browser``.
"""
