"""What each Mambu deposit transaction type, webhook trigger and transaction channel means to pointflow."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pointflow.domain.events import Channel, Direction, ReversalKind, TransactionType

# Every `DepositTransaction.type` of Mambu API v2 falls in exactly one of the three tables below (a test
# holds them to the vendor's enum). A direction of None means the amount's sign decides.
POSTED: dict[str, tuple[Direction | None, TransactionType]] = {
    "DEPOSIT": (Direction.CREDIT, TransactionType.DEPOSIT),
    "WITHDRAWAL": (Direction.DEBIT, TransactionType.TRANSFER),  # refined: card purchase, cash, direct debit
    "TRANSFER": (None, TransactionType.TRANSFER),
    "FEE_APPLIED": (Direction.DEBIT, TransactionType.FEE),
    "INTEREST_APPLIED": (Direction.CREDIT, TransactionType.INTEREST),
    "WITHHOLDING_TAX": (Direction.DEBIT, TransactionType.OTHER),
    # Investor accounts funding loans: real movements, but nothing a loyalty rule should reward.
    "LOAN_FUNDED": (Direction.DEBIT, TransactionType.OTHER),
    "LOAN_REPAID": (Direction.CREDIT, TransactionType.OTHER),
    "LOAN_FRACTION_BOUGHT": (Direction.DEBIT, TransactionType.OTHER),
    "LOAN_FRACTION_SOLD": (Direction.CREDIT, TransactionType.OTHER),
}

# An adjustment undoes the transaction named by its originalTransactionKey.
REVERSED: dict[str, ReversalKind] = {
    "ADJUSTMENT": ReversalKind.REVERSAL,  # of a DEPOSIT
    "WITHDRAWAL_ADJUSTMENT": ReversalKind.REVERSAL,
    "TRANSFER_ADJUSTMENT": ReversalKind.REVERSAL,
    "FEE_ADJUSTED": ReversalKind.REVERSAL,
    "INTEREST_APPLIED_ADJUSTMENT": ReversalKind.REVERSAL,
    "WITHHOLDING_TAX_ADJUSTMENT": ReversalKind.REVERSAL,
    "LOAN_FUNDED_ADJUSTMENT": ReversalKind.REVERSAL,
    "LOAN_REPAID_ADJUSTMENT": ReversalKind.REVERSAL,
    "LOAN_FRACTION_BOUGHT_ADJUSTMENT": ReversalKind.REVERSAL,
    "LOAN_FRACTION_SOLD_ADJUSTMENT": ReversalKind.REVERSAL,
    "CARD_TRANSACTION_REVERSAL": ReversalKind.REFUND,  # money back through the card scheme
}

# Balance imports, write-offs and changes of terms move no customer money (or undo something ignored).
NO_POSTING: frozenset[str] = frozenset(
    {
        "IMPORT",
        "WRITE_OFF",
        "WRITE_OFF_ADJUSTMENT",
        "FEES_DUE_REDUCED",
        "FEE_REDUCTION_ADJUSTMENT",
        "INTEREST_RATE_CHANGED",
        "OVERDRAFT_INTEREST_RATE_CHANGED",
        "OVERDRAFT_LIMIT_CHANGED",
        "BRANCH_CHANGED",
    }
)

# Webhook and Streaming API triggers whose notification is about one deposit transaction.
TRIGGERS: dict[str, str] = {
    "SAVINGS_DEPOSIT": "DEPOSIT",
    "REAPPLIED_SAVINGS_DEPOSIT": "DEPOSIT",
    "SAVINGS_WITHDRAWAL": "WITHDRAWAL",
    "REAPPLIED_SAVINGS_WITHDRAWAL": "WITHDRAWAL",
    "CARDS_AUTHORISATION_HOLD_SETTLED": "WITHDRAWAL",
    "ACCOUNT_AUTHORISATION_HOLD_SETTLED": "WITHDRAWAL",
    "SAVINGS_DEPOSIT_REVERSAL": "ADJUSTMENT",
    "SAVINGS_WITHDRAWAL_REVERSAL": "WITHDRAWAL_ADJUSTMENT",
    "DEPOSIT_INTEREST_APPLIED": "INTEREST_APPLIED",
    "DEPOSIT_INTEREST_APPLIED_ADJUSTMENT": "INTEREST_APPLIED_ADJUSTMENT",
    "FEE_APPLIED": "FEE_APPLIED",
    "FEE_CHARGED": "FEE_APPLIED",
    "FEE_ADJUSTED": "FEE_ADJUSTED",
}

# Triggers about clients, groups, loans, holds and account life cycles: well formed, but no deposit posting.
_QUIET_TRIGGER = re.compile(
    r"^(CLIENT_|GROUP_|LOAN_|PENALTY_|SAVINGS_(CREATED|APPROVAL|ACCOUNT_)|REPAYMENT_|ACCOUNT_"
    r"|CARDS_AUTHORISATION_HOLD_(?!SETTLED$)|DO_NOTHING$|MANUAL$|INTEREST_RATE_CHANGED$|FEES_DUE_REDUCED$"
    r"|FEE_REDUCTION_ADJUSTMENT$)"
)


def is_quiet_trigger(trigger: str) -> bool:
    return bool(_QUIET_TRIGGER.match(trigger))


CASH_MCCS = frozenset({"6010", "6011"})  # manual and automated cash disbursements
QUASI_CASH_MCCS = frozenset({"4829", "6050", "6051", "6529", "6530", "6534", "6540"})


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """What a Mambu transaction channel (`transactionDetails.transactionChannelId`) tells pointflow."""

    channel: Channel | None = None
    transaction_type: TransactionType | None = None
    reversal_kind: ReversalKind | None = None


def default_channel_rules() -> dict[str, ChannelRule]:
    """A channel whose id spells a canonical channel, transaction type or reversal kind means just that."""
    rules = {t.value.upper(): ChannelRule(transaction_type=t) for t in TransactionType}
    rules.update({k.value.upper(): ChannelRule(reversal_kind=k) for k in ReversalKind})
    rules.update({c.value.upper(): ChannelRule(channel=c) for c in Channel})
    return rules
