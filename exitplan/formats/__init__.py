"""Locale formats Django leaves to its English defaults (FORMAT_MODULE_PATH)."""
