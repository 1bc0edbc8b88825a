"""Scoring a round, its aggregates, and reading results."""
