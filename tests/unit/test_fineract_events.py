"""Fineract external events: `MessageV1` Avro (payload nested as Avro binary) and its JSON rendering decode to
canonical events; every item's raw text splits back into the same item."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import fastavro
import pytest

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.fineract import FineractConnector, load_schemas
from pointflow.adapters.connectors.fineract.schemas import (
    BULK_PAYLOAD,
    CLIENT,
    LOAN_ADJUSTMENT,
    LOAN_TRANSACTION,
    MESSAGE,
    SAVINGS_TRANSACTION,
)
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import (
    Direction,
    ReversalKind,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits, RawEvent
from tests.shared import COREBANKING

AVRO = COREBANKING / "fineract" / "avro"
SCHEMAS = load_schemas(AVRO)
CONNECTOR = FineractConnector(SCHEMAS)
LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)
KEY = "abda146d-68b5-48ca-b527-16d2b7c5daef"
ACCOUNT = "savingsaccount:1"


def avro(schema: str, record: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, SCHEMAS.parsed[schema], record)
    return buffer.getvalue()


def envelope(schema: str, data: bytes, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": 121,
        "source": "a65d759d-04f9-4ddf-ac52-34fa5d1f5a25",
        "type": "SavingsDepositBusinessEvent",
        "category": "Savings",
        "createdAt": "2024-05-15T10:15:30",
        "businessDate": "2024-05-15",
        "tenantId": "default",
        "idempotencyKey": KEY,
        "dataschema": schema,
        "data": data,
    }
    return {**fields, **changes}


def message(schema: str, payload: dict[str, Any], **changes: Any) -> bytes:
    return avro(MESSAGE, envelope(schema, avro(schema, payload), **changes))


def savings(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 47,
        "transactionType": {"id": 1, "code": "savingsAccountTransactionType.deposit", "deposit": True},
        "accountId": 1,
        "accountNo": "000000001",
        "date": "2024-05-15",
        "currency": {"code": "USD", "decimalPlaces": 2},
        "amount": Decimal("500.25"),
        "reversed": False,
        "note": "May savings",
    }
    return {**record, **changes}


WITHDRAWAL = {"id": 2, "code": "savingsAccountTransactionType.withdrawal", "withdrawal": True}


def items(body: bytes, connector: FineractConnector = CONNECTOR) -> list[RawEvent]:
    found = connector.split(body)
    for item in found:
        assert connector.split(item.raw.encode()) == [item], "the raw text must split back into the item"
    return found


def decode(payload: Any, connector: FineractConnector = CONNECTOR) -> Any:
    return connector.decode(payload, limits=LIMITS, now=lambda: NOW)


def decoded(body: bytes, connector: FineractConnector = CONNECTOR) -> Any:
    (item,) = items(body, connector)
    assert item.parse_error is None
    return decode(item.payload, connector)


def test_a_savings_deposit_round_trips_through_payload_and_envelope_avro() -> None:
    record = savings()
    event = decoded(message(SAVINGS_TRANSACTION, record))
    assert event == TransactionPosted(
        source=SourceRef("fineract", f"savings:{record['id']}"),
        customer_id=f"savingsaccount:{record['accountId']}",
        account_id=f"savingsaccount:{record['accountId']}",
        money=Money(record["amount"], record["currency"]["code"]),
        direction=Direction.CREDIT,
        transaction_type=TransactionType.DEPOSIT,
        booked_at=datetime(2024, 5, 15, 10, 15, 30, tzinfo=UTC),
        value_date=date.fromisoformat(record["date"]),
        description=record["note"],
        extra={"idempotency_key": KEY},
    )


def test_the_item_raw_is_the_documented_json_rendering_with_the_payload_nested() -> None:
    (item,) = items(message(SAVINGS_TRANSACTION, savings()))
    rendering = json.loads(item.raw, parse_float=Decimal)
    documented = [
        "id",
        "source",
        "type",
        "category",
        "createdAt",
        "tenantId",
        "idempotencyKey",
        "dataschema",
        "data",
    ]
    assert set(documented) <= set(rendering)
    assert rendering["dataschema"] == SAVINGS_TRANSACTION
    assert rendering["data"]["amount"] == Decimal("500.25")
    assert rendering["data"]["date"] == "2024-05-15"
    assert "outstandingChargeAmount" not in rendering["data"], "absent (null) fields are left out"


def test_a_json_rendering_posted_directly_decodes_like_the_binary() -> None:
    binary = decoded(message(SAVINGS_TRANSACTION, savings()))
    rendering = {**envelope(SAVINGS_TRANSACTION, b""), "data": {**savings(), "amount": 500.25}}
    text = json.dumps({**rendering, "data": {**rendering["data"], "amount": "__amount__"}}).replace(
        '"__amount__"', "500.25"
    )
    assert decoded(text.encode()) == binary


def test_the_payload_may_also_arrive_as_base64_avro_inside_the_json() -> None:
    data = base64.b64encode(avro(SAVINGS_TRANSACTION, savings())).decode()
    text = json.dumps({**envelope(SAVINGS_TRANSACTION, b""), "data": data})
    (item,) = items(text.encode())
    assert isinstance(item.payload["data"], dict)
    assert decode(item.payload) == decoded(message(SAVINGS_TRANSACTION, savings()))


def test_a_json_array_of_messages_gives_one_item_each() -> None:
    one = {**envelope(SAVINGS_TRANSACTION, b""), "data": {**savings(), "amount": "10.00"}}
    two = {**one, "id": 122, "data": {**one["data"], "id": 48}}
    found = items(json.dumps([one, two]).encode())
    assert [decode(i.payload).source.id for i in found] == ["savings:47", "savings:48"]


def test_rest_dates_as_arrays_are_read_like_iso_dates() -> None:
    text = json.dumps(
        {**envelope(SAVINGS_TRANSACTION, b""), "data": {**savings(), "amount": "1", "date": [2024, 5, 15]}}
    )
    assert decoded(text.encode()).value_date == date(2024, 5, 15)


@pytest.mark.parametrize(
    ("payment_type", "expected"),
    [
        pytest.param({"name": "ATM", "isCashPayment": True}, TransactionType.CASH_WITHDRAWAL, id="cash flag"),
        pytest.param({"name": "cash"}, TransactionType.CASH_WITHDRAWAL, id="named cash"),
        pytest.param(
            {"name": "Bill payment"}, TransactionType.BILL_PAYMENT, id="named after a canonical type"
        ),
        pytest.param({"name": "Purchase"}, TransactionType.PURCHASE, id="purchase"),
        pytest.param({"name": "Cheque"}, TransactionType.OTHER, id="any other name"),
    ],
)
def test_a_withdrawal_takes_its_type_from_the_payment_type(
    payment_type: dict[str, Any], expected: Any
) -> None:
    record = savings(transactionType=WITHDRAWAL, paymentDetailData={"paymentType": payment_type})
    event = decoded(message(SAVINGS_TRANSACTION, record, type="SavingsWithdrawalBusinessEvent"))
    assert event.direction is Direction.DEBIT
    assert event.transaction_type is expected
    assert event.extra["payment_type"] == payment_type["name"]


def test_a_bank_maps_its_own_payment_type_names() -> None:
    connector = FineractConnector(SCHEMAS, payment_types={"Mobile money": TransactionType.TRANSFER})
    record = savings(transactionType=WITHDRAWAL, paymentDetailData={"paymentType": {"name": "Mobile money"}})
    assert (
        decoded(message(SAVINGS_TRANSACTION, record), connector).transaction_type is TransactionType.TRANSFER
    )


def test_a_transfer_between_one_clients_accounts_is_an_own_account_transfer() -> None:
    same = {"fromClient": {"id": 5}, "toClient": {"id": 5}}
    other = {"fromClient": {"id": 5}, "toClient": {"id": 6}}
    own = decoded(message(SAVINGS_TRANSACTION, savings(transfer=same)))
    assert own.transaction_type is TransactionType.OWN_ACCOUNT_TRANSFER
    assert (
        decoded(message(SAVINGS_TRANSACTION, savings(transfer=other))).transaction_type
        is TransactionType.TRANSFER
    )


def test_a_reversal_transaction_reverses_its_original() -> None:
    record = savings(id=60, isReversal=True, originalTransactionId="47")
    event = decoded(message(SAVINGS_TRANSACTION, record))
    assert event == TransactionReversed(
        source=SourceRef("fineract", "savings:60"),
        original_source_id="savings:47",
        customer_id=ACCOUNT,
        money=Money(record["amount"], "USD"),
        kind=ReversalKind.REVERSAL,
        booked_at=datetime(2024, 5, 15, 10, 15, 30, tzinfo=UTC),
        value_date=date(2024, 5, 15),
    )


def test_a_transaction_marked_reversed_reverses_itself_under_its_own_reversal_id() -> None:
    event = decoded(message(SAVINGS_TRANSACTION, savings(reversed=True)))
    assert isinstance(event, TransactionReversed)
    assert (event.source.id, event.original_source_id) == ("savings:47:reversal", "savings:47")


def test_a_hold_on_an_account_is_not_a_transaction() -> None:
    hold = {"id": 20, "code": "savingsAccountTransactionType.amountHold", "amountHold": True}
    with pytest.raises(NotATransaction):
        decoded(message(SAVINGS_TRANSACTION, savings(transactionType=hold)))


def client_record() -> dict[str, Any]:
    return {
        "id": 27,
        "accountNo": "000000027",
        "status": {"id": 300, "code": "clientStatusType.active", "value": "Active"},
        "active": True,
        "activationDate": "2023-01-01",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "mobileNo": "+44 20 7946 0000",
        "emailAddress": "ada@example.com",
        "dateOfBirth": "1985-12-10",
        "officeId": 1,
        "officeName": "Head Office",
    }


def test_a_client_event_is_not_a_transaction_but_keeps_the_customer_master_update() -> None:
    body = message(CLIENT, client_record(), type="ClientCreateBusinessEvent", category="Client")
    (item,) = items(body)
    with pytest.raises(NotATransaction):
        decode(item.payload)
    master = CONNECTOR.customer_master(item.payload)
    assert master.customer_id == "client:27"
    assert (master.status, master.branch, master.joined_on, master.birth_year) == (
        "active",
        "Head Office",
        date(2023, 1, 1),
        1985,
    )
    assert master.pii["email"] == "ada@example.com"
    assert master.pii["last_name"] == "Lovelace"
    assert "ada@example.com" not in json.dumps(master.attributes)


def test_an_account_lifecycle_event_is_not_a_transaction() -> None:
    schema = "org.apache.fineract.avro.savings.v1.SavingsAccountDataV1"
    body = message(schema, {"id": 1}, type="SavingsActivateBusinessEvent")
    with pytest.raises(NotATransaction):
        decoded(body)


def test_a_transaction_event_in_a_schema_this_connector_does_not_read_is_refused_not_ignored() -> None:
    text = json.dumps(
        {**envelope("org.apache.fineract.avro.savings.v2.SavingsAccountTransactionDataV2", b""), "data": {}}
    )
    with pytest.raises(InvalidEvent) as caught:
        decoded(text.encode())
    assert caught.value.field == "dataschema"


def test_a_loan_level_event_named_after_a_transaction_is_not_a_transaction() -> None:
    schema = "org.apache.fineract.avro.loan.v1.LoanAccountDataV1"
    body = message(schema, {"id": 33}, type="LoanTransactionMakeRepaymentPreBusinessEvent", category="Loan")
    with pytest.raises(NotATransaction):
        decoded(body)


def test_a_payload_that_does_not_decode_is_kept_as_base64_and_refused_naming_data() -> None:
    body = avro(MESSAGE, envelope(SAVINGS_TRANSACTION, b"\x02\x02\xff"))
    (item,) = items(body)
    assert item.payload["data"] == base64.b64encode(b"\x02\x02\xff").decode()
    with pytest.raises(InvalidEvent) as caught:
        decode(item.payload)
    assert caught.value.field == "data"
    assert "SavingsAccountTransactionDataV1" in caught.value.detail


def test_a_bulk_message_gives_one_item_per_event() -> None:
    datas = [
        {
            "id": 7,
            "type": "SavingsDepositBusinessEvent",
            "category": "Savings",
            "dataschema": SAVINGS_TRANSACTION,
        }
        | {"data": avro(SAVINGS_TRANSACTION, savings(id=70))},
        {"id": 8, "type": "ClientActivateBusinessEvent", "category": "Client", "dataschema": CLIENT}
        | {"data": avro(CLIENT, client_record())},
    ]
    body = avro(
        MESSAGE, envelope(BULK_PAYLOAD, avro(BULK_PAYLOAD, {"datas": datas}), type="BulkBusinessEvent")
    )
    first, second = items(body)
    assert decode(first.payload).source.id == "savings:70"
    assert first.payload["bulkMessageId"] == 121
    with pytest.raises(NotATransaction):
        decode(second.payload)


def loan(flags: dict[str, Any], **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 900,
        "loanId": 33,
        "type": flags,
        "date": "2024-05-14",
        "currency": {"code": "USD"},
        "amount": Decimal("120.00"),
    }
    return {**record, **changes}


def loan_event(
    record: dict[str, Any], event_type: str = "LoanTransactionMakeRepaymentPostBusinessEvent"
) -> Any:
    return decoded(message(LOAN_TRANSACTION, record, type=event_type, category="Loan"))


def test_a_loan_repayment_is_a_loan_repayment_credit_on_the_loan_account() -> None:
    event = loan_event(loan({"repayment": True}))
    assert (event.source.id, event.account_id, event.customer_id) == (
        "loan:900",
        "loanaccount:33",
        "loanaccount:33",
    )
    assert (event.direction, event.transaction_type) == (Direction.CREDIT, TransactionType.LOAN_REPAYMENT)
    assert event.money == Money(Decimal("120.00"), "USD")


def test_a_disbursal_is_a_debit_of_the_loan_account_typed_by_its_payment_type() -> None:
    plain = loan_event(loan({"disbursement": True}), "LoanDisbursalTransactionBusinessEvent")
    assert (plain.direction, plain.transaction_type) == (Direction.DEBIT, TransactionType.OTHER)
    bnpl = loan({"disbursement": True}, paymentDetailData={"paymentType": {"name": "Purchase"}})
    assert loan_event(bnpl).transaction_type is TransactionType.PURCHASE


def test_a_merchant_issued_refund_refunds_the_transaction_its_relation_names() -> None:
    relations = [{"fromLoanTransaction": 900, "toLoanTransaction": 850, "relationType": "RELATED"}]
    event = loan_event(loan({"merchantIssuedRefund": True}, transactionRelations=relations))
    assert isinstance(event, TransactionReversed)
    assert (event.original_source_id, event.kind) == ("loan:850", ReversalKind.REFUND)


def test_a_refund_that_names_no_original_is_recorded_as_a_credit_typed_other() -> None:
    event = loan_event(loan({"merchantIssuedRefund": True}))
    assert isinstance(event, TransactionPosted)
    assert (event.direction, event.transaction_type) == (Direction.CREDIT, TransactionType.OTHER)


def test_a_reversed_loan_transaction_reverses_itself() -> None:
    event = loan_event(loan({"repayment": True}, manuallyReversed=True, reversedOnDate="2024-05-20"))
    assert isinstance(event, TransactionReversed)
    assert (event.source.id, event.original_source_id) == ("loan:900:reversal", "loan:900")
    assert event.value_date == date(2024, 5, 20)


@pytest.mark.parametrize("flag", ["accrual", "waiveInterest", "writeOff", "goodwillCredit"])
def test_loan_book_keeping_is_not_a_transaction(flag: str) -> None:
    with pytest.raises(NotATransaction):
        loan_event(loan({flag: True}))


def test_a_loan_adjustment_is_cut_into_the_reversal_and_the_new_transaction() -> None:
    adjustment = {
        "transactionToAdjust": loan({"repayment": True}, manuallyReversed=True),
        "newTransactionDetail": loan({"repayment": True}, id=901, amount=Decimal("100.00")),
    }
    body = message(LOAN_ADJUSTMENT, adjustment, type="LoanAdjustTransactionBusinessEvent", category="Loan")
    undo, redo = (decode(i.payload) for i in items(body))
    assert isinstance(undo, TransactionReversed)
    assert (undo.original_source_id, undo.money.amount) == ("loan:900", Decimal("120.00"))
    assert isinstance(redo, TransactionPosted)
    assert (redo.source.id, redo.money.amount) == ("loan:901", Decimal("100.00"))


def test_without_schemas_binary_is_kept_for_replay_and_json_still_decodes() -> None:
    bare = FineractConnector()
    body = message(SAVINGS_TRANSACTION, savings())
    (item,) = items(body, bare)
    assert item.payload is None
    assert item.parse_error is not None
    assert "POINTFLOW_FINERACT_SCHEMA_DIR" in item.parse_error
    assert item.raw.startswith("data:avro/binary;base64,")
    assert CONNECTOR.split(item.raw.encode()) == CONNECTOR.split(body), "replayed once the schemas are set"
    rendering = CONNECTOR.split(body)[0].raw
    assert decoded(rendering.encode(), bare) == decoded(body)


def test_the_fineract_connector_is_registered_and_reads_json_without_configuration() -> None:
    registered = CONNECTORS["fineract"]
    assert isinstance(registered, FineractConnector)
    rendering = CONNECTOR.split(message(SAVINGS_TRANSACTION, savings()))[0].raw
    (item,) = registered.split(rendering.encode())
    assert registered.decode(item.payload, limits=LIMITS, now=lambda: NOW).source.id == "savings:47"


def test_source_id_reads_the_scoped_transaction_id() -> None:
    (item,) = items(message(SAVINGS_TRANSACTION, savings()))
    assert CONNECTOR.source_id(item.payload) == "savings:47"
    assert CONNECTOR.source_id({"dataschema": CLIENT, "data": {"id": 1}}) is None
    assert CONNECTOR.source_id("text") is None


def test_native_field_names_the_payload_field() -> None:
    assert CONNECTOR.native_field("amount") == "data.amount"
    assert CONNECTOR.native_field("booked_at") == "createdAt"


def rendering(**data_changes: Any) -> dict[str, Any]:
    data = {**savings(), "amount": Decimal("500.25"), **data_changes}
    return {**envelope(SAVINGS_TRANSACTION, b""), "data": {k: v for k, v in data.items() if v is not None}}


BAD: list[Any] = [
    pytest.param(rendering(amount=Decimal("500.255")), "data.amount", id="more decimals than the currency"),
    pytest.param(rendering(amount=Decimal("0")), "data.amount", id="zero amount"),
    pytest.param(rendering(amount=Decimal("2000000")), "data.amount", id="over the limit"),
    pytest.param(rendering(currency={"code": "XYZ"}), "data.currency.code", id="unknown currency"),
    pytest.param(rendering(currency=None), "data.currency", id="no currency"),
    pytest.param(rendering(date="15/05/2024"), "data.date", id="not an ISO date"),
    pytest.param(rendering(date=[2024, 2, 30]), "data.date", id="impossible date array"),
    pytest.param(rendering(id=None), "data.id", id="no transaction id"),
    pytest.param(rendering(accountId="one"), "data.accountId", id="account id not a number"),
    pytest.param(rendering(transactionType={"code": "x"}), "data.transactionType", id="no type flag"),
    pytest.param(
        rendering(transactionType={"deposit": "yes"}), "data.transactionType.deposit", id="flag not bool"
    ),
    pytest.param(rendering(isReversal=True), "data.originalTransactionId", id="reversal without original"),
    pytest.param({**rendering(), "createdAt": None}, "createdAt", id="no createdAt"),
    pytest.param(
        {**rendering(), "createdAt": "2024-05-18T10:00:00"}, "createdAt", id="createdAt in the future"
    ),
    pytest.param(
        {**rendering(), "createdAt": "1999-12-31T23:00:00"}, "createdAt", id="createdAt before 2000"
    ),
    pytest.param({**rendering(), "createdAt": "yesterday"}, "createdAt", id="createdAt not a date-time"),
    pytest.param({**rendering(), "type": None}, "type", id="no type"),
    pytest.param({**rendering(), "data": [1]}, "data", id="data not an object"),
    pytest.param({"hello": "world"}, "<body>", id="not a Fineract shape"),
    pytest.param([rendering()], "<body>", id="not an object"),
]


@pytest.mark.parametrize(("payload", "field"), BAD)
def test_bad_input_is_refused_naming_the_fineract_field(payload: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == field
    assert caught.value.detail


def test_malformed_json_is_one_item_with_a_parse_error_that_replays_the_same() -> None:
    (item,) = items(b'{"id": 1, "dataschema": ')
    assert item.payload is None
    assert item.parse_error is not None
    assert "line 1" in item.parse_error


def test_json_constants_that_are_not_numbers_are_refused() -> None:
    (item,) = items(b'{"amount": NaN}')
    assert item.parse_error is not None


def container_file(records: list[dict[str, Any]], schema: Any) -> bytes:
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, records)
    return buffer.getvalue()


def test_an_avro_container_file_of_messages_replays_one_item_per_message() -> None:
    envelopes = [envelope(SAVINGS_TRANSACTION, avro(SAVINGS_TRANSACTION, savings(id=n))) for n in (47, 48)]
    found = items(container_file(envelopes, SCHEMAS.parsed[MESSAGE]))
    assert [decode(i.payload).source.id for i in found] == ["savings:47", "savings:48"]


def test_a_damaged_container_file_is_one_item_kept_whole_with_the_reason() -> None:
    body = container_file([envelope(SAVINGS_TRANSACTION, b"")], SCHEMAS.parsed[MESSAGE])[:-7]
    (item,) = items(body)
    assert item.parse_error is not None
    assert "Avro container file" in item.parse_error
    assert base64.b64decode(item.raw.removeprefix("data:avro/binary;base64,")) == body


def test_a_container_of_other_records_gives_items_that_decode_refuses() -> None:
    schema = {"type": "record", "name": "Other", "fields": [{"name": "x", "type": "long"}]}
    (item,) = items(container_file([{"x": 1}], schema))
    with pytest.raises(InvalidEvent):
        decode(item.payload)
