"""Deduplication across databases: normalise, block, compare (rapidfuzz), decide, cluster."""

from screening.dedup.block import BLOCKING_KEYS, BlockingKey, candidate_pairs
from screening.dedup.engine import DedupResult, compare_pairs, deduplicate
from screening.dedup.rules import DISTINCT, DUPLICATE, MAYBE, RULES, Rule, apply_rules

__all__ = [
    "BLOCKING_KEYS",
    "BlockingKey",
    "DISTINCT",
    "DUPLICATE",
    "DedupResult",
    "MAYBE",
    "RULES",
    "Rule",
    "apply_rules",
    "candidate_pairs",
    "compare_pairs",
    "deduplicate",
]
