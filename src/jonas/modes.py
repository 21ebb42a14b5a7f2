"""How an intervention acts, the vocabulary intervention types and engines share: on the
compartments (every engine), on a city map (the agents engine), between regions (the
metapop engine). A type says which it can (``InterventionType.modes``), an engine which it
carries out (``Engine.acts``)."""

COMPARTMENTS, MAP, REGIONS = "compartments", "map", "regions"
