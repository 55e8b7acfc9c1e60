"""Focus SIS: the Focus dialect of its district API (OAuth 2 client credentials)."""
