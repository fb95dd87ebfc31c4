"""Real-browser tests: JupyterLab on loopback driven by headless Chromium (Playwright)."""
