"""Copying between tables: the plan (every check before a write), the tasks workers run, the
parallel runner and the engine that runs a plan and verifies it. Empty on purpose: a worker
process imports only the modules its task needs."""
