"""The countries jonas ships: one module each, declaring ``COUNTRY`` (a function returning
its :class:`~jonas.geo.Regions`); :func:`jonas.geo.country` finds them here by name."""
