"""The test proxy (``tests/proxy.py``) forwards, throttles and holds back as its rule says."""

from __future__ import annotations

from typing import Any

import boto3

from moto_servers import MotoServer
from proxy import Action, Answer, FaultProxy, HoldBack


def test_proxy_throttles_and_holds_back(moto_pair: tuple[MotoServer, MotoServer]) -> None:
    server = moto_pair[0]
    server.reset()
    throttles = {"left": 2}

    def rule(op: str, body: dict[str, Any]) -> Action:
        if op == "PutItem" and throttles["left"]:
            throttles["left"] -= 1
            return Answer.throttled()
        if op == "BatchWriteItem":
            return HoldBack(lambda table, request: request["PutRequest"]["Item"]["pk"]["S"] == "b")
        return None

    with FaultProxy(server.url, rule) as proxy:
        client = boto3.client(
            "dynamodb",
            endpoint_url=proxy.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        answer = client.put_item(TableName="t", Item={"pk": {"S": "x"}})
        assert answer["ResponseMetadata"]["RetryAttempts"] == 2  # botocore's own retries
        puts = [{"PutRequest": {"Item": {"pk": {"S": k}}}} for k in "ab"]
        answer = client.batch_write_item(RequestItems={"t": puts})
        assert answer["UnprocessedItems"] == {"t": [puts[1]]}
        answer = client.batch_write_item(RequestItems={"t": [puts[1]]})  # all held: not sent
        assert answer["UnprocessedItems"] == {"t": [puts[1]]}
        keys = sorted(i["pk"]["S"] for i in server.client().scan(TableName="t")["Items"])
        assert keys == ["a", "x"]
        assert [c.status for c in proxy.calls_of("PutItem")] == [400, 400, 200]
        assert [c.held for c in proxy.calls_of("BatchWriteItem")] == [1, 1]
