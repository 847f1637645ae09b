"""Small domain exceptions; the CLI turns each into a one-line message."""


class KgError(Exception):
    """Base class: anything kg reports to the user without a traceback."""

    hint = ""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        if hint:
            self.hint = hint

    def one_line(self) -> str:
        msg = str(self)
        return f"{msg} ({self.hint})" if self.hint else msg


class InputError(KgError):
    """A source file that cannot be read; names the file and, when known, the line."""

    def __init__(self, path, message: str, line: int | None = None, hint: str = ""):
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}", hint)


class StoreError(KgError):
    """The store is missing, locked or unreadable."""


class QueryError(KgError):
    """A question or query kg cannot answer as asked."""
