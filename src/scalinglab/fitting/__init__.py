"""The fitting kernel: data → objective → solver → uncertainty → FitResult.

Imports numpy, scipy and pandas only (no widgets, no charts), so it runs from a script, the
CLI and the tests alike.
"""
