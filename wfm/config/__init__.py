"""Validated configuration models, loaded from TOML (the edge of the package).

``wfm.config.center`` is the center file's ``[center]``/``[[queue]]`` part (queues,
targets, opening hours, and in ``[center]`` what every step shares: timezone,
holidays, premiums and night window, FTE, the two kinds of shrinkage);
``wfm.config.schedule`` its ``[schedule]``, ``[[shift]]`` and ``[[group]]`` part;
``wfm.config.scenario`` the scenario file (providers, prices, routing).  Every loader
raises :class:`wfm.errors.WfmInputError` naming the file and TOML key of a mistake.
"""

from wfm.config.center import (
    DAYS,
    DEFAULT_CHAT_AHT_FACTORS,
    CenterConfig,
    Hours,
    OpeningHours,
    QueueConfig,
    Seconds,
    center_from_dict,
    describe_validation_error,
    load_center,
    read_toml,
)

__all__ = [
    "DAYS",
    "DEFAULT_CHAT_AHT_FACTORS",
    "CenterConfig",
    "Hours",
    "OpeningHours",
    "QueueConfig",
    "Seconds",
    "center_from_dict",
    "describe_validation_error",
    "load_center",
    "read_toml",
]
