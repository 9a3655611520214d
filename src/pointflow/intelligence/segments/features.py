"""Behaviour features for segmentation: what a member buys, how often, how big, abroad, income, redemptions.

Read from the simulator's observable tables (or any frames with the same columns) over a window of whole
months; one row per member with a transaction in the window.
"""

from __future__ import annotations

import polars as pl

# Spend families by MCC: narrower than the ISO 18245 ranges (dining and hotels share one range there),
# so a description can say "travel" or "groceries".
FAMILIES: dict[str, tuple[str, ...]] = {
    "travel": ("3001", "3005", "4111", "4121", "4411", "4511", "4722", "7011", "7512"),
    "dining": ("5812", "5813", "5814"),
    "groceries": ("5411", "5422", "5499"),
    "shopping": ("5311", "5651", "5691", "5732", "5999"),
    "fuel": ("5541", "5542"),
    "cash": ("6010", "6011", "6051"),
}
SPEND_TYPES = ("purchase", "cash_withdrawal", "quasi_cash")
# Fewer card purchases than this in the window says too little to place anyone; a member with none in
# the window's last month has lapsed (or left), and a segment of the lapsed would describe nothing else.
MIN_PURCHASES = 10
SHARES = tuple(f"share_{family}" for family in FAMILIES)
FEATURES = (
    "purchases_per_month",
    "avg_ticket",
    *SHARES,
    "abroad_share",
    "monthly_income",
    "redemptions_per_year",
    "activity_trend",
)


def behaviour_features(
    transactions: pl.DataFrame,
    redemptions: pl.DataFrame,
    members: pl.DataFrame,
    *,
    first_month: int,
    last_month: int,
) -> pl.DataFrame:
    """customer_id and FEATURES for months first_month..last_month (both included), sorted by member.

    Members with fewer than MIN_PURCHASES card purchases in the window, or none in its last month, have
    no row.

    transactions: customer_id, month, mcc, amount_cents, direction, transaction_type, merchant_country.
    redemptions: customer_id, month. members: customer_id, home_country. Money is in currency units.
    """
    months = last_month - first_month + 1
    window = pl.col("month").is_between(first_month, last_month)
    scoped = (
        transactions.filter(window)
        .join(members.select("customer_id", "home_country"), on="customer_id", how="left")
        .with_columns(_family().alias("family"), (pl.col("amount_cents") / 100).alias("amount"))
    )
    purchase = pl.col("transaction_type") == "purchase"
    activity = (
        scoped.group_by("customer_id")
        .agg(
            *_spend(months),
            *_trend(first_month, last_month),
            purchase.sum().alias("purchases"),
            (purchase & (pl.col("month") == last_month)).sum().alias("purchases_last_month"),
        )
        .filter(pl.col("purchases") >= MIN_PURCHASES, pl.col("purchases_last_month") > 0)
    )
    redeemed = (
        redemptions.filter(window)
        .group_by("customer_id")
        .agg((pl.len() * 12 / months).alias("redemptions_per_year"))
    )
    return (
        activity.join(redeemed, on="customer_id", how="left")
        .with_columns(pl.col("redemptions_per_year").fill_null(0.0))
        .with_columns(pl.col("customer_id").cast(pl.String))
        .select("customer_id", *FEATURES)
        .sort("customer_id")
    )


def _family() -> pl.Expr:
    family_of = {code: family for family, codes in FAMILIES.items() for code in codes}
    return pl.col("mcc").cast(pl.String).replace_strict(family_of, default="other", return_dtype=pl.String)


def _spend(months: int) -> list[pl.Expr]:
    spend = pl.col("transaction_type").cast(pl.String).is_in(SPEND_TYPES) & (pl.col("direction") == "debit")
    purchase = pl.col("transaction_type") == "purchase"
    total = pl.col("amount").filter(spend).sum()
    abroad = pl.col("merchant_country").cast(pl.String) != pl.col("home_country").cast(pl.String)

    def share(part: pl.Expr) -> pl.Expr:
        return pl.when(total > 0).then(pl.col("amount").filter(spend & part).sum() / total).otherwise(0.0)

    return [
        (purchase.sum() / months).alias("purchases_per_month"),
        pl.col("amount").filter(purchase).mean().fill_null(0.0).alias("avg_ticket"),
        *(share(pl.col("family") == family).alias(f"share_{family}") for family in FAMILIES),
        share(abroad).alias("abroad_share"),
        (pl.col("amount").filter(pl.col("transaction_type") == "salary_credit").sum() / months).alias(
            "monthly_income"
        ),
    ]


def _trend(first_month: int, last_month: int) -> list[pl.Expr]:
    """Purchases a month in the window's last third over its first third: below 1 is a decline."""
    third = max(1, (last_month - first_month + 1) // 3)
    purchase = pl.col("transaction_type") == "purchase"
    early = (purchase & (pl.col("month") < first_month + third)).sum()
    late = (purchase & (pl.col("month") > last_month - third)).sum()
    return [pl.when(early > 0).then((late / early).clip(0.0, 2.0)).otherwise(1.0).alias("activity_trend")]
