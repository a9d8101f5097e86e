"""The tally totals engine: each rule of amity.core.tally.totals with worked numbers, JPY,
bad input, and a property test over random documents (every figure is the exact sum of its
rounded parts)."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings

from amity.core.i18n import Languages
from amity.core.tally.totals import (
    AdjustmentIn,
    DocumentIn,
    GroupIn,
    LineIn,
    Totals,
    TotalsError,
    compute,
    to_plain,
)
from tests.core.tally_strategies import documents

D = Decimal


def adj(
    key: str, kind: str, rate: str | None = None, amount: str | None = None, line: str | None = None
) -> AdjustmentIn:
    return AdjustmentIn(
        key, kind, None if rate is None else D(rate), None if amount is None else D(amount), line
    )


def one_group(*lines: LineIn, adjustments: tuple[AdjustmentIn, ...] = (), **doc: object) -> Totals:
    return compute(DocumentIn(groups=(GroupIn("g", lines, adjustments),), **doc))  # type: ignore[arg-type]


# -- rule 1 and 2: lines, rounding half up -------------------------------------------------------
def test_line_amounts_round_half_up_to_the_cent() -> None:
    # 3 x 19.995 = 59.985 and 2.5 x 1.01 = 2.525: half up, where half even would give .98/.52
    totals = one_group(
        LineIn("l", D("3"), D("19.995"), D("1.01")), LineIn("m", D("2.5"), D("1.01"), D("1.01"))
    )
    assert totals.lines["l"].ext_price == D("59.99")
    assert totals.lines["l"].cost == D("3.03")
    assert totals.lines["m"].ext_price == D("2.53")
    assert totals.lines["m"].net_price == D("2.53")
    assert totals.groups["g"].subtotal == D("62.52")
    assert totals.groups["g"].cost == D("5.56")


def test_a_line_without_cost_price_costs_nothing_and_ints_are_exact_numbers() -> None:
    totals = one_group(LineIn("l", 3, 7))  # type: ignore[arg-type]
    assert totals.lines["l"].ext_price == D("21.00")
    assert str(totals.lines["l"].cost) == "0.00"


def test_every_figure_has_the_currency_s_places_even_when_empty() -> None:
    totals = compute(DocumentIn(groups=(GroupIn("g", (), ()),)))
    assert {
        str(v) for k, v in to_plain(totals).items() if k not in {"lines", "adjustments", "groups"}
    } == {"0.00"}
    assert {str(v) for v in vars(totals.groups["g"]).values()} == {"0.00"}


def test_a_rounded_away_credit_is_zero_not_minus_zero() -> None:
    totals = one_group(LineIn("l", D("-1"), D("0.001")))
    assert str(totals.lines["l"].ext_price) == "0.00"
    assert str(totals.amount) == "0.00"


# -- rule 3 and 4: line discounts, then line taxes ----------------------------------------------
def test_line_discounts_come_off_ext_price_and_each_tax_applies_to_the_net_price() -> None:
    totals = one_group(
        LineIn("l", D("2"), D("50")),
        adjustments=(
            adj("pct", "StdPercentDiscount", rate="10", line="l"),
            adj("fix", "StandardDiscount", amount="5", line="l"),
            adj("vat", "StandardTax", rate="19", line="l"),
            adj("local", "StandardTax", rate="7", line="l"),
        ),
    )
    line = totals.lines["l"]
    assert (line.ext_price, line.discount, line.net_price, line.tax) == (
        D("100.00"),
        D("15.00"),
        D("85.00"),
        D("22.10"),
    )
    assert totals.adjustments["pct"].amount == D("10.00")
    assert totals.adjustments["fix"].amount == D("5.00")
    assert totals.adjustments["vat"].amount == D("16.15")  # 19 % of 85, not of 100
    assert totals.adjustments["local"].amount == D("5.95")  # 7 % of 85, not of 85 + 16.15
    group = totals.groups["g"]
    assert (group.subtotal, group.discount, group.pretax, group.tax, group.total) == (
        D("85.00"),
        D("0.00"),
        D("85.00"),
        D("22.10"),
        D("107.10"),
    )


def test_percent_discounts_add_up_rather_than_compound() -> None:
    totals = one_group(
        LineIn("l", D("1"), D("200")),
        adjustments=(
            adj("a", "StdPercentDiscount", rate="10", line="l"),
            adj("b", "StdPercentDiscount", rate="5", line="l"),
        ),
    )
    assert totals.lines["l"].discount == D("30.00")  # 15 % of 200; compounded would be 29.00


def test_a_discount_never_takes_a_line_below_zero() -> None:
    totals = one_group(
        LineIn("l", D("1"), D("30")),
        LineIn("m", D("1"), D("100")),
        adjustments=(
            adj("big", "StandardDiscount", amount="50", line="l"),
            adj("late", "StdPercentDiscount", rate="10", line="l"),
            adj("tax", "StandardTax", rate="19", line="l"),
            adj("sixty", "StdPercentDiscount", rate="60", line="m"),
            adj("again", "StdPercentDiscount", rate="60", line="m"),
        ),
    )
    assert totals.lines["l"].net_price == D("0.00")
    assert totals.lines["l"].discount == D("30.00")
    assert totals.adjustments["big"] == type(totals.adjustments["big"])(D("50.00"), D("30.00"))
    assert (totals.adjustments["late"].amount, totals.adjustments["late"].applied) == (
        D("3.00"),
        D("0.00"),
    )
    assert totals.adjustments["tax"].amount == D("0.00")
    assert totals.lines["m"].net_price == D("0.00")
    assert (totals.adjustments["again"].amount, totals.adjustments["again"].applied) == (
        D("60.00"),
        D("40.00"),
    )
    assert totals.amount == D("0.00")


def test_a_credit_line_is_negative_and_its_discounts_move_it_toward_zero() -> None:
    totals = one_group(
        LineIn("l", D("-2"), D("50"), D("20")),
        LineIn("m", D("-1"), D("100")),
        adjustments=(
            adj("pct", "StdPercentDiscount", rate="10", line="l"),
            adj("fix", "StandardDiscount", amount="5", line="l"),
            adj("vat", "StandardTax", rate="19", line="l"),
            adj("huge", "StandardDiscount", amount="500", line="m"),
        ),
    )
    line = totals.lines["l"]
    assert (line.ext_price, line.discount, line.net_price, line.tax, line.cost) == (
        D("-100.00"),
        D("-15.00"),
        D("-85.00"),
        D("-16.15"),
        D("-40.00"),
    )
    assert totals.adjustments["pct"].amount == D("-10.00")
    assert (totals.adjustments["fix"].amount, totals.adjustments["fix"].applied) == (
        D("5.00"),
        D("-5.00"),
    )
    assert totals.lines["m"].net_price == D("0.00")
    assert totals.adjustments["huge"].applied == D("-100.00")
    assert totals.amount == D("-101.15")


# -- rules 5 and 6: group discounts, shipping, group taxes --------------------------------------
def test_group_discounts_shipping_and_taxes_on_the_taxable_base() -> None:
    totals = one_group(
        LineIn("l", D("1"), D("200")),
        LineIn("m", D("4"), D("25")),
        adjustments=(
            adj("pct", "StdPercentDiscount", rate="10"),
            adj("fix", "StandardDiscount", amount="20"),
            adj("taxed", "TaxedShipping", amount="10"),
            adj("untaxed", "UntaxedShipping", amount="5"),
            adj("vat", "StandardTax", rate="19"),
            adj("extra", "StandardTax", rate="2.5"),
        ),
    )
    group = totals.groups["g"]
    assert group.subtotal == D("300.00")
    assert totals.adjustments["pct"].amount == D("30.00")
    assert group.discount == D("50.00")
    assert group.shipping == D("15.00")
    assert group.pretax == D("265.00")
    # taxable: 300 - 50 + 10 taxed shipping = 260; the untaxed 5 is not in it
    assert totals.adjustments["vat"].amount == D("49.40")
    assert totals.adjustments["extra"].amount == D("6.50")
    assert group.tax == D("55.90")
    assert group.total == D("320.90")
    assert totals.amount == D("320.90")


def test_a_group_percent_discount_is_of_the_subtotal_after_line_discounts() -> None:
    totals = one_group(
        LineIn("l", D("1"), D("100")),
        LineIn("m", D("1"), D("20")),
        adjustments=(
            adj("line", "StdPercentDiscount", rate="20", line="l"),
            adj("group", "StdPercentDiscount", rate="10"),
        ),
    )
    assert totals.groups["g"].subtotal == D("100.00")
    assert totals.groups["g"].discount == D("10.00")
    assert totals.groups["g"].pretax == D("90.00")


def test_a_group_discount_never_takes_the_group_below_zero() -> None:
    totals = one_group(
        LineIn("l", D("1"), D("40")),
        adjustments=(
            adj("fix", "StandardDiscount", amount="100"),
            adj("ship", "UntaxedShipping", amount="7"),
        ),
    )
    assert totals.adjustments["fix"].applied == D("40.00")
    assert totals.groups["g"].pretax == D("7.00")


def test_a_group_tax_covers_lines_with_their_own_taxes_too() -> None:
    totals = one_group(
        LineIn("l", D("1"), D("100")),
        adjustments=(
            adj("own", "StandardTax", rate="10", line="l"),
            adj("all", "StandardTax", rate="19"),
        ),
    )
    assert totals.lines["l"].tax == D("10.00")
    assert totals.adjustments["all"].amount == D("19.00")
    assert totals.groups["g"].tax == D("29.00")


def test_a_percent_type_s_given_amount_and_a_fixed_type_s_rate_are_ignored() -> None:
    totals = one_group(
        LineIn("l", D("1"), D("100")),
        adjustments=(
            adj("vat", "StandardTax", rate="19", amount="999"),
            adj("fix", "StandardDiscount", rate="50", amount="1.005"),
        ),
    )
    assert totals.adjustments["vat"].amount == D("18.81")  # 19 % of 100 - 1.01
    assert totals.adjustments["fix"].amount == D("1.01")  # a given amount is rounded half up


# -- rule 7: the document -------------------------------------------------------------------------
def test_the_document_sums_its_groups_and_subtracts_payments() -> None:
    groups = (
        GroupIn(
            "a", (LineIn("l", D("2"), D("50")),), (adj("vat", "StandardTax", rate="19", line="l"),)
        ),
        GroupIn(
            "b", (LineIn("m", D("1"), D("10")),), (adj("ship", "UntaxedShipping", amount="4.5"),)
        ),
    )
    totals = compute(DocumentIn(groups, payments=D("100.005")))
    assert totals.groups["a"].total == D("119.00")
    assert totals.groups["b"].total == D("14.50")
    assert (totals.subtotal, totals.shipping, totals.pretax, totals.tax) == (
        D("110.00"),
        D("4.50"),
        D("114.50"),
        D("19.00"),
    )
    assert totals.amount == D("133.50")
    assert totals.payments == D("100.01")
    assert totals.amount_due == D("33.49")
    overpaid = compute(DocumentIn(groups, payments=D("200")))
    assert overpaid.amount_due == D("-66.50")


def test_to_plain_gives_nested_dicts() -> None:
    plain = to_plain(
        one_group(
            LineIn("l", D("1"), D("5")), adjustments=(adj("t", "StandardTax", rate="10", line="l"),)
        )
    )
    assert plain["lines"]["l"] == {
        "ext_price": D("5.00"),
        "discount": D("0.00"),
        "net_price": D("5.00"),
        "tax": D("0.50"),
        "cost": D("0.00"),
    }
    assert plain["adjustments"]["t"] == {"amount": D("0.50"), "applied": D("0.50")}
    assert plain["groups"]["g"]["total"] == D("5.50")
    assert plain["amount"] == plain["amount_due"] == D("5.50")


# -- JPY: no minor unit ---------------------------------------------------------------------------
def test_yen_round_half_up_to_whole_units() -> None:
    totals = one_group(
        LineIn("l", D("3"), D("333.5")),
        LineIn("m", D("1"), D("2.5")),
        adjustments=(
            adj("pct", "StdPercentDiscount", rate="10", line="l"),
            adj("tax", "StandardTax", rate="8", line="l"),
            adj("ship", "UntaxedShipping", amount="500"),
        ),
        decimals=0,
        payments=D("1000"),
    )
    assert str(totals.lines["l"].ext_price) == "1001"  # 1000.5
    assert str(totals.lines["m"].ext_price) == "3"  # 2.5; half even would give 2
    assert str(totals.adjustments["pct"].amount) == "100"  # 100.1
    assert str(totals.lines["l"].net_price) == "901"
    assert str(totals.lines["l"].tax) == "72"  # 72.08
    assert str(totals.groups["g"].subtotal) == "904"
    assert str(totals.amount) == "1476"
    assert str(totals.amount_due) == "476"


# -- rule 8: bad input --------------------------------------------------------------------------
LINE = LineIn("l", D("1"), D("10"))

BAD_ADJUSTMENTS = [
    (
        adj("a", "Coupon", amount="5"),
        "Unknown adjustment type {type} for adjustment {adjustment}; expected one of {types}",
    ),
    (adj("a", "StandardTax"), "Adjustment {adjustment} of type {type} needs a rate"),
    (
        adj("a", "StdPercentDiscount", amount="5"),
        "Adjustment {adjustment} of type {type} needs a rate",
    ),
    (
        adj("a", "StandardDiscount", rate="5"),
        "Adjustment {adjustment} of type {type} needs an amount",
    ),
    (adj("a", "UntaxedShipping"), "Adjustment {adjustment} of type {type} needs an amount"),
    (
        adj("a", "StandardTax", rate="19", line="nope"),
        "Adjustment {adjustment} names line {line}, which is not in its group {group}",
    ),
    (
        adj("a", "TaxedShipping", amount="5", line="l"),
        "Adjustment {adjustment}: shipping applies to a whole group, not to line {line}",
    ),
    (
        adj("a", "StandardDiscount", amount="-5"),
        "Adjustment {adjustment}: the {field} of a {type} must not be negative ({value})",
    ),
    (
        adj("a", "StandardTax", rate="-1", line="l"),
        "Adjustment {adjustment}: the {field} of a {type} must not be negative ({value})",
    ),
    (
        adj("a", "StandardTax", rate="NaN"),
        "{part}: {field} is not an exact decimal number ({value})",
    ),
    (
        adj("a", "StandardTax", rate="1E+18"),
        "{part}: {field} must be below 10^{power} with at most {digits} digits ({value})",
    ),
]


@pytest.mark.parametrize(
    ("bad", "message_id"),
    BAD_ADJUSTMENTS,
    ids=[b.type + str(i) for i, (b, _) in enumerate(BAD_ADJUSTMENTS)],
)
def test_a_bad_adjustment_is_refused_with_a_clear_message(
    bad: AdjustmentIn, message_id: str
) -> None:
    with pytest.raises(TotalsError) as caught:
        one_group(LINE, adjustments=(bad,))
    assert caught.value.message_id == message_id
    assert isinstance(caught.value, ValueError)
    assert "djustment a" in str(caught.value)


def test_the_messages_name_what_is_wrong() -> None:
    with pytest.raises(
        TotalsError,
        match="Unknown adjustment type Coupon for adjustment a; expected one of StandardTax, ",
    ):
        one_group(LINE, adjustments=(adj("a", "Coupon", amount="5"),))
    with pytest.raises(
        TotalsError, match=r"^Adjustment a names line l, which is not in its group h$"
    ):
        compute(
            DocumentIn(
                (
                    GroupIn("g", (LINE,), ()),
                    GroupIn("h", (), (adj("a", "StandardTax", rate="1", line="l"),)),
                )
            )
        )
    with pytest.raises(
        TotalsError, match=r"^Line l: quantity is not an exact decimal number \(0.1\)$"
    ):
        one_group(LineIn("l", 0.1, D(1)))  # type: ignore[arg-type]
    with pytest.raises(
        TotalsError, match=r"^The document: payments is not an exact decimal number \(Infinity\)$"
    ):
        one_group(LINE, payments=D("Infinity"))


@pytest.mark.parametrize(
    "line",
    [
        LineIn("l", 1.5, D(1)),  # type: ignore[arg-type]
        LineIn("l", D(1), D("sNaN")),
        LineIn("l", D(1), D(1), D("-Infinity")),
        LineIn("l", D(1), D("1E+18")),
        LineIn("l", D("1.0000000000000000000000000000001"), D(1)),
        LineIn("l", True, D(1)),  # type: ignore[arg-type]
        LineIn("l", D(1), "10"),  # type: ignore[arg-type]
    ],
)
def test_line_numbers_must_be_exact_and_in_range(line: LineIn) -> None:
    with pytest.raises(TotalsError) as caught:
        one_group(line)
    assert caught.value.message_id.startswith("{part}: {field} ")
    assert str(caught.value).startswith("Line l: ")


def test_big_numbers_in_range_stay_exact() -> None:
    totals = one_group(
        LineIn("l", D("999999999999999999"), D("999999999999999999.999999999999")),
        adjustments=(adj("t", "StandardTax", rate="99999999999999999.9999999999999"),),
        decimals=6,
    )
    with localcontext(Context(prec=100)):  # the default 28 digits could not hold these
        micro = D("0.000001")
        ext = (D("999999999999999999") * D("999999999999999999.999999999999")).quantize(micro)
        tax = (ext * D("99999999999999999.9999999999999") / 100).quantize(micro)
        assert totals.lines["l"].ext_price == ext
        assert totals.groups["g"].tax == tax
        assert totals.amount == ext + tax
        assert len(str(totals.amount)) > 50


@pytest.mark.parametrize("decimals", [-1, 7, True, "2", 2.0])
def test_decimals_must_be_0_to_6(decimals: object) -> None:
    with pytest.raises(TotalsError, match=r"^decimals must be a whole number from 0 to 6, not "):
        one_group(LINE, decimals=decimals)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ((GroupIn("g", (), ()), GroupIn("g", (), ())), "Group key g is used more than once"),
        (
            (GroupIn("g", (LINE,), ()), GroupIn("h", (LINE,), ())),
            "Line key l is used more than once",
        ),
        (
            (
                GroupIn(
                    "g",
                    (LINE,),
                    (adj("a", "StandardTax", rate="1"), adj("a", "StandardTax", rate="2")),
                ),
            ),
            "Adjustment key a is used more than once",
        ),
    ],
)
def test_keys_are_unique_in_the_document(groups: tuple[GroupIn, ...], message: str) -> None:
    with pytest.raises(TotalsError, match=f"^{message}$"):
        compute(DocumentIn(groups))


# -- property: every figure is the exact sum of its parts -----------------------------------------
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_every_figure_is_the_exact_sum_of_its_rounded_parts(document: DocumentIn) -> None:
    totals = compute(document)
    unit = D(1).scaleb(-document.decimals)
    plain = to_plain(totals)
    values = [
        v
        for part in ("lines", "adjustments", "groups")
        for row in plain[part].values()
        for v in row.values()
    ]
    values += [v for k, v in plain.items() if k not in {"lines", "adjustments", "groups"}]
    for value in values:
        assert value.as_tuple().exponent == -document.decimals, value
        assert not (value == 0 and value.is_signed()), value

    for group in document.groups:
        g = totals.groups[group.key]
        line_rows = [totals.lines[ln.key] for ln in group.lines]
        for line in group.lines:
            row = totals.lines[line.key]
            own = [a for a in group.adjustments if a.line_key == line.key]
            discounts = [totals.adjustments[a.key].applied for a in own if "Discount" in a.type]
            taxes = [totals.adjustments[a.key].amount for a in own if a.type == "StandardTax"]
            assert row.ext_price == (line.quantity * line.unit_price).quantize(
                unit, "ROUND_HALF_UP"
            )
            assert row.discount == sum(discounts, D(0))
            assert row.net_price == row.ext_price - row.discount
            assert min(D(0), row.ext_price) <= row.net_price <= max(D(0), row.ext_price)
            assert row.tax == sum(taxes, D(0))
        whole = [a for a in group.adjustments if a.line_key is None]
        group_discounts = [totals.adjustments[a.key].applied for a in whole if "Discount" in a.type]
        shipping = [totals.adjustments[a.key].amount for a in whole if "Shipping" in a.type]
        group_taxes = [totals.adjustments[a.key].amount for a in whole if a.type == "StandardTax"]
        assert g.cost == sum((r.cost for r in line_rows), D(0))
        assert g.subtotal == sum((r.net_price for r in line_rows), D(0))
        assert g.discount == sum(group_discounts, D(0))
        assert min(D(0), g.subtotal) <= g.subtotal - g.discount <= max(D(0), g.subtotal)
        assert g.shipping == sum(shipping, D(0))
        assert g.pretax == g.subtotal - g.discount + g.shipping
        assert g.tax == sum((r.tax for r in line_rows), D(0)) + sum(group_taxes, D(0))
        assert g.total == g.pretax + g.tax

    groups = list(totals.groups.values())
    for name in ("cost", "subtotal", "discount", "shipping", "pretax", "tax"):
        assert getattr(totals, name) == sum((getattr(g, name) for g in groups), D(0)), name
    assert totals.amount == sum((g.total for g in groups), D(0))
    assert totals.payments == document.payments.quantize(unit, "ROUND_HALF_UP")
    assert totals.amount_due == totals.amount - totals.payments
    assert set(totals.adjustments) == {a.key for g in document.groups for a in g.adjustments}


def test_a_refusal_reads_in_german_with_its_parts_translated() -> None:
    """The API answers in the client's language: the id, its params and the Text part."""
    with pytest.raises(TotalsError) as caught:
        one_group(LineIn("l", D("NaN"), D(1)))
    error = caught.value
    german = Languages().message("de", error.message_id, error.params)
    assert german == "Zeile l: quantity ist keine exakte Dezimalzahl (NaN)"
