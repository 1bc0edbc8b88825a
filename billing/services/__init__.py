"""Billing's business rules: plain typed functions that views, tasks and other apps call."""
