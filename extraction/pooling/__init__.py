"""Pooling: inverse variance (fixed, random with DL/REML/PM, Hartung-Knapp), Mantel-Haenszel,
Peto, heterogeneity, subgroups, and the ``revman5`` and ``metafor`` profiles.

Importing this package fills the registries (``TAU2_ESTIMATORS``, ``PROFILES``).
"""

from extraction.pooling import tau2 as _tau2  # noqa: F401  (registers DL, REML, PM)
from extraction.pooling.base import POOLING_METHODS, PROFILES, TAU2_ESTIMATORS
from extraction.pooling.iv import pool_effects
from extraction.pooling.mh import pool_mh
from extraction.pooling.peto import pool_peto
from extraction.pooling.profiles import METAFOR, REVMAN5, Profile, get_profile
from extraction.pooling.result import PoolResult, StudyResult, SubgroupTest
from extraction.pooling.subgroups import subgroup_test
from extraction.pooling.tau2 import q_profile_ci

__all__ = [
    "METAFOR",
    "POOLING_METHODS",
    "PROFILES",
    "REVMAN5",
    "TAU2_ESTIMATORS",
    "PoolResult",
    "Profile",
    "StudyResult",
    "SubgroupTest",
    "get_profile",
    "pool_effects",
    "pool_mh",
    "pool_peto",
    "q_profile_ci",
    "subgroup_test",
]
