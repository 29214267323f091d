"""Scenario comparison: in-house vs BPO vs hybrid (issue 5).

* :mod:`wfm.config.scenario`: the scenario TOML file (providers, cost models,
  routing rules), validated with pydantic; errors name the file and the key.
* :mod:`wfm.scenario.cost`: pricing formulas, pure functions returning line
  items that carry their formula and inputs.
* :mod:`wfm.scenario.compare`: routing of every interval x queue to
  providers, repeat-contact feedback, staffing through :mod:`wfm.staffing`,
  and the per-provider totals.
* :mod:`wfm.scenario.scheduled`: a shift plan's scheduled / required hours
  per queue (``--schedule``), applied to in-house hours;
* :mod:`wfm.scenario.frontier`: cost against service level over in-house /
  vendor splits of one scenario (independent, picklable points).

Conventions: money in EUR, hours are agent hours, month = 52/12 weeks,
year = 52 weeks, FTE = paid hours / contract hours.
"""
