"""Screening by people: reviewers' votes, the queue they take records from, and how votes
become the decisions every count reads (single or dual, blind or open screening).

The web app (:mod:`screening.web`) is the main user; nothing here imports it.
"""
