"""Named profiles: the conventions of RevMan 5 and of metafor, to reproduce either's digits.

=====================  =================================  ====================================
                        ``revman5`` (RevMan 5.4)           ``metafor`` (metafor 4-5)
=====================  =================================  ====================================
tau² (random)           DerSimonian-Laird                  REML
test / CI               Wald z                             Wald z; ``--hk`` for Knapp-Hartung
I², H²                  from Q: (Q − df)/Q, Q/df           random: from τ² (τ²/(τ²+s²));
                                                           fixed: from Q
prediction interval     none                               μ̂ ± z·√(se² + τ²) (t(k−1) with HK)
SMD                     g·(1 − 3/(4N − 9)), RevMan's SE    exact J, vtype "LS"
zero cells, IV          +0.5 to all cells of a study with  +0.5 to all cells of a study with
                        a zero; RR/OR: double-zero studies a zero; double-zero studies kept
                        not estimable                      (``escalc`` defaults)
zero cells, MH sums     as IV                              none (``rma.mh`` defaults)
zero cells, MH Q        as IV                              +0.5, double-zero studies dropped
MH RD variance          Greenland-Robins                   Sato-Greenland-Robins
MH random effects       DL from the MH-centred Q           not available (an error)
tau² Q-profile CI       solved exactly                     R's uniroot steps and tolerance
ROM (ratio of means)    ln(m₁/m₂) (RevMan 5 has no ROM)    with Lajeunesse's bias correction
Peto                    no correction, double-zero         same
                        studies add nothing
default method          MH for RR/OR/RD, IV otherwise      IV
=====================  =================================  ====================================

RevMan 5's rules come from Deeks & Higgins, *Statistical algorithms in Review Manager 5*
(2010) and the Cochrane Handbook (§10.4.4.2: 0.5 added to each cell of a study with a zero
cell; studies with no events in both arms are not estimable for RR and OR). Whether RevMan
also corrects zero cells for RD and Peto is not confirmed by a reference case here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from extraction.effects import ZeroCellRule
from extraction.pooling.base import PROFILES

__all__ = ["METAFOR", "REVMAN5", "Profile", "get_profile"]


@dataclass(frozen=True)
class Profile:
    name: str
    tau2_method: str
    hk: bool
    prediction: bool
    i2: str
    smd: str
    iv_zero: ZeroCellRule
    mh_cells: ZeroCellRule
    mh_q: ZeroCellRule
    mh_rd_variance: str
    mh_random: bool
    tau2_ci_solver: str = "exact"
    rom_correct: bool = False
    default_methods: Mapping[str, str] = field(default_factory=dict)

    def default_method(self, measure: str) -> str:
        return self.default_methods.get(measure, "IV")


_RR_OR = frozenset({"RR", "OR"})

REVMAN5 = PROFILES.register("revman5")(Profile(
    name="revman5", tau2_method="DL", hk=False, prediction=False, i2="q", smd="revman5",
    iv_zero=ZeroCellRule(0.5, "only0", _RR_OR),
    mh_cells=ZeroCellRule(0.5, "only0", _RR_OR),
    mh_q=ZeroCellRule(0.5, "only0", _RR_OR),
    mh_rd_variance="greenland-robins", mh_random=True,
    default_methods=MappingProxyType({"RR": "MH", "OR": "MH", "RD": "MH"}),
))

METAFOR = PROFILES.register("metafor")(Profile(
    name="metafor", tau2_method="REML", hk=False, prediction=True, i2="tau2", smd="metafor",
    iv_zero=ZeroCellRule(0.5, "only0", frozenset()),
    mh_cells=ZeroCellRule(0.0, "none", frozenset()),
    mh_q=ZeroCellRule(0.5, "only0", frozenset({"RR", "OR", "RD"})),
    mh_rd_variance="sato", mh_random=False, tau2_ci_solver="r-uniroot",
    rom_correct=True,
))


def get_profile(name: str) -> Profile:
    """The profile called ``name`` (RegistryError listing the known ones otherwise)."""
    return PROFILES.get(name)
