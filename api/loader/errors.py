"""The error a dataset file fails with: every problem, each naming its item and field."""


class DatasetError(Exception):
    """The dataset was refused; nothing was written. `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors
