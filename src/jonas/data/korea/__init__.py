"""South Korea's 250 districts: derived data read by ``jonas.geo.countries.korea``
(see NOTICE.md)."""
