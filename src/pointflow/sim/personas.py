"""The sandbox bank's cast: customer personas, the card spend and banking movements they draw from,
and the names sandbox customers are given."""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Spend:
    """A kind of card spend: its MCC, merchants and lognormal amount around a median in dollars."""

    mcc: str
    merchants: tuple[str, ...]
    median: float
    sigma: float
    online_share: float = 0.0
    transaction_type: str = "purchase"
    channel: str = "card_present"
    travel: bool = False
    note: int = 0  # cash comes out of an ATM in whole notes of this size


# fmt: off
SPEND: dict[str, Spend] = {
    "dining":           Spend("5812", ("Premium Coffee Roasters", "The Olive Branch"), 38, 0.6),
    "fast_food":        Spend("5814", ("Burger Barn", "Taco Town", "Quick Bite"), 11, 0.45, 0.15),
    "groceries":        Spend("5411", ("FreshMart", "Green Basket", "ValuFoods"), 62, 0.7, 0.08),
    "fuel":             Spend("5541", ("Speedy Fuel", "Roadstar Gas"), 45, 0.35),
    "airline_aa":       Spend("3001", ("American Airlines",), 380, 0.6, 0.9, travel=True),
    "airline_ba":       Spend("3005", ("British Airways",), 520, 0.6, 0.9, travel=True),
    "hotel":            Spend("7011", ("Grand Plaza Hotel", "Seaside Inn"), 210, 0.6, 0.5,
                              travel=True),
    "travel_agency":    Spend("4722", ("Wanderlust Tours", "Globe Trips"), 640, 0.7, 0.8,
                              travel=True),
    "taxi":             Spend("4121", ("City Cabs", "RideNow"), 24, 0.5, 0.6, travel=True),
    "department_store": Spend("5311", ("Macy Lane", "Northgate Stores"), 85, 0.7, 0.3),
    "clothing":         Spend("5651", ("Family Threads", "Denim Depot"), 70, 0.6, 0.35),
    "electronics":      Spend("5732", ("Circuit Center", "Gadget Hub"), 240, 0.9, 0.5),
    "pharmacy":         Spend("5912", ("WellCare Pharmacy", "Corner Drugs"), 28, 0.6),
    "utilities":        Spend("4900", ("Metro Power & Gas", "City Water"), 140, 0.3, 1.0,
                              "bill_payment", "direct_debit"),
    "streaming":        Spend("4899", ("StreamFlix", "TuneBox"), 15, 0.2, 1.0),
    "atm":              Spend("6011", ("Sandbox Bank ATM", "Interbank ATM"), 120, 0.6, 0.0,
                              "cash_withdrawal", "atm", note=20),
    "quasi_cash":       Spend("6051", ("CoinSwap", "Money Order Express"), 250, 0.8, 0.7,
                              "quasi_cash"),
    "gambling":         Spend("7995", ("Lucky Star Casino", "BetOnline Sports"), 60, 0.9, 0.7),
}
# fmt: on


@dataclass(frozen=True)
class Banking:
    """A non-card movement: salary, deposit, payment, fee, transfer, interest, loan repayment."""

    transaction_type: str
    direction: str
    channel: str
    mcc: str
    counterparties: tuple[str, ...]
    description: str
    median: float = 0.0
    sigma: float = 0.0
    foreign: bool = False


# fmt: off
BANKING: dict[str, Banking] = {
    "salary":         Banking("salary_credit", "credit", "other", "6012",
                              ("Northwind Traders", "Contoso Ltd", "Initech", "Globex"), "Salary"),
    "loan_repayment": Banking("loan_repayment", "debit", "direct_debit", "6012",
                              ("Sandbox Bank Loans",), "Loan instalment"),
    "interest":       Banking("interest", "credit", "other", "6012",
                              ("Sandbox Bank",), "Savings interest", 18, 0.5),
    "deposit":        Banking("deposit", "credit", "branch", "6012",
                              ("Sandbox Bank Branch",), "Deposit", 4_000, 0.8),
    "international_payment": Banking("international_payment", "debit", "online_banking", "4829",
                                     ("SWIFT transfer",), "International payment", 900, 0.9,
                                     foreign=True),
    "fee":            Banking("fee", "debit", "other", "6012",
                              ("Sandbox Bank",), "Account fee", 12, 0.5),
    "own_account_transfer": Banking("own_account_transfer", "debit", "mobile", "6012",
                                    ("Sandbox Bank Savings",), "Transfer to savings", 600, 0.7),
}
# fmt: on


@dataclass(frozen=True)
class Persona:
    """How a kind of customer spends and banks; probabilities are per month."""

    name: str
    share: float
    monthly_rate: float
    mix: tuple[tuple[str, float], ...]
    recurring: tuple[str, ...]
    international_share: float
    salary: float
    loan_share: float
    occasional: tuple[tuple[str, float], ...]
    earns_interest: bool = False
    monthly_decay: float = 1.0


