"""URL patterns of the messages area (public and console); combined in urls_public.py and urls_console.py."""

public_patterns: list = []
console_patterns: list = []
