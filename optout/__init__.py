"""optout: check and switch off generative-AI training settings in your own accounts."""

__version__ = "0.1.0"
