"""The one error learning services raise for bad input."""


class LearningError(ValueError):
    """A learning action cannot be done as asked; the message says why in plain words."""
