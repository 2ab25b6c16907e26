"""``alsate watch``: follow a live source, group and rate entries as they arrive, explain new issues in the background.

One reader thread feeds the shared pipeline (``pipeline.feed``), one worker thread owns the model, and the main
thread renders (dashboard or JSON Lines), handles signals and keys, saves the journal cursor and evicts quiet groups.
"""
