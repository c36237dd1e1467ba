"""Pooling against published worked examples, and its edge cases and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from extraction.analysis import AnalysisOptions, analyse, pool_studies
from extraction.effects import binary_effects
from extraction.errors import PoolingError, RegistryError
from extraction.pooling import REVMAN5, pool_effects, pool_mh, q_profile_ci
from extraction.pooling import tau2 as tau2_module
from extraction.pooling.heterogeneity import cochran_q
from extraction.pooling.iv import ONE_STUDY_WARNING
from extraction.pooling.tau2 import dl_from_q, generalised_q
from extraction.studies import BinaryStudy, ContinuousStudy, GenericStudy


def opts(measure: str, **kw) -> AnalysisOptions:
    return AnalysisOptions(measure, **kw)


def test_bcg_reml_matches_viechtbauer_2010(bcg) -> None:
    # Viechtbauer (2010), J Stat Softw 36(3): rma(yi, vi) on the BCG log risk ratios prints
    # tau^2 = 0.3132 (SE = 0.1664), I^2 = 92.22%, H^2 = 12.86, Q(12) = 152.2330,
    # estimate -0.7145, se 0.1798, z -3.9744, CI -1.0669 to -0.3622.
    r = pool_studies(bcg, opts("RR", method="IV", model="random", profile="metafor"))
    assert r.tau2_method == "REML" and r.converged
    assert r.tau2 == pytest.approx(0.3132, abs=2e-4)
    assert r.tau2_se == pytest.approx(0.1664, abs=2e-4)
    assert r.i2 == pytest.approx(92.22, abs=0.005) and r.h2 == pytest.approx(12.86, abs=0.005)
    assert r.q == pytest.approx(152.2330, abs=5e-5) and r.q_df == 12
    assert r.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert r.se == pytest.approx(0.1798, abs=5e-5)
    assert r.statistic == pytest.approx(-3.9744, abs=5e-5)
    assert (r.ci_low, r.ci_high) == pytest.approx((-1.0669, -0.3622), abs=5e-5)
    assert r.pi_low is not None and r.log_scale


def test_bcg_dersimonian_laird_under_revman5(bcg) -> None:
    # RevMan 5 profile: DL, Q-based I², no prediction interval (metafor's rma(method="DL")
    # gives -0.7141, tau² 0.3088, I² 92.1173% on these data).
    r = pool_studies(bcg, opts("RR", method="IV", model="random"))
    assert r.tau2_method == "DL" and r.profile == "revman5"
    assert r.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert r.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert r.i2 == pytest.approx(92.1173, abs=5e-5)
    assert r.pi_low is None and r.pi_high is None


def test_fleiss_aspirin_mh_odds_ratio_as_revman5(aspirin) -> None:
    # RevMan 5.0.23's own result in Fleiss1993.rm5: OR 0.8968655609130709
    # [0.8405144008917793, 0.9569947088336491], Chi² 9.946055983220074, I² 39.67458045558399.
    r = pool_studies(aspirin, opts("OR"))
    assert r.method == "MH"  # the revman5 default for OR
    assert math.exp(r.estimate) == pytest.approx(0.8968655609130709, rel=1e-12)
    assert math.exp(r.ci_low) == pytest.approx(0.8405144008917793, rel=1e-12)
    assert math.exp(r.ci_high) == pytest.approx(0.9569947088336491, rel=1e-12)
    assert r.q == pytest.approx(9.946055983220074, rel=1e-12)
    assert r.i2 == pytest.approx(39.67458045558399, rel=1e-12)
    assert [round(s.weight, 6) for s in r.studies][-1] == pytest.approx(72.879840, abs=1e-6)


def test_fleiss_md_inverse_variance_as_revman5(fleiss_md) -> None:
    # RevMan 5 CSV export: MD -0.70938839 [-1.25848502, -0.16029176], Chi² 5.66012379, I² 29.33%.
    r = pool_studies(fleiss_md, opts("MD"))
    assert (r.estimate, r.ci_low, r.ci_high) == pytest.approx(
        (-0.70938839, -1.25848502, -0.16029176), abs=1e-8)
    assert r.q == pytest.approx(5.66012379, abs=1e-8)
    assert r.i2 == pytest.approx(29.33016758, abs=1e-8)


def test_hine_risk_difference_matches_normand_1999(hine) -> None:
    # Normand (1999), Table VII (x100): fixed effect 2.94 [0.38, 5.51]; DL gives tau² = 0.
    fixed = pool_studies(hine, opts("RD", method="IV"))
    assert (100 * fixed.estimate, 100 * fixed.ci_low, 100 * fixed.ci_high) == pytest.approx(
        (2.9444, 0.3831, 5.5058), abs=5e-5)
    random = pool_studies(hine, opts("RD", method="IV", model="random"))
    assert random.tau2 == 0.0 and random.estimate == pytest.approx(fixed.estimate)


def test_paule_mandel_solves_its_estimating_equation(bcg) -> None:
    eff = binary_effects(bcg, measure="RR")
    r = pool_effects(eff.yi, eff.vi, model="random", tau2_method="PM")
    assert generalised_q(eff.yi, eff.vi, r.tau2) == pytest.approx(len(bcg) - 1, rel=1e-10)


def test_q_profile_bounds_hit_the_chi2_quantiles(bcg) -> None:
    eff = binary_effects(bcg, measure="RR")
    low, high = q_profile_ci(eff.yi, eff.vi, level=95)
    assert generalised_q(eff.yi, eff.vi, low) == pytest.approx(stats.chi2.ppf(0.975, 12))
    assert generalised_q(eff.yi, eff.vi, high) == pytest.approx(stats.chi2.ppf(0.025, 12))
    r_low, r_high = q_profile_ci(eff.yi, eff.vi, level=95, solver="r-uniroot", tau2=0.31)
    assert r_low == pytest.approx(low, abs=1.3e-4) and r_high == pytest.approx(high, abs=1.3e-4)


def test_q_profile_lower_bound_is_zero_without_heterogeneity(hine) -> None:
    eff = binary_effects(hine, measure="RD")
    low, high = q_profile_ci(eff.yi, eff.vi)
    assert low == 0.0 and high >= 0.0


def test_hartung_knapp_uses_t_with_k_minus_1_df(fleiss_md) -> None:
    r = pool_studies(fleiss_md, opts("MD", model="random", hk=True))
    assert r.test == "t" and r.df == 4
    y = np.array([s.mean1 - s.mean2 for s in fleiss_md])
    v = np.array([s.sd1**2 / s.n1 + s.sd2**2 / s.n2 for s in fleiss_md])
    w = 1 / (v + r.tau2)
    mu = np.sum(w * y) / np.sum(w)
    se = math.sqrt(np.sum(w * (y - mu) ** 2) / (4 * np.sum(w)))
    assert r.se == pytest.approx(se) and r.estimate == pytest.approx(mu)
    assert r.ci_high - r.estimate == pytest.approx(stats.t.ppf(0.975, 4) * se)


def test_prediction_interval_metafor_convention(bcg) -> None:
    r = pool_studies(bcg, opts("RR", method="IV", model="random", profile="metafor"))
    half = stats.norm.ppf(0.975) * math.sqrt(r.se**2 + r.tau2)
    assert (r.pi_low, r.pi_high) == pytest.approx((r.estimate - half, r.estimate + half))
    none = pool_studies(bcg, opts("RR", method="IV", model="random", profile="metafor",
                                  prediction=False))
    assert none.pi_low is None


def test_mh_random_effects_use_dl_from_the_mh_centred_q(bcg) -> None:
    # RevMan 5 (and meta's Q.Cochrane): tau² by DL from Q around the MH estimate.
    r = pool_studies(bcg, opts("RR", model="random"))
    eff = binary_effects(bcg, measure="RR", rule=REVMAN5.mh_q)
    assert r.q == pytest.approx(152.5676, abs=5e-5)  # metafor's rma.mh Q for these data
    assert r.tau2 == pytest.approx(dl_from_q(r.q, eff.vi))
    assert cochran_q(eff.yi, eff.vi) == pytest.approx(152.2330, abs=5e-5)  # the IV Q differs
    w = 1 / (eff.vi + r.tau2)
    assert r.estimate == pytest.approx(float(np.sum(w * eff.yi) / np.sum(w)))


def test_one_study_gives_its_own_estimate_and_a_warning() -> None:
    study = [ContinuousStudy("Only", 5.0, 2.0, 20, 4.0, 2.0, 20)]
    r = pool_studies(study, opts("MD", model="random", hk=True))
    assert r.k == 1 and r.estimate == pytest.approx(1.0)
    assert r.se == pytest.approx(math.sqrt(0.4))
    assert r.q is None and r.i2 is None and r.tau2 is None and r.pi_low is None
    assert ONE_STUDY_WARNING in r.warnings
    assert "Hartung-Knapp needs two or more studies; a z test was used" in r.warnings
    mh = pool_studies([BinaryStudy("Only", 3, 10, 5, 10)], opts("RR"))
    assert mh.k == 1 and mh.q is None and ONE_STUDY_WARNING in mh.warnings


def test_no_studies_is_an_error() -> None:
    with pytest.raises(PoolingError, match="^no studies to pool$"):
        pool_studies([], opts("MD"))
    with pytest.raises(PoolingError, match="^no studies to pool$"):
        pool_effects([], [])


def test_bad_variances_are_an_error() -> None:
    with pytest.raises(PoolingError, match="cannot pool: variances must be positive"):
        pool_effects([0.1, 0.2], [0.1, 0.0])
    with pytest.raises(PoolingError, match="cannot pool: 2 effects but 1 variances"):
        pool_effects([0.1, 0.2], [0.1])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (opts("MD", method="MH"), "the Mantel-Haenszel method pools RR, OR or RD, not MD"),
        (opts("RR", method="Peto"), r"Peto's method pools odds ratios only \(use --measure OR"),
        (opts("OR", method="Peto", model="random"), "Peto's method is fixed-effect only"),
        (opts("RR", method="MH", model="random", profile="metafor"),
         "metafor's rma.mh is fixed-effect only"),
        (opts("XX"), "Unknown measure 'XX'. Available: MD, SMD, ROM, RR, OR, RD, GIV"),
        (opts("MD", model="mixed"), "Unknown model 'mixed'. Available: fixed, random"),
        (opts("MD", level=100), "level must be between 0 and 100"),
    ],
    ids=["mh-md", "peto-rr", "peto-random", "metafor-mh-random", "measure", "model", "level"],
)
def test_impossible_combinations(options, message, aspirin) -> None:
    data = [ContinuousStudy("A", 1, 1, 10, 0, 1, 10)] if options.measure == "MD" else aspirin
    with pytest.raises(PoolingError, match=message):
        pool_studies(data, options)


def test_unknown_registry_names_list_the_known_ones() -> None:
    with pytest.raises(RegistryError, match=r"Unknown tau² estimator 'HS'. Available: DL, PM, "
                                            r"REML"):
        pool_studies([ContinuousStudy("A", 1, 1, 10, 0, 1, 10)] * 2,
                     opts("MD", model="random", tau2_method="HS"))
    with pytest.raises(RegistryError, match="Unknown profile 'stata'. Available: metafor, revman5"):
        pool_studies([ContinuousStudy("A", 1, 1, 10, 0, 1, 10)], opts("MD", profile="stata"))


def test_measure_must_match_the_data(fleiss_md) -> None:
    with pytest.raises(PoolingError, match=r"measure RR needs dichotomous \(events, total per "
                                           r"arm\) data; study 'Davis' has continuous"):
        pool_studies(fleiss_md, opts("RR"))


def test_peto_with_only_double_zero_studies_is_an_error() -> None:
    studies = [BinaryStudy("A", 0, 10, 0, 10), BinaryStudy("B", 0, 12, 0, 9)]
    with pytest.raises(PoolingError, match="Peto's odds ratio is not estimable"):
        pool_studies(studies, opts("OR", method="Peto"))


def test_double_zero_studies_under_each_profile() -> None:
    studies = [BinaryStudy("A", 3, 20, 6, 20), BinaryStudy("B", 1, 15, 4, 15),
               BinaryStudy("Zero", 0, 10, 0, 10)]
    revman = pool_studies(studies, opts("RR"))
    zero = revman.studies[2]
    assert not zero.estimable and zero.weight == 0.0
    assert zero.note == "not estimable: no events in either arm"
    assert revman.k == 3 and revman.q_df == 1
    metafor = pool_studies(studies, opts("RR", method="IV", profile="metafor"))
    assert metafor.studies[2].estimable and metafor.studies[2].note == "0.5 added to each cell"
    assert metafor.q_df == 2


def test_all_studies_double_zero_is_an_error() -> None:
    studies = [BinaryStudy("A", 0, 10, 0, 10), BinaryStudy("B", 0, 12, 0, 9)]
    with pytest.raises(PoolingError, match="no study is estimable"):
        pool_studies(studies, opts("RR", method="IV"))
    with pytest.raises(PoolingError, match="no study is estimable"):
        pool_mh(studies, measure="OR")


def test_subgroup_test_equals_q_total_minus_q_within(fleiss_md) -> None:
    studies = [ContinuousStudy(s.study, s.mean1, s.sd1, s.n1, s.mean2, s.sd2, s.n2,
                               subgroup="early" if i < 2 else "late")
               for i, s in enumerate(fleiss_md)]
    a = analyse(studies, opts("MD"))
    within = sum(g.q or 0.0 for _, g in a.subgroups)
    assert a.subgroup_test is not None and a.subgroup_test.df == 1
    assert a.subgroup_test.q == pytest.approx(a.overall.q - within)
    assert [name for name, _ in a.subgroups] == ["early", "late"]


def test_a_study_without_a_subgroup_among_others_is_an_error(fleiss_md) -> None:
    studies = [ContinuousStudy(s.study, s.mean1, s.sd1, s.n1, s.mean2, s.sd2, s.n2,
                               subgroup="x" if i else None) for i, s in enumerate(fleiss_md)]
    with pytest.raises(PoolingError, match="study 'Davis' has no subgroup while others have"):
        analyse(studies, opts("MD"))


def test_reml_falls_back_to_direct_maximisation(bcg, monkeypatch) -> None:
    eff = binary_effects(bcg, measure="RR")
    exact = tau2_module.reml(eff.yi, eff.vi)
    monkeypatch.setattr(tau2_module, "_MAXITER", 1)
    fallback = tau2_module.reml(eff.yi, eff.vi)
    assert fallback.converged and fallback.tau2 == pytest.approx(exact.tau2, abs=1e-6)


def test_dl_is_never_negative() -> None:
    # Nearly identical estimates: Q < k - 1, where an untruncated DL would be negative.
    r = pool_effects([0.10, 0.11, 0.09, 0.10], [0.04, 0.05, 0.03, 0.06], model="random")
    assert r.tau2 == 0.0 and r.i2 == 0.0


def test_generic_inverse_variance_on_the_log_scale() -> None:
    studies = [GenericStudy("A", math.log(0.8), 0.1), GenericStudy("B", math.log(0.7), 0.2)]
    r = pool_studies(studies, opts("GIV", log_scale=True))
    w = np.array([100.0, 25.0])
    assert r.log_scale and r.estimate == pytest.approx(
        float(np.sum(w * np.log([0.8, 0.7])) / w.sum()))
    assert r.natural(r.estimate) == pytest.approx(math.exp(r.estimate))
