"""South Korea's 250 districts: derived data read by ``jonas.korea`` (see NOTICE.md)."""
