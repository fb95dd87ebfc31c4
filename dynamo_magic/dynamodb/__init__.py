"""DynamoDB itself: the fast wire path, paged and parallel reads, batched writes with retries,
tables and backups. Knows nothing of copies, DataFrames' front ends, IPython or the CLI."""
