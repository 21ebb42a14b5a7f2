"""Shipped targets files for ``jonas calibrate --targets NAME``."""
