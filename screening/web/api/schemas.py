"""The API's request and response bodies (the OpenAPI document is made from them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AgreementOut",
    "ApproveIn",
    "ApproveOut",
    "ConflictOut",
    "DecisionIn",
    "DecisionOut",
    "ProgressOut",
    "QueueItemOut",
    "RecordOut",
    "ResolveIn",
    "ResolveOut",
    "ScreenStage",
    "VoteOut",
]

#: The stages people screen.
ScreenStage = Literal["title_abstract", "full_text"]
#: What a vote may say (include, exclude or maybe at both stages; not_retrieved at full text).
VoteOutcome = Literal["include", "exclude", "maybe", "not_retrieved"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueItemOut(BaseModel):
    """The record the caller screens next (held for them for a while)."""

    record_id: str
    stage: ScreenStage
    position: int = Field(description="its place in the stage's queue")
    remaining: int = Field(description="records of the queue not decided yet")
    params_hash: str | None = Field(
        description="the ranker's parameters hash of the queue's order (send it back with "
                    "the decision); null in import order")


class DecisionIn(_In):
    """A reviewer's vote on a record; it decides the record when the votes the review asks
    for agree."""

    record_id: str = Field(min_length=1)
    stage: ScreenStage
    outcome: VoteOutcome
    reason: str | None = Field(default=None, description="an exclusion reason code of the "
                               "protocol; required for a full-text exclusion")
    note: str | None = Field(default=None, max_length=2000)
    params_hash: str | None = None


class DecisionOut(BaseModel):
    vote_id: int
    record_id: str
    stage: ScreenStage
    state: Literal["pending", "decided", "conflict"]
    decision_id: int | None = Field(description="the decision the vote completed, if any")


class VoteOut(BaseModel):
    reviewer_id: str
    outcome: str
    reason: str | None
    note: str | None
    voted_at: str


class RecordOut(BaseModel):
    """A record as the caller may see it: other reviewers' votes only when blind screening
    allows."""

    record_id: str
    title: str
    abstract: str
    authors: list[str]
    journal: str
    year: int | None
    keywords: list[str]
    mesh: list[str]
    emtree: list[str]
    doi: str | None
    pmid: str | None
    databases: list[str] = Field(description="the databases of its duplicate cluster")
    stage: ScreenStage
    state: str
    decision: dict[str, Any] | None
    my_vote: VoteOut | None
    votes: list[VoteOut]
    votes_hidden: bool


class ConflictOut(BaseModel):
    record_id: str
    stage: ScreenStage
    title: str
    votes: list[VoteOut]


class ResolveIn(_In):
    """The lead's decision on a record whose votes disagree."""

    stage: ScreenStage
    outcome: VoteOutcome
    reason: str | None = None
    note: str | None = Field(default=None, max_length=2000)


class ResolveOut(BaseModel):
    decision_id: int


class AgreementOut(BaseModel):
    stage: ScreenStage
    reviewer_a: str
    reviewer_b: str
    n: int = Field(description="records both voted on")
    n_agree: int
    percent: float | None = Field(description="n_agree / n, from 0 to 1")
    kappa: float | None = Field(description="Cohen's kappa; null when undefined")
    table: dict[str, int] = Field(description="records per 'a's outcome/b's outcome'")


class ProgressOut(BaseModel):
    stage: ScreenStage
    decided: int
    remaining: int
    conflicts: int
    votes_required: int
    blind: bool
    by_reviewer: dict[str, int]


class ApproveIn(_In):
    stage: Literal["title_abstract"] = "title_abstract"


class ApproveOut(BaseModel):
    approved: int = Field(description="records excluded by automation now")
