"""Extraction-time conversions to a mean and SD per arm, and related Handbook formulas.

* :func:`mean_sd_from_quantiles`: median with IQR, range or both (the five-number summary)
  to mean and SD as metafor's ``conv.fivenum`` (``method="rec"``) does: the mean by
  Luo et al. (2018; published online 2016), the SD by Wan et al. (2014) from the range or
  the IQR, and by Shi et al. (2020) from all five numbers. ``dist="lnorm"`` works on the log
  scale and back-transforms with the bias corrections of Shi et al. (2020b). The skewness
  test of Shi et al. is reported (``skewed``), not acted on.
* :func:`sd_from_se`, :func:`sd_from_ci`: SD = SE·√n; SD = √n·(upper − lower)/(2·c) with c
  the t quantile (n − 1 df) below 60 participants and the normal one otherwise
  (Cochrane Handbook 6.5.2.2).
* :func:`se_from_ci`: SE of an estimate from its CI (on the log scale for ratios).
* :func:`combine_groups`: two arms into one (Cochrane Handbook Table 6.5.a).
* :func:`sd_of_change` and :func:`correlation_from_sds`: change-from-baseline SDs
  (Handbook 6.5.2.8): SD_change = √(SD_b² + SD_f² − 2·r·SD_b·SD_f).
* :func:`paired_difference`: MD and SMD of a paired (cross-over) comparison with their SEs,
  from the SD of the differences or a correlation (Handbook 5.1, 16.4.6.4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from extraction.errors import ExtractionError

__all__ = [
    "MeanSD",
    "PairedDifference",
    "combine_groups",
    "correlation_from_sds",
    "mean_sd_from_quantiles",
    "paired_difference",
    "pooled_sd",
    "sd_from_ci",
    "sd_from_se",
    "sd_of_change",
    "se_from_ci",
]


class ConversionError(ExtractionError):
    """Values that a conversion cannot use (e.g. quantiles out of order)."""


@dataclass(frozen=True, slots=True)
class MeanSD:
    mean: float
    sd: float
    method: str
    skewed: bool | None = None


def _xi(n: float) -> float:
    return 2 * float(stats.norm.ppf((n - 0.375) / (n + 0.25)))


def _eta(n: float) -> float:
    return 2 * float(stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25)))


def mean_sd_from_quantiles(
    *, n: float, median: float, q1: float | None = None, q3: float | None = None,
    minimum: float | None = None, maximum: float | None = None, dist: str = "norm",
) -> MeanSD:
    """Mean and SD from the median with the IQR (q1, q3), the range, or both."""
    if n is None or not n >= 5:
        raise ConversionError(f"n: at least 5 participants are needed (got {n!r})")
    given = [x for x in (minimum, q1, median, q3, maximum) if x is not None]
    if any(b < a for a, b in zip(given, given[1:], strict=False)):
        raise ConversionError("quantiles must satisfy min <= q1 <= median <= q3 <= max")
    has_range = minimum is not None and maximum is not None
    has_iqr = q1 is not None and q3 is not None
    if not (has_range or has_iqr):
        raise ConversionError("need the range (min, max), the IQR (q1, q3), or both")
    if dist not in ("norm", "lnorm"):
        raise ConversionError(f"Unknown distribution {dist!r}. Available: lnorm, norm")
    log = dist == "lnorm"
    if log:
        if any(x <= 0 for x in given):
            raise ConversionError("a log-normal conversion needs positive quantiles")
        minimum, q1, median, q3, maximum = (
            None if x is None else math.log(x) for x in (minimum, q1, median, q3, maximum))
    a, b, m = minimum, maximum, median
    if has_range and has_iqr:
        assert a is not None and b is not None and q1 is not None and q3 is not None
        tval = max(2.65 * math.log(0.6 * n) / math.sqrt(n) * abs((a + b - 2 * m) / (b - a)),
                   abs((q1 + q3 - 2 * m) / (q3 - q1)))
        crit = 3 / math.sqrt(n) - 40 / n**3
        w1 = 2.2 / (2.2 + n**0.75)
        w2 = 0.7 - 0.72 / n**0.55
        mean = w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m
        w = 1 / (1 + 0.07 * n**0.6)
        raw = w * (b - a) / _xi(n) + (1 - w) * (q3 - q1) / _eta(n)
        z = 1 + 0.28 / math.log(n) ** 2 if log else 1.0
        sd = raw / math.sqrt(z)
        method = "Luo 2018 mean, Shi 2020 SD (min, q1, median, q3, max)"
        s4, phi = raw**4 / (1 + 3.93 / n), (0.405, 0.315, 1.62, 5.04, 1.26)
    elif has_range:
        assert a is not None and b is not None
        tval = abs((a + b - 2 * m) / (b - a))
        crit = 1 / math.log(n + 9) + 2.5 / (n + 1)
        w = 4 / (4 + n**0.75)
        mean = w * (a + b) / 2 + (1 - w) * m
        z = 1.01 + 0.25 / math.log(n) ** 2 if log else 1.0
        sd = (b - a) / _xi(n) / math.sqrt(z)
        method = "Luo 2018 mean, Wan 2014 SD (min, median, max)"
        s4, phi = ((b - a) / _xi(n)) ** 4 / (1 + 2.23 / math.log(n) ** 2), (0.565, 0.37, 2.26,
                                                                             5.92, 1.48)
    else:
        assert q1 is not None and q3 is not None
        tval = abs((q1 + q3 - 2 * m) / (q3 - q1))
        crit = 2.65 / math.sqrt(n) - 6 / n**2
        w = 0.7 + 0.39 / n
        mean = w * (q1 + q3) / 2 + (1 - w) * m
        z = 1 + 1.58 / n if log else 1.0
        sd = (q3 - q1) / _eta(n) / math.sqrt(z)
        method = "Luo 2018 mean, Wan 2014 SD (q1, median, q3)"
        s4, phi = ((q3 - q1) / _eta(n)) ** 4 / (1 + 19.2 / n**1.2), (0.57, 0.75, 2.28, 12, 3)
    if log:
        p_m1, p_m2, p_s1, p_s2, p_s3 = phi
        back_mean = math.exp(mean + sd**2 / 2) / (1 + p_m1 * sd**2 / n + p_m2 * s4 / n)
        back_sd = math.sqrt(
            math.exp(2 * mean + 2 * sd**2) / (1 + p_s1 * sd**2 / n + p_s2 * s4 / n)
            - math.exp(2 * mean + sd**2) / (1 + p_s1 * sd**2 / n + p_s3 * s4 / n)
        )
        return MeanSD(back_mean, back_sd, method + ", log-normal (Shi 2020b)", tval >= crit)
    return MeanSD(mean, sd, method, tval >= crit)


def _critical(n: float, level: float) -> float:
    tail = 1 - (1 - level / 100) / 2
    return float(stats.t.ppf(tail, n - 1)) if n < 60 else float(stats.norm.ppf(tail))


def sd_from_se(se: float, n: float) -> float:
    """SD = SE·√n."""
    return se * math.sqrt(n)


def sd_from_ci(low: float, high: float, n: float, *, level: float = 95) -> float:
    """SD of one arm from the CI of its mean (t quantile when n < 60, as the Handbook says)."""
    if not high > low:
        raise ConversionError(f"the CI's upper limit must exceed its lower limit ({low}, {high})")
    return math.sqrt(n) * (high - low) / (2 * _critical(n, level))


def se_from_ci(low: float, high: float, *, level: float = 95, log: bool = False) -> float:
    """SE of an estimate from its (normal) CI; ``log`` for ratios (the CI of e.g. an HR)."""
    if log:
        if low <= 0 or high <= 0:
            raise ConversionError("a ratio's CI limits must be positive")
        low, high = math.log(low), math.log(high)
    if not high > low:
        raise ConversionError(f"the CI's upper limit must exceed its lower limit ({low}, {high})")
    return (high - low) / (2 * float(stats.norm.ppf(1 - (1 - level / 100) / 2)))


def pooled_sd(sd1: float, n1: float, sd2: float, n2: float) -> float:
    """√(((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2))."""
    return math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))


def combine_groups(
    n1: float, mean1: float, sd1: float, n2: float, mean2: float, sd2: float
) -> tuple[float, float, float]:
    """(n, mean, SD) of two groups combined into one (Handbook Table 6.5.a)."""
    n = n1 + n2
    mean = (n1 * mean1 + n2 * mean2) / n
    var = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2
           + n1 * n2 / n * (mean1**2 + mean2**2 - 2 * mean1 * mean2)) / (n - 1)
    return n, mean, math.sqrt(var)


def sd_of_change(sd_baseline: float, sd_final: float, corr: float) -> float:
    """SD of the change from baseline given the baseline-final correlation."""
    if not -1 <= corr <= 1:
        raise ConversionError(f"a correlation must be between -1 and 1 (got {corr})")
    return math.sqrt(sd_baseline**2 + sd_final**2 - 2 * corr * sd_baseline * sd_final)


def correlation_from_sds(sd_baseline: float, sd_final: float, sd_change: float) -> float:
    """The correlation implied by a study that reports all three SDs (to impute others)."""
    return (sd_baseline**2 + sd_final**2 - sd_change**2) / (2 * sd_baseline * sd_final)


@dataclass(frozen=True, slots=True)
class PairedDifference:
    md: float
    se_md: float
    smd: float
    se_smd: float


def paired_difference(
    *, n: float, mean1: float, sd1: float, mean2: float, sd2: float,
    corr: float | None = None, sd_diff: float | None = None,
) -> PairedDifference:
    """A paired comparison: MD with SE = SD_diff/√n; SMD = MD/√((sd1² + sd2²)/2) with
    SE = √(1/n + SMD²/(2n))·√(2(1 − r)) (Handbook 5.1, 16.4.6.4). Give ``corr`` or ``sd_diff``;
    with only ``sd_diff``, r is derived from it."""
    if (corr is None) == (sd_diff is None):
        raise ConversionError("give exactly one of corr and sd_diff")
    if sd_diff is None:
        sd_diff = sd_of_change(sd1, sd2, corr)  # type: ignore[arg-type]
    else:
        corr = correlation_from_sds(sd1, sd2, sd_diff)
    md = mean1 - mean2
    smd = md / math.sqrt((sd1**2 + sd2**2) / 2)
    se_smd = math.sqrt(1 / n + smd**2 / (2 * n)) * math.sqrt(2 * (1 - corr))  # type: ignore[operator]
    return PairedDifference(md, sd_diff / math.sqrt(n), smd, se_smd)
