"""Conversions against their published examples, and their errors."""

from __future__ import annotations

import math
import statistics

import pytest
from scipy import stats

from extraction.conversions import (
    ConversionError,
    combine_groups,
    correlation_from_sds,
    mean_sd_from_quantiles,
    paired_difference,
    pooled_sd,
    sd_from_ci,
    sd_from_se,
    sd_of_change,
    se_from_ci,
)


@pytest.mark.parametrize(
    ("given", "mean", "sd"),
    [
        (dict(minimum=2, median=6, maximum=14), 6.594468, 3.211576),
        (dict(q1=4, median=6, q3=10), 6.7195, 4.787076),
        (dict(minimum=2, q1=4, median=6, q3=10, maximum=14), 6.938841, 3.679435),
    ],
    ids=["range-luo-wan", "iqr-luo-wan", "five-numbers-luo-shi"],
)
def test_quantiles_match_metafor_conv_fivenum_examples(given, mean, sd) -> None:
    # metafor's conv.fivenum help page, n = 20 (Luo 2018 means; Wan 2014 / Shi 2020 SDs).
    got = mean_sd_from_quantiles(n=20, **given)
    assert got.mean == pytest.approx(mean, abs=5e-7) and got.sd == pytest.approx(sd, abs=5e-7)
    assert got.skewed is False


def test_lognormal_back_transformation_matches_metafor() -> None:
    # conv.fivenum(dist="lnorm", transf=TRUE): 8.758702, 6.740320 for (2, 4, 6, 14, 20), n = 20.
    got = mean_sd_from_quantiles(n=20, minimum=2, q1=4, median=6, q3=14, maximum=20,
                                 dist="lnorm")
    assert (got.mean, got.sd) == pytest.approx((8.758702, 6.740320), abs=5e-7)
    assert mean_sd_from_quantiles(n=20, minimum=2, q1=4, median=6, q3=14, maximum=20).skewed


def test_paired_example_of_the_handbook() -> None:
    # Cochrane Handbook 5.1, 16.4.6.4: MD 0.5, SE 0.583 (r = 0.68) or 0.632 (SD_diff = 2),
    # SMD 0.218, SE(SMD) 0.256.
    by_r = paired_difference(n=10, mean1=7.0, sd1=2.38, mean2=6.5, sd2=2.21, corr=0.68)
    by_sd = paired_difference(n=10, mean1=7.0, sd1=2.38, mean2=6.5, sd2=2.21, sd_diff=2)
    assert by_r.md == 0.5 and round(by_r.se_md, 3) == 0.583 and round(by_sd.se_md, 3) == 0.632
    assert round(by_r.smd, 3) == 0.218 and round(by_r.se_smd, 3) == 0.256


def test_combining_two_groups_equals_the_pooled_raw_data() -> None:
    one, two = [3.0, 5.0, 4.0, 8.0], [10.0, 12.0, 9.0]
    n, mean, sd = combine_groups(len(one), statistics.mean(one), statistics.stdev(one),
                                 len(two), statistics.mean(two), statistics.stdev(two))
    assert n == 7 and mean == pytest.approx(statistics.mean(one + two))
    assert sd == pytest.approx(statistics.stdev(one + two))


def test_se_and_ci_to_sd() -> None:
    assert sd_from_se(0.5, 16) == 2.0
    # n < 60: the t quantile with n - 1 df; n >= 60: the normal one (Handbook 6.5.2.2).
    assert sd_from_ci(1.0, 3.0, 25) == pytest.approx(5 * 2 / (2 * stats.t.ppf(0.975, 24)))
    assert sd_from_ci(1.0, 3.0, 100) == pytest.approx(10 * 2 / (2 * stats.norm.ppf(0.975)))
    assert se_from_ci(0.5, 2.0, log=True) == pytest.approx(math.log(4) / (2 * 1.959964), rel=1e-6)
    assert pooled_sd(2.0, 10, 2.0, 20) == pytest.approx(2.0)


def test_change_score_sd_and_its_correlation_round_trip() -> None:
    sd = sd_of_change(2.38, 2.21, 0.68)
    assert sd == pytest.approx(math.sqrt(2.38**2 + 2.21**2 - 2 * 0.68 * 2.38 * 2.21))
    assert correlation_from_sds(2.38, 2.21, sd) == pytest.approx(0.68)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mean_sd_from_quantiles(n=20, q1=7, median=6, q3=10),
         "quantiles must satisfy min <= q1 <= median <= q3 <= max"),
        (lambda: mean_sd_from_quantiles(n=4, q1=4, median=6, q3=10),
         r"n: at least 5 participants are needed \(got 4\)"),
        (lambda: mean_sd_from_quantiles(n=20, median=6),
         r"need the range \(min, max\), the IQR \(q1, q3\), or both"),
        (lambda: mean_sd_from_quantiles(n=20, q1=-1, median=6, q3=10, dist="lnorm"),
         "a log-normal conversion needs positive quantiles"),
        (lambda: sd_from_ci(3, 1, 20), "the CI's upper limit must exceed its lower limit"),
        (lambda: sd_of_change(1, 1, 1.5), r"a correlation must be between -1 and 1 \(got 1.5\)"),
        (lambda: paired_difference(n=10, mean1=1, sd1=1, mean2=1, sd2=1),
         "give exactly one of corr and sd_diff"),
    ],
    ids=["order", "small-n", "no-spread", "lnorm-negative", "ci-order", "corr", "paired"],
)
def test_conversion_errors(call, message) -> None:
    with pytest.raises(ConversionError, match=message):
        call()
