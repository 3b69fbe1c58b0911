"""Randomized whole runs: scripted models that say anything, under random budgets and policies."""
