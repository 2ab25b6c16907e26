"""Explain each group of log entries with a local LLM: prompt, engine, answer parsing, caching.

Nothing heavy is imported here, so ``alsate --help`` stays fast; llama.cpp loads on first use.
"""
