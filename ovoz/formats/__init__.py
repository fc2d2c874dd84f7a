"""Date and number formats for interface languages that Django ships no locale for (FORMAT_MODULE_PATH)."""
