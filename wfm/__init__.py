"""wfm: forecast, staff, schedule and compare for multilingual service centers."""

__version__ = "0.1.0"
