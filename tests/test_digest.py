"""Content hashes compare items by value, as DynamoDB stores them."""

from dynamo_magic.transfer.digest import item_digest


def test_numbers_hash_by_value_as_dynamodb_stores_them():
    # DynamoDB reads "2.50" back as "2.5" and "1E2" as "100": a transform that writes
    # Decimal("2.50") must verify against the number the target then holds
    assert item_digest({"n": {"N": "2.50"}}) == item_digest({"n": {"N": "2.5"}})
    assert item_digest({"n": {"N": "1E2"}}) == item_digest({"n": {"N": "100"}})
    assert item_digest({"n": {"N": "-0.00"}}) == item_digest({"n": {"N": "0"}})
    nested = {"m": {"M": {"s": {"NS": ["2.50", "10"]}, "l": {"L": [{"N": "0.10"}]}}}}
    same = {"m": {"M": {"s": {"NS": ["1E1", "2.5"]}, "l": {"L": [{"N": ".1"}]}}}}
    assert item_digest(nested) == item_digest(same)


def test_different_values_hash_differently():
    assert item_digest({"n": {"N": "2.5"}}) != item_digest({"n": {"N": "2.51"}})
    assert item_digest({"n": {"N": "2.5"}}) != item_digest({"n": {"S": "2.5"}})
    assert item_digest({"s": {"SS": ["a", "b"]}}) == item_digest({"s": {"SS": ["b", "a"]}})
