"""Benchmarks (`tipline bench …`): figures measured in one run against a baseline measured in the same run."""
