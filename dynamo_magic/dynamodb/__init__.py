"""DynamoDB itself: clients with the fast wire path (``clients``, ``wire``), paged and parallel
reads, batched writes with retries, tables and backups. Knows nothing of copies, DataFrames'
front ends, IPython or the CLI."""
