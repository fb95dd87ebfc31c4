"""Copying between tables.

- ``plan``: every check before a write, and the estimate (a dry run);
- ``sources`` -> (a transform) -> ``sinks``: what a worker reads and where it writes, page by
  page; ``transforms``: the user's function on every item (``ItemTransform``); ``tasks``: the
  task and the one worker loop (``run_task``);
- ``messages``, ``channels``: what workers report, and how it reaches the caller per backend;
- ``parallel``: running tasks on joblib's workers; ``operation``: one copy or truncate under
  way (its tally, clock, interruption and failure); ``engine``: carrying out a plan, phase by
  phase; ``verify``: comparing the sides; ``truncate``: emptying a table; ``result``: what a
  copy returns; ``digest``: items as canonical text and content hashes;
- ``run``: a copy or a truncate from start to end, as the façade asks for it (workers warmed
  while the plan is made); ``job``: a copy in a thread of its own (``CopyJob``: progress,
  cancel, result); ``restore``: a backup restored, in place through a copy.

Nothing is imported here: ``import dynamo_magic.transfer.tasks`` loads what a task needs and
the package's own ``__init__`` (``dynamo_magic``'s public face), nothing of the notebook.
"""
