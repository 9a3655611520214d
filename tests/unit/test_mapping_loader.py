"""Loading mapping files: a bad mapping fails at load naming its key; shipped and bank mappings register."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.mapping import (
    MappingConnector,
    MappingInvalid,
    load_mapping_file,
    load_mapping_text,
    mapping_connectors,
    shipped_mappings_dir,
    with_bank_mappings,
)

VALID: dict[str, Any] = {
    "name": "bank-feed",
    "format": "json",
    "items": "$.entries[*]",
    "event": {"when": [{"path": "kind", "values": {"SALE": "posted"}, "unknown": "ignore"}]},
    "fields": {
        "source_id": "id",
        "customer_id": "customer",
        "account_id": "account",
        "amount": {"path": "amount", "sign": "negative_is_debit"},
        "currency": {"constant": "EUR"},
        "booked_at": {"path": "time", "formats": ["%Y-%m-%d %H:%M"], "timezone": "Europe/Paris"},
        "mcc": {"path": "mcc", "type": "int"},
    },
}
REMOVE = object()


def changed(path: str, value: Any) -> str:
    """VALID with the value at a dotted key replaced (or removed), as YAML text."""
    spec = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = spec
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if value is REMOVE:
        del node[last]
    else:
        node[last] = value
    return yaml.safe_dump(spec)


def test_the_valid_example_loads() -> None:
    mapping = load_mapping_text(yaml.safe_dump(VALID))
    assert mapping.spec.name == "bank-feed"
    assert mapping.fields["booked_at"].zone is not None


BAD = [
    pytest.param("name", "Bank Feed", "name", id="name with a space"),
    pytest.param("format", "csv", "format", id="unknown format"),
    pytest.param("event", REMOVE, "event", id="no event rule"),
    pytest.param("fields.acount_id", "x", "fields.acount_id", id="misspelt canonical field"),
    pytest.param("fields.source_id", REMOVE, "fields.source_id", id="no source id"),
    pytest.param("fields.amount.sign", "up", "fields.amount.sign", id="unknown sign handling"),
    pytest.param("fields.amount.context", "x", "fields.amount", id="path and context"),
    pytest.param("fields.amount.default", "5", "fields.amount", id="a default amount"),
    pytest.param("fields.booked_at.timezone", "Mars/Olympus", "fields.booked_at.timezone", id="unknown zone"),
    pytest.param("fields.booked_at.formats", ["%Q"], "fields.booked_at.formats", id="not a strptime format"),
    pytest.param(
        "fields.currency.constant", "XYZ", "fields.currency.constant", id="unknown constant currency"
    ),
    pytest.param(
        "fields.direction", {"path": "d", "values": {"D": "down"}}, "fields.direction.values.D", id="table"
    ),
    pytest.param("fields.mcc.type", "decimal", "fields.mcc.type", id="a type the field cannot take"),
    pytest.param(
        "fields.customer_id", {"context": "nope"}, "fields.customer_id.context", id="unknown context"
    ),
    pytest.param("fields.account_id", REMOVE, "fields.account_id", id="posted events need an account"),
    pytest.param(
        "event.when.0.values",
        {"SALE": "refund"},
        "fields.original_source_id",
        id="reversals need the original",
    ),
    pytest.param("items", "$.entries[0]", "items", id="items picked by position"),
    pytest.param("items", "$.[", "items", id="items path does not parse"),
    pytest.param("fields.time_zone", "x", "fields.time_zone", id="unknown key"),
    pytest.param("namespaces", {"c": "urn:x"}, "namespaces", id="namespaces on JSON"),
    pytest.param("limits.max_items", 10**9, "limits.max_items", id="limit beyond the hard maximum"),
    pytest.param(
        "fields.source_id", {"path": "id", "required": False}, "fields.source_id.required", id="optional id"
    ),
    pytest.param("fields.extra", {"Bad-Name": "x"}, "fields.extra.Bad-Name", id="extra field name"),
    pytest.param(
        "fields.channel", {"path": "c", "otherwise": "other"}, "fields.channel.otherwise", id="otherwise"
    ),
    pytest.param("event.when.0.context", "x", "event.when.0", id="event test with path and context"),
    pytest.param("fields.direction", "d", "fields.amount.sign", id="sign and direction both"),
    pytest.param("fields.value_date", {"path": "v", "sign": "absolute"}, "fields.value_date.sign", id="sign"),
    pytest.param("fields.source_id", {"path": ["only-one"]}, "fields.source_id", id="a join of one path"),
    pytest.param("fields.currency.values", {"978": "EUR"}, "fields.currency.values", id="table constant"),
]


@pytest.mark.parametrize(("key", "value", "named"), BAD)
def test_a_bad_mapping_fails_at_load_naming_the_key(key: str, value: Any, named: str) -> None:
    with pytest.raises(MappingInvalid) as caught:
        load_mapping_text(changed(key, value), source="bank-feed.yaml")
    keys = [k for k, _ in caught.value.problems]
    assert named in keys, caught.value.problems
    assert "bank-feed.yaml" in str(caught.value)
    assert named in str(caught.value)


def test_xpath_problems_are_found_at_load() -> None:
    xml = {**VALID, "format": "xml", "items": "//e:Entry", "namespaces": {"f": "urn:x"}}
    xml["fields"] = {**VALID["fields"], "amount": "f:Amt[", "mcc": "unknown-function(f:Mcc)"}
    with pytest.raises(MappingInvalid) as caught:
        load_mapping_text(yaml.safe_dump(xml))
    keys = [k for k, _ in caught.value.problems]
    assert {"items", "fields.amount.path", "fields.mcc.path"} <= set(keys)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("name: a\nname: b\n", "<yaml>", id="a key twice"),
        pytest.param("- just\n- a list\n", "<root>", id="not a mapping"),
        pytest.param("name: [unclosed\n", "<yaml>", id="YAML syntax"),
    ],
)
def test_yaml_problems_are_named(text: str, key: str) -> None:
    with pytest.raises(MappingInvalid) as caught:
        load_mapping_text(text)
    assert caught.value.problems[0][0] == key


def test_yaml_1_1_surprises_do_not_happen_every_scalar_stays_text() -> None:
    spec = copy.deepcopy(VALID)
    spec["fields"]["direction"] = {"path": "d", "values": {"no": "debit", "on": "credit", "0742": "debit"}}
    spec["fields"]["amount"] = "amount"
    text = yaml.safe_dump(spec).replace("'no'", "no").replace("'on'", "on").replace("'0742'", "0742")
    mapping = load_mapping_text(text)
    assert dict(mapping.fields["direction"].values or {}) == {"no": "debit", "on": "credit", "0742": "debit"}


def test_every_shipped_mapping_loads_and_is_registered_under_its_name() -> None:
    files = sorted(shipped_mappings_dir().glob("*.yaml"))
    assert [f.name for f in files] == [
        "camt053-v02-mapping.yaml",
        "camt053-v08-mapping.yaml",
        "finacle.yaml",
        "flexcube.yaml",
        "generic.yaml",
        "mambu-mapping.yaml",
    ]
    for file in files:
        name = load_mapping_file(file).spec.name
        assert isinstance(CONNECTORS[name], MappingConnector)


def write(folder: Path, file: str, **changes: Any) -> None:
    (folder / f"{file}.yaml").write_text(yaml.safe_dump({**VALID, **changes}), encoding="utf-8")


def test_a_banks_own_directory_adds_its_mappings_and_may_replace_a_starter(tmp_path: Path) -> None:
    write(tmp_path, "feed")
    write(tmp_path, "flexcube", name="flexcube", description="the bank's own FLEXCUBE notification")
    (tmp_path / "notes.txt").write_text("not a mapping", encoding="utf-8")
    connectors = with_bank_mappings(CONNECTORS, tmp_path)
    assert set(connectors) == {*CONNECTORS, "bank-feed"}
    bank_flexcube = connectors["flexcube"]
    assert isinstance(bank_flexcube, MappingConnector)
    assert bank_flexcube.mapping.spec.description == "the bank's own FLEXCUBE notification"
    assert CONNECTORS["flexcube"] is not bank_flexcube  # the shared registry is left alone


def test_a_banks_mapping_cannot_take_a_built_in_connectors_name(tmp_path: Path) -> None:
    write(tmp_path, "generic", name="generic")
    with pytest.raises(MappingInvalid) as caught:
        with_bank_mappings(CONNECTORS, tmp_path)
    assert caught.value.problems == [("name", "'generic' names a built-in connector")]


def test_two_files_with_the_same_mapping_name_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "one")
    write(tmp_path, "two")
    with pytest.raises(MappingInvalid, match="bank-feed"):
        mapping_connectors(tmp_path)


def test_a_bad_file_in_the_directory_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("name: broken\nformat: json\n", encoding="utf-8")
    with pytest.raises(MappingInvalid) as caught:
        mapping_connectors(tmp_path)
    assert caught.value.source == "broken.yml"
    assert ("event", "Field required") in caught.value.problems


KEYS = [
    "name",
    "format",
    "items",
    "namespaces",
    "context",
    "event",
    "event.when",
    "event.otherwise",
    "event.when.0.values",
    "event.when.0.missing",
    "fields.amount",
    "fields.amount.sign",
    "fields.booked_at.timezone",
    "fields.booked_at.formats",
    "fields.booked_at.type",
    "fields.mcc",
    "fields.mcc.values",
    "fields.source_id",
    "fields.extra",
    "limits",
    "limits.max_depth",
]
YAML_JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=12),
        st.sampled_from(["$", ".", "//x", "[", "%Y", "+25:00", "Europe/Nowhere", "../..", "posted", "\x00"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(KEYS), YAML_JUNK, st.sampled_from(["json", "xml"]))
def test_any_mapping_loads_or_fails_with_mapping_invalid(key: str, junk: Any, fmt: str) -> None:
    problem = refusal(changed(key, junk).replace("format: json", f"format: {fmt}"))
    assert problem is None or problem.problems


def refusal(text: str) -> MappingInvalid | None:
    try:
        load_mapping_text(text)
    except MappingInvalid as error:
        return error
    return None
