"""The webhook (and Streaming API) template pointflow recommends: DepositTransaction's own field names."""

from __future__ import annotations

# One notification per trigger (SAVINGS_DEPOSIT, SAVINGS_WITHDRAWAL, …): the same body with its `event`
# line changed. docs/connectors/mambu.md ships this text; a test keeps the two the same.
RECOMMENDED_WEBHOOK_TEMPLATE = """\
{
  "template": "pointflow.mambu.deposit-transaction.v1",
  "event": "SAVINGS_DEPOSIT",
  "encodedKey": "{TRANSACTION_KEY}",
  "id": "{TRANSACTION_ID}",
  "accountHolderId": "{CLIENT_ID}",
  "parentAccountKey": "{ACCOUNT_KEY}",
  "amount": "{TRANSACTION_AMOUNT}",
  "currencyCode": "{ACCOUNT_CURRENCY}",
  "bookingDate": "{TRANSACTION_BOOKING_DATE}",
  "valueDate": "{TRANSACTION_VALUE_DATE}",
  "notes": "{TRANSACTION_NOTES}",
  "originalTransactionKey": "{ORIGINAL_TRANSACTION_KEY}",
  "transactionDetails": {"transactionChannelId": "{TRANSACTION_CHANNEL_ID}"},
  "cardTransaction": {
    "externalReferenceId": "{CARD_TRANSACTION_REFERENCE}",
    "cardAcceptor": {
      "name": "{CARD_ACCEPTOR_NAME}",
      "country": "{CARD_ACCEPTOR_COUNTRY}",
      "mcc": "{CARD_ACCEPTOR_MCC}"
    }
  }
}
"""
