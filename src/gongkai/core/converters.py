"""URL converters."""


class IdConverter:
    """A database id: 1 to 18 digits, so a huge number in a URL is a 404, never an overflow (500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
