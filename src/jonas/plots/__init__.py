"""Figures, with matplotlib: curves over time (:mod:`.curves`), maps of a country's regions
(:mod:`.choropleth`), city maps (:mod:`.city`) and their animations (:mod:`.animation`),
calibration (:mod:`.calibration`) and studies (:mod:`.studies`). Writers of run folders
(:mod:`jonas.outputs`) and the workflows call them; nothing here runs a simulation."""
