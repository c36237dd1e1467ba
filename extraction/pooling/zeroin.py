"""Brent's root finder as R's ``uniroot`` runs it (``R_zeroin2``, netlib's zeroin.c).

The ``metafor`` profile uses it to find Q-profile bounds the way ``confint.rma.uni`` does:
on ``[0, max(100, 10 τ²)]`` with ``tol = .Machine$double.eps^0.25`` (about 1.2e-4). Its
bounds are accurate only to that tolerance, and an I² bound printed from them can differ
from the exact root in the third decimal; following the same steps reproduces metafor's
printed digits. The ``revman5`` profile (and the library default) solves exactly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

__all__ = ["R_UNIROOT_TOL", "zeroin"]

R_UNIROOT_TOL = sys.float_info.epsilon ** 0.25
_EPS = sys.float_info.epsilon


def zeroin(
    f: Callable[[float], float], lower: float, upper: float, *, tol: float = R_UNIROOT_TOL,
    maxiter: int = 1000,
) -> float:
    """A root of ``f`` in [lower, upper] (f must change sign), step for step as R's."""
    a, b = lower, upper
    fa, fb = f(a), f(b)
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if (fa > 0) == (fb > 0):
        raise ValueError("f(lower) and f(upper) have the same sign")
    c, fc = a, fa
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise ArithmeticError(f"no root found in {maxiter} iterations")
