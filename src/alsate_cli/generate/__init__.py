"""Synthetic logs: learn a statistical model of real input and write realistic, anonymised lines from it.

The pieces, one job each: :mod:`.slots` finds the variable values of a line under its template, :mod:`.synth`
makes the replacement values (documentation addresses, invented users and hosts), :mod:`.model` learns which lines
follow which (:mod:`.repeats`: how often whole value tuples come back; :mod:`.episodes`: runs of lines that happened
once, played once per input length), :mod:`.sample` walks that model, :mod:`.render` writes syslog text or journal
JSON, :mod:`.scenarios` mixes in labelled attacks and incidents, and :mod:`.evaluate` scores a generated file
against the real one.
"""
