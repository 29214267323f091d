"""Forecasting: volume and AHT per interval and queue from contact history.

Pure functions over arrays and frames (no I/O; readers live in :mod:`wfm.io`):

* :mod:`wfm.forecast.matrix` -- interval series as day x local-slot matrices (DST-safe);
* :mod:`wfm.forecast.models` -- ``snaive``, ``mean4``, ``ets``, ``split`` (fit / predict);
* :mod:`wfm.forecast.calendar` -- holiday day kinds, event multipliers and exclusions;
* :mod:`wfm.forecast.aht` -- the AHT profile;
* :mod:`wfm.forecast.intervals` -- negative binomial prediction intervals and coverage;
* :mod:`wfm.forecast.pipeline` -- prepare, rolling-origin backtest, automatic choice, forecast.
"""