# fmt: off
PROFILES: tuple[Persona, ...] = (
    Persona(
        "frequent_traveller", share=0.15, monthly_rate=45, international_share=0.22,
        salary=7_500, loan_share=0.3,
        mix=(("dining", 18), ("fast_food", 8), ("groceries", 8), ("fuel", 5), ("airline_aa", 5),
             ("airline_ba", 4), ("hotel", 8), ("travel_agency", 4), ("taxi", 8),
             ("department_store", 5), ("clothing", 4), ("electronics", 3), ("pharmacy", 2),
             ("atm", 4), ("quasi_cash", 1), ("gambling", 1)),
        recurring=("streaming",),
        occasional=(("deposit", 0.05), ("international_payment", 0.15), ("fee", 0.25),
                    ("own_account_transfer", 0.4)),
    ),
    Persona(
        "family_grocery", share=0.30, monthly_rate=55, international_share=0.02,
        salary=5_200, loan_share=0.6,
        mix=(("groceries", 35), ("fuel", 12), ("fast_food", 8), ("dining", 6),
             ("department_store", 10), ("clothing", 8), ("electronics", 3), ("pharmacy", 7),
             ("atm", 5), ("taxi", 1), ("gambling", 1), ("hotel", 1), ("airline_aa", 1)),
        recurring=("utilities", "streaming"),
        occasional=(("deposit", 0.03), ("international_payment", 0.03), ("fee", 0.1),
                    ("own_account_transfer", 0.3)),
    ),
    Persona(
        "student", share=0.20, monthly_rate=35, international_share=0.05,
        salary=1_400, loan_share=0.2,
        mix=(("fast_food", 25), ("dining", 10), ("groceries", 15), ("taxi", 8), ("clothing", 12),
             ("electronics", 6), ("department_store", 4), ("atm", 8), ("gambling", 3),
             ("quasi_cash", 2), ("pharmacy", 2), ("airline_aa", 1), ("travel_agency", 1)),
        recurring=("streaming",),
        occasional=(("deposit", 0.08), ("international_payment", 0.05), ("fee", 0.2),
                    ("own_account_transfer", 0.1)),
    ),
    Persona(
        "affluent_saver", share=0.15, monthly_rate=25, international_share=0.08,
        salary=12_000, loan_share=0.2, earns_interest=True,
        mix=(("dining", 20), ("groceries", 20), ("department_store", 10), ("electronics", 5),
             ("hotel", 6), ("airline_aa", 3), ("airline_ba", 2), ("travel_agency", 4),
             ("fuel", 8), ("pharmacy", 5), ("taxi", 5), ("clothing", 7), ("atm", 3)),
        recurring=("utilities", "streaming"),
        occasional=(("deposit", 0.15), ("international_payment", 0.1), ("fee", 0.02),
                    ("own_account_transfer", 0.8)),
    ),
    Persona(
        "drifting_away", share=0.20, monthly_rate=30, international_share=0.03,
        salary=4_200, loan_share=0.3, monthly_decay=0.78,
        mix=(("groceries", 20), ("dining", 12), ("fast_food", 12), ("fuel", 10),
             ("department_store", 8), ("clothing", 8), ("electronics", 4), ("pharmacy", 6),
             ("taxi", 4), ("atm", 8), ("gambling", 2), ("quasi_cash", 1)),
        recurring=("utilities",),
        occasional=(("deposit", 0.03), ("international_payment", 0.03), ("fee", 0.15),
                    ("own_account_transfer", 0.15)),
    ),
)
# fmt: on
PERSONAS: tuple[str, ...] = tuple(p.name for p in PROFILES)
PERSONA_BY_NAME = {p.name: p for p in PROFILES}

# fmt: off
FIRST_NAMES = ("Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Ethan", "Mia",
               "Lucas", "Amara", "Kenji", "Priya", "Diego", "Hannah", "Omar", "Grace", "Wei",
               "Zoe", "Samuel")
LAST_NAMES = ("Johnson", "Okafor", "Nguyen", "Garcia", "Kowalski", "Patel", "Brown", "Schmidt",
              "Haddad", "Rossi", "Kim", "Larsen", "Moreau", "Silva", "Tanaka", "Walker", "Cohen",
              "Ibrahim", "Novak", "Reyes")
# fmt: on


class Mix:
    """A persona's card-spend mix, compiled for a draw by bisection."""

    def __init__(self, weighted: tuple[tuple[str, float], ...]) -> None:
        self.kinds = tuple(SPEND[name] for name, _ in weighted)
        self.cumulative = list(itertools.accumulate(weight for _, weight in weighted))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> Spend:
        return self.kinds[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


MIXES = {p.name: Mix(p.mix) for p in PROFILES}
