"""The mapping file as pydantic models: the shape a bank writes in YAML to decode its core's documents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Fallback = Literal["posted", "reversal", "refund", "chargeback", "ignore", "invalid", "next"]
FieldType = Literal["text", "string", "int", "decimal", "date", "datetime", "enum", "mcc"]
Sign = Literal["positive", "absolute", "negative_is_debit", "negative_is_credit"]

MAX_PATH = 1000
PathText = Annotated[str, Field(min_length=1, max_length=MAX_PATH)]
HARD_MAX_BYTES = 64 * 1024 * 1024
HARD_MAX_ITEMS = 100_000
HARD_MAX_DEPTH = 200


def _text_keys(value: Any) -> Any:
    """Value tables match the text of a native value, so `true` and `1` as YAML keys mean "true" and "1".

    A list of tables is one table, merged in order (so that a table anchored in YAML can be reused).
    """
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        value = {k: v for table in value for k, v in table.items()}
    if not isinstance(value, dict):
        return value
    return {_text(k): _text(v) if isinstance(v, bool | int) else v for k, v in value.items()}


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


Name = Annotated[str, Field(min_length=1, max_length=200)]
# The options a field with `cases` keeps for itself; everything else belongs to a case.
_CASES_OWN = frozenset({"cases", "name", "required", "default"})


def _one_or_many(value: Any) -> Any:
    """`when: {path: a, present: true}` is short for a list of one condition."""
    return (value,) if isinstance(value, dict) else value


class Condition(_Strict):
    """A test on one value: a native path, a context value or another canonical field's value."""

    model_config = ConfigDict(populate_by_name=True)

    path: PathText | None = None
    context: str | None = Field(None, min_length=1, max_length=64)
    field: str | None = Field(None, min_length=1, max_length=64)
    name: Name | None = None
    present: bool | None = None
    choices: tuple[str, ...] | None = Field(None, alias="in", min_length=1)
    matches: str | None = Field(None, min_length=1, max_length=MAX_PATH)
    kind: Literal["object", "array", "text", "number", "boolean"] | None = Field(None, alias="is")
    ignore_case: bool = False

    @field_validator("choices", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return [_text(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _one_of_each(self) -> Condition:
        sources = [k for k in ("path", "context", "field") if getattr(self, k) is not None]
        if len(sources) != 1:
            raise ValueError(
                f"give exactly one of path, context or field (got {', '.join(sources) or 'none'})"
            )
        tests = [k for k in ("present", "choices", "matches", "kind") if getattr(self, k) is not None]
        if len(tests) != 1:
            raise ValueError("give exactly one of present, in, matches or is")
        return self


class Digest(_Strict):
    """A fingerprint of an element's (or object's) whole content, for formats that carry no id."""

    model_config = ConfigDict(populate_by_name=True)

    of: PathText = "."
    parts: tuple[PathText, ...] = Field((), alias="with", max_length=8)
    leave_out: tuple[PathText, ...] = Field((), max_length=32)
    length: int = Field(32, ge=16, le=64)
    prefix: str = Field("", max_length=32)


class FieldSpec(_Strict):
    """Where one canonical field comes from and how its native value is converted.

    A field either names one source (`path`, `context`, `constant`, `digest`, `field`, `tag_of`) or lists
    `cases`: alternatives tried in order, the first that holds and yields a value winning.
    """

    path: PathText | tuple[PathText, ...] | None = None
    separator: str = Field("-", max_length=8)
    context: str | None = Field(None, min_length=1, max_length=64)
    constant: str | None = None
    digest: Digest | None = None
    tag_of: str | None = Field(None, min_length=1, max_length=64)
    field: str | None = Field(None, min_length=1, max_length=64)
    cases: tuple[FieldSpec, ...] | None = Field(None, min_length=1, max_length=40)
    name: Name | None = None
    when: tuple[Condition, ...] = Field((), max_length=16)
    unless: tuple[Condition, ...] = Field((), max_length=16)
    tag: str | None = Field(None, min_length=1, max_length=64)
    many: Literal["one", "first", "join"] = "one"
    skip_invalid: bool = False
    default: str | None = None
    required: bool | None = None
    type: FieldType | None = None
    normalize_space: bool = False
    pattern: str | None = Field(None, min_length=1, max_length=MAX_PATH)
    keywords: dict[str, tuple[str, ...]] | None = None
    casing: Literal["upper", "lower"] | None = None
    truncate: int | None = Field(None, ge=1, le=4096)
    values: dict[str, str] | None = None
    ignore_case: bool = False
    otherwise: str | None = None
    formats: tuple[str, ...] = ()
    timezone: str | None = None
    sign: Sign = "positive"
    max_length: int | None = Field(None, ge=1, le=100_000)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """`amount: TRN_AMT` is short for `amount: {path: TRN_AMT}`."""
        return {"path": data} if isinstance(data, str) else data

    @field_validator("when", "unless", mode="before")
    @classmethod
    def _conditions(cls, value: Any) -> Any:
        return _one_or_many(value)

    @field_validator("values", "keywords", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _text_keys(value)

    @field_validator("constant", "default", "otherwise", mode="before")
    @classmethod
    def _scalar(cls, value: Any) -> Any:
        return _text(value)

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        sources = ("path", "context", "constant", "digest", "field", "tag_of", "cases")
        given = [k for k in sources if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of path, context, constant, digest, field, tag_of or cases "
                f"(got {', '.join(given) or 'none'})"
            )
        if self.constant is not None and self.default is not None:
            raise ValueError("a constant needs no default")
        if isinstance(self.path, tuple) and not 2 <= len(self.path) <= 8:
            raise ValueError("a joined path lists two to eight paths")
        if self.cases is not None and (self.model_fields_set - _CASES_OWN):
            extra = ", ".join(sorted(self.model_fields_set - _CASES_OWN))
            raise ValueError(
                f"a field with cases takes only name, required and default ({extra} go on a case)"
            )
        if self.cases is not None and any(c.cases is not None for c in self.cases):
            raise ValueError("a case cannot have cases of its own")
        return self


class EventTest(_Strict):
    """One test of the event rule: a native value looked up in a table of outcomes, then in patterns."""

    path: PathText | None = None
    context: str | None = Field(None, min_length=1, max_length=64)
    name: Name | None = None
    when: tuple[Condition, ...] = Field((), max_length=16)
    unless: tuple[Condition, ...] = Field((), max_length=16)
    values: dict[str, Fallback] = Field(default_factory=dict)
    patterns: dict[str, Fallback] = Field(default_factory=dict)
    missing: Fallback = "next"
    unknown: Fallback = "next"

    @field_validator("when", "unless", mode="before")
    @classmethod
    def _conditions(cls, value: Any) -> Any:
        return _one_or_many(value)

    @field_validator("values", "patterns", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _text_keys(value)

    @model_validator(mode="after")
    def _one_source(self) -> EventTest:
        if (self.path is None) == (self.context is None):
            raise ValueError("give exactly one of path or context")
        return self


class EventRule(_Strict):
    """Tests tried in order; the first that decides says posted, a reversal kind, or ignore."""

    when: tuple[EventTest, ...] = ()
    otherwise: Literal["posted", "reversal", "refund", "chargeback", "ignore", "invalid"] = "invalid"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """`event: posted` means every item is a posted transaction."""
        return {"otherwise": data} if isinstance(data, str) else data


class Fields(_Strict):
    """The canonical fields; the ones a posted or reversed event needs are checked by the loader."""

    source_id: FieldSpec
    original_source_id: FieldSpec | None = None
    customer_id: FieldSpec
    account_id: FieldSpec | None = None
    amount: FieldSpec
    currency: FieldSpec
    direction: FieldSpec | None = None
    transaction_type: FieldSpec | None = None
    booked_at: FieldSpec
    value_date: FieldSpec | None = None
    mcc: FieldSpec | None = None
    merchant_name: FieldSpec | None = None
    merchant_country: FieldSpec | None = None
    channel: FieldSpec | None = None
    description: FieldSpec | None = None
    kind: FieldSpec | None = None
    extra: dict[str, FieldSpec] = Field(default_factory=dict)


class Limits(_Strict):
    """What one document may cost; the hard maxima hold whatever a mapping says."""

    max_bytes: int = Field(8 * 1024 * 1024, ge=1, le=HARD_MAX_BYTES)
    max_items: int = Field(10_000, ge=1, le=HARD_MAX_ITEMS)
    max_depth: int = Field(64, ge=2, le=HARD_MAX_DEPTH)


class MappingSpec(_Strict):
    """One mapping file: a native format described as paths into its documents."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    source_system: str | None = Field(None, pattern=r"^[a-z][a-z0-9_.-]{0,39}$")
    description: str = ""
    format: Literal["json", "xml"]
    namespaces: dict[str, str] = Field(default_factory=dict)
    items: str | None = Field(None, min_length=1, max_length=MAX_PATH)
    array_is_batch: bool = True
    allow_empty: bool | PathText = False  # or a path: empty is fine when it finds something
    empty_is_absent: bool = False
    context: dict[str, PathText | tuple[PathText, ...]] = Field(default_factory=dict)
    event: EventRule
    fields: Fields
    limits: Limits = Field(default_factory=Limits)

    @field_validator("allow_empty", mode="before")
    @classmethod
    def _flag_or_path(cls, value: Any) -> Any:
        """`true` and `false` are the flag (every scalar arrives as text); anything else is a path."""
        return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value

    @property
    def system(self) -> str:
        return self.source_system or self.name

    @property
    def items_path(self) -> str:
        return self.items or ("$" if self.format == "json" else ".")
