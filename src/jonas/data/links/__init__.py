"""Links between the shipped countries (flights, ferries): derived data read by
``jonas.geo.links`` (see NOTICE.md: ODbL, OpenFlights)."""
