"""Per-study effect sizes: the formulas, the zero-cell rules and bad values."""

from __future__ import annotations

import math

import pytest

from extraction.effects import (
    ZeroCellRule,
    binary_effects,
    continuous_effects,
    generic_effects,
    hedges_j,
    peto_effects,
)
from extraction.errors import PoolingError
from extraction.pooling import METAFOR, REVMAN5
from extraction.studies import BinaryStudy, ContinuousStudy, GenericStudy

ONE = [ContinuousStudy("A", 1.0, 1.0, 10, 0.0, 1.0, 10)]


def test_smd_revman5_convention() -> None:
    # d = 1, N = 20: g = 1 - 3/(4*20 - 9); SE² = N/(n1 n2) + g²/(2(N - 3.94)).
    eff = continuous_effects(ONE, measure="SMD", smd="revman5")
    g = 1 - 3 / 71
    assert eff.yi[0] == pytest.approx(g)
    assert eff.vi[0] == pytest.approx(20 / 100 + g**2 / (2 * (20 - 3.94)))


def test_smd_metafor_convention() -> None:
    eff = continuous_effects(ONE, measure="SMD", smd="metafor")
    j = math.gamma(9) / (math.sqrt(9) * math.gamma(8.5))
    assert hedges_j(18) == pytest.approx(j)
    assert eff.yi[0] == pytest.approx(j)
    assert eff.vi[0] == pytest.approx(1 / 10 + 1 / 10 + j**2 / 40)


def test_mean_difference_and_ratio_of_means() -> None:
    eff = continuous_effects([ContinuousStudy("A", 12, 3, 9, 10, 2, 16)], measure="MD")
    assert eff.yi[0] == 2 and eff.vi[0] == pytest.approx(9 / 9 + 4 / 16)
    rom = continuous_effects([ContinuousStudy("A", 12, 3, 9, 10, 2, 16)], measure="ROM")
    assert rom.log_scale and rom.yi[0] == pytest.approx(math.log(1.2))
    assert rom.vi[0] == pytest.approx(9 / (9 * 144) + 4 / (16 * 100))
    corrected = continuous_effects([ContinuousStudy("A", 12, 3, 9, 10, 2, 16)], measure="ROM",
                                   rom_correct=True)
    assert corrected.yi[0] == pytest.approx(math.log(1.2) + (9 / (9 * 144) - 4 / 1600) / 2)


def test_ratio_of_means_needs_positive_means() -> None:
    with pytest.raises(PoolingError, match=r"study 'A': a ratio of means needs positive means "
                                           r"\(got -1 and 2\)"):
        continuous_effects([ContinuousStudy("A", -1, 1, 10, 2, 1, 10)], measure="ROM")


def test_binary_formulas() -> None:
    study = [BinaryStudy("A", 10, 50, 20, 60)]
    rr = binary_effects(study, measure="RR")
    assert rr.yi[0] == pytest.approx(math.log((10 / 50) / (20 / 60)))
    assert rr.vi[0] == pytest.approx(1 / 10 - 1 / 50 + 1 / 20 - 1 / 60)
    odds = binary_effects(study, measure="OR")
    assert odds.yi[0] == pytest.approx(math.log(10 * 40 / (40 * 20)))
    assert odds.vi[0] == pytest.approx(1 / 10 + 1 / 40 + 1 / 20 + 1 / 40)
    rd = binary_effects(study, measure="RD")
    assert rd.yi[0] == pytest.approx(0.2 - 1 / 3)
    assert rd.vi[0] == pytest.approx(0.2 * 0.8 / 50 + (1 / 3) * (2 / 3) / 60)


def test_zero_cell_correction_adds_half_to_every_cell() -> None:
    eff = binary_effects([BinaryStudy("A", 0, 10, 3, 10)], measure="RR", rule=REVMAN5.iv_zero)
    assert eff.yi[0] == pytest.approx(math.log((0.5 / 11) / (3.5 / 11)))
    assert eff.vi[0] == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 3.5 - 1 / 11)
    assert eff.notes[0] == "0.5 added to each cell"


def test_double_zero_rules() -> None:
    studies = [BinaryStudy("none", 0, 10, 0, 12), BinaryStudy("all", 10, 10, 12, 12)]
    for measure in ("RR", "OR"):
        eff = binary_effects(studies, measure=measure, rule=REVMAN5.iv_zero)
        assert not eff.estimable.any()
        assert eff.notes == ("not estimable: no events in either arm",
                             "not estimable: every participant had the event in both arms")
    rd = binary_effects(studies, measure="RD", rule=REVMAN5.iv_zero)
    assert rd.estimable.all() and rd.yi[0] == pytest.approx(0.5 / 11 - 0.5 / 13)
    kept = binary_effects(studies, measure="OR", rule=METAFOR.iv_zero)
    assert kept.estimable.all() and kept.yi[0] == pytest.approx(math.log(0.5 * 12.5 / (10.5 * 0.5)))


def test_no_correction_leaves_a_zero_cell_study_not_estimable() -> None:
    eff = binary_effects([BinaryStudy("A", 0, 10, 3, 10)], measure="OR",
                         rule=ZeroCellRule(0.0, "none"))
    assert not eff.estimable[0]
    assert eff.notes[0] == "not estimable: a zero cell and no continuity correction"


def test_peto_effects() -> None:
    eff = peto_effects([BinaryStudy("A", 5, 20, 10, 20), BinaryStudy("B", 0, 8, 0, 9)])
    o_e = 5 - 20 * 15 / 40
    v = 20 * 20 * 15 * 25 / (40**2 * 39)
    assert eff.yi[0] == pytest.approx(o_e / v) and eff.vi[0] == pytest.approx(1 / v)
    assert not eff.estimable[1] and eff.notes[1] == "not estimable: no events in either arm"


@pytest.mark.parametrize(
    ("study", "message"),
    [
        (ContinuousStudy("A", 1, math.nan, 10, 0, 1, 10),
         r"study 'A': sd1: missing or not a number \(got nan\)"),
        (ContinuousStudy("A", 1, -1.0, 10, 0, 1, 10),
         r"study 'A': sd1: must be positive \(got -1.0\)"),
        (ContinuousStudy("A", 1, 1, 10, 0, 1, 1), r"study 'A': n2: must be at least 2"),
        (BinaryStudy("B", 12, 10, 1, 10),
         r"study 'B': events1: more events than participants \(total1 = 10\) \(got 12\)"),
        (BinaryStudy("B", 0, 0, 1, 10), r"study 'B': total1: must be at least 1 \(an arm with no "
                                        r"participants\) \(got 0\)"),
        (BinaryStudy("B", 1.5, 10, 1, 10), r"study 'B': events1: must be a whole number"),
        (GenericStudy("G", 0.3, 0.0), r"study 'G': se: must be positive \(got 0.0\)"),
    ],
    ids=["missing-sd", "negative-sd", "n-below-2", "events-over-total", "total-0", "fraction",
         "se-0"],
)
def test_bad_values_name_the_study_and_column(study, message) -> None:
    with pytest.raises(PoolingError, match=message):
        if isinstance(study, ContinuousStudy):
            continuous_effects([study], measure="MD")
        elif isinstance(study, BinaryStudy):
            binary_effects([study], measure="RR")
        else:
            generic_effects([study])


def test_where_is_part_of_the_message() -> None:
    study = ContinuousStudy("A", 1, -2.0, 10, 0, 1, 10, where="form.csv:7")
    with pytest.raises(PoolingError, match=r"study 'A' \(form.csv:7\): sd1: must be positive"):
        continuous_effects([study], measure="MD")
