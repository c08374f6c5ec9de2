"""Readers and writers for the formats Doorstep speaks (CSV, XLSX, Doorstep JSON, VROOM JSON, GeoJSON, HTML).

Import from the modules directly; this package depends on ``doorstep.domain`` only.
"""
