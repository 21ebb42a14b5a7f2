"""Japan's 47 prefectures: derived data read by ``jonas.geo.countries.japan`` (see
NOTICE.md)."""
