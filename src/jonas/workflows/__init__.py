"""Workflows over many runs: comparisons and sweeps on common random numbers
(:mod:`.compare`, :mod:`.sweep`, over :mod:`.variants`) and calibration to targets by
ABC-SMC (:mod:`.calibrate`)."""
