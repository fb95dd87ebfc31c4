"""What a copy or a load reads on each side: the source's reads and the target's scope.

- ``source_reads``: a copy's source table (its scan segments, or the slice's query), or a
  load's origin (``origins.Origin.sources``);
- ``target_reads``: the target items the copy's (load's) deletes and verification concern:
  the whole table in scan segments, the slice's query, or one keys-or-count query per
  partition key value a load covers (``CopyPlan.partition_keys``), ``segment`` its index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .sources import Source, TableSource, table_sources

if TYPE_CHECKING:
    from .plan import CopyPlan


def source_reads(plan: CopyPlan, segments: int) -> list[Source]:
    """The reads of everything the copy (load) writes; ``segments``: scan segments of a
    table, a suggestion of chunks to an origin."""
    if plan.origin is not None:
        return plan.origin.sources(segments)
    return list(table_sources(plan.source, segments, plan.slice_request))


def target_reads(plan: CopyPlan, segments: int) -> list[TableSource]:
    """The reads of the target's items the copy (load) concerns."""
    if plan.partition_keys is not None:
        name = plan.source_schema.key.hash.name
        return [
            TableSource(
                plan.target,
                segment,
                len(plan.partition_keys),
                request={
                    "KeyConditionExpression": "#pk = :pk",
                    "ExpressionAttributeNames": {"#pk": name},
                    "ExpressionAttributeValues": {":pk": value},
                },
                operation="query",
            )
            for segment, value in enumerate(plan.partition_keys)
        ]
    return table_sources(plan.target, segments, plan.slice_request)
