"""Long-range capacity plan (12-24 months, monthly): demand trend, hiring classes with
training and ramp-up, attrition by tenure cohort, in-house vs vendor FTE.

* :mod:`wfm.capacity.cohort`: cohort arithmetic and the hiring rule (pure);
* :mod:`wfm.capacity.trend`: volume trend from a history, monthly projection;
* :mod:`wfm.capacity.plan`: the plan table and the explanation of every figure.
"""

from wfm.capacity.cohort import Cohort, Policy, QueuePlan, plan_queue, required_fte
from wfm.capacity.plan import COLUMNS, CapacityPlan, build_plan
from wfm.capacity.trend import Demand, fit_trend, weekly_totals

__all__ = [
    "COLUMNS",
    "CapacityPlan",
    "Cohort",
    "Demand",
    "Policy",
    "QueuePlan",
    "build_plan",
    "fit_trend",
    "plan_queue",
    "required_fte",
    "weekly_totals",
]
