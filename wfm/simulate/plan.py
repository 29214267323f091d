"""From a plan on disk to a :class:`SimInput`, and from a :class:`SimResult` to tables.

Reading (the I/O edge): ``requirements.csv`` (output of ``wfm staff``) gives volume and
AHT per interval and queue and the Erlang prediction of the staffing step;
``shifts.csv`` (output of ``wfm schedule``) gives agents on duty per group and interval
(breaks excluded).  Every queue is simulated:

* phone-like queues (``erlang_c``, ``erlang_a``), ``chat`` queues (concurrency and AHT
  factors of the center config) and ``deferred`` queues (e-mail, FIFO, the deadline as
  the service-level threshold);
* each group's on-duty agents are split per interval into a phone, a chat and an e-mail
  pool: chat and e-mail get the agents the plan assigns to them (the transportation LP
  ``wfm schedule`` checks a plan with), the rest serve phone;
* contacts forecast in closed hours (``binding_target = closed``) are not offered;
* a cyclic plan (a week that repeats) is simulated between a copy of its end and
  of its start (:func:`cyclic_margins`): Monday morning starts with Sunday's
  backlog, and Sunday's e-mail is judged against Monday's agents.

Productive agents = on-duty agents x (1 - center shrinkage), rounded to the nearest
integer: ``wfm staff`` grossed the requirement up by the shrinkage, so the plan's head
count includes absence, training and other time off the phones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.config import CenterConfig, QueueConfig
from wfm.errors import WfmInputError
from wfm.io.forecast import parse_interval_starts
from wfm.io.requirements import OPTIONAL as REQUIREMENTS_OPTIONAL
from wfm.io.tables import MAX_AGENTS, MAX_AHT, MAX_VOLUME, numeric_column, read_raw_table
from wfm.simulate.engine import CALLBACK_METRICS, METRICS, SimInput, SimResult

PHONE_MODELS = ("erlang_c", "erlang_a")  # phone-like models (Erlang C/A formulas)
SHIFT_COLUMNS = ("group", "day", "start", "end", "breaks", "agents")
# cost, and the columns of a plan with [[site]] tables (site times; day/start/end stay
# the center's, which is what is read here)
SHIFT_OPTIONAL = ("cost", "site", "site_day", "site_start", "site_end", "site_timezone")
ERLANG_COLUMNS = {"service_level": "service_level", "asa_s": "asa", "abandon_rate": "abandon",
                  "occupancy": "occupancy"}


@dataclass
class PlanInputs:
    """A :class:`SimInput` with the labels and the staffing step's Erlang prediction.

    ``erlang[metric]`` is (Q, T) (NaN where the requirements file has none);
    ``erlang_plan[metric]`` the same formula (Erlang C/A for phone, Erlang-Chat for
    chat; NaN for e-mail) at the agents ``coverage.csv`` schedules on the queue, times
    (1 - shrinkage) (NaN without a coverage file); for a queue with callbacks on the
    live calls ``wfm staff`` planned (volume less ``callback_volume``);
    ``target_level[q]`` the service-level target (NaN: none); ``open[q, t]`` True where
    the queue is open.
    """

    sim: SimInput
    starts: pd.DatetimeIndex
    queues: tuple[str, ...]
    groups: tuple[str, ...]
    erlang: dict[str, np.ndarray]
    erlang_plan: dict[str, np.ndarray]
    target_level: np.ndarray
    open: np.ndarray
    notes: list[str] = field(default_factory=list)


def _localize(day: pd.Series, clock: pd.Series, tz: str) -> pd.DatetimeIndex:
    naive = pd.to_datetime(day + " " + clock, format="%Y-%m-%d %H:%M")
    return pd.DatetimeIndex(naive).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def read_on_duty(path: Path, center: CenterConfig, groups: tuple[str, ...],
                 starts: pd.DatetimeIndex, cyclic: bool) -> np.ndarray:
    """Agents on duty per group and interval, (G, T), from a ``shifts.csv``.

    An ``end`` at or before the ``start`` runs past midnight; breaks are taken out for
    every interval they touch (as the planner does); with ``cyclic`` intervals past
    the horizon wrap to its start (Sunday night into Monday of the same week).
    """
    table = read_raw_table(path, required=SHIFT_COLUMNS, optional=SHIFT_OPTIONAL)
    f = table.frame
    agents = numeric_column(table, "agents", minimum=0.0, maximum=MAX_AGENTS,
                            what="agents >= 0 and <= 1e5")
    unknown = ~f["group"].str.strip().isin(groups)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise WfmInputError(f"group {f['group'].iloc[i]!r} is not in the config",
                            file=table.path, row=int(table.line[i]), column="group")
    T = len(starts)
    duty = np.zeros((len(groups), T))
    if f.empty:
        return duty
    s_i, e_i, b0, b1 = _shift_intervals(table, center, starts)
    g_of = np.array([groups.index(g) for g in f["group"].str.strip()])
    for r in range(len(f)):
        ts = np.arange(s_i[r], e_i[r])
        if b0[r] >= 0:
            ts = ts[(ts < b0[r]) | (ts >= b1[r])]
        ts = ts % T if cyclic else ts[(ts >= 0) & (ts < T)]
        np.add.at(duty[g_of[r]], ts, agents[r])
    return duty


def _shift_intervals(table, center: CenterConfig, starts: pd.DatetimeIndex
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a raw ``shifts.csv`` table: (shift start, shift end, break start, break
    end) as interval indices from ``starts[0]`` (ends exclusive; a break end rounds up
    to the interval it touches; -1 for a row without a break)."""
    f = table.frame
    dt = float(center.interval)
    origin = starts.tz_convert("UTC")[0]
    try:
        day = f["day"].str.strip()
        start = _localize(day, f["start"].str.strip(), center.tz)
        next_day = (pd.to_datetime(day) + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
        end_clock = f["end"].str.strip()
        over = end_clock <= f["start"].str.strip()
        end = _localize(day.where(~over, next_day), end_clock, center.tz)
    except (ValueError, TypeError) as exc:
        raise WfmInputError(f"bad day or HH:MM time ({exc})", file=table.path) from None

    def index(ts: pd.DatetimeIndex) -> np.ndarray:
        return np.rint((ts.tz_convert("UTC") - origin) / pd.Timedelta(seconds=dt)).astype(int)

    b0 = np.full(len(f), -1)
    b1 = np.full(len(f), -1)
    brk = f["breaks"].fillna("").str.strip()
    for r in np.flatnonzero(brk.to_numpy() != ""):
        try:
            a, b = brk.iloc[r].split("-")
            # a break clock before the shift start is on the next day
            d0 = day.iloc[r] if a >= f["start"].iloc[r].strip() else next_day.iloc[r]
            d1 = day.iloc[r] if b >= f["start"].iloc[r].strip() else next_day.iloc[r]
            t0 = _localize(pd.Series([d0]), pd.Series([a]), center.tz)
            t1 = _localize(pd.Series([d1]), pd.Series([b]), center.tz)
        except (ValueError, TypeError):
            raise WfmInputError(f"bad break {brk.iloc[r]!r}, expected HH:MM-HH:MM",
                                file=table.path, row=int(table.line[r]),
                                column="breaks") from None
        b0[r] = index(t0)[0]
        secs = (t1[0] - t0[0]).total_seconds()
        b1[r] = b0[r] + int(np.ceil(secs / dt - 1e-9))
    return index(start), index(end), b0, b1


def load_plan(plan_dir: Path, config: Path, requirements: Path | None = None, *,
              handle: str = "exponential", cv: float = 1.0,
              routing: str = "plan", reserve: int = 0) -> PlanInputs:
    """Read a plan directory and its center config into :class:`PlanInputs`; ``reserve``
    idle agents of each multi-skilled phone pool are kept for its smallest queue
    (``SimInput.reserve``).  ``routing``: ``specialist`` or ``longest_idle`` (the
    engine's), or ``plan``: each multi-skilled phone pool split by the plan's
    assignment into one pool per queue, served first by the agents assigned to it
    (``SimInput.primary``, see :func:`_pools`), then overflow, specialists first."""
    from wfm.config import load_center
    from wfm.config.schedule import load_schedule
    from wfm.io.requirements import read_requirements
    from wfm.schedule.instance import build_instance

    _check_plan_dir(plan_dir)
    center = load_center(config)
    sched = load_schedule(config, center)
    req_path, shifts_path = _plan_files(plan_dir, requirements)
    req = read_requirements(req_path, center)
    T = len(req.starts)
    dt = float(center.interval)
    groups = tuple(g.name for g in sched.groups)
    inst = build_instance(req.starts, dt, req.queues, req.required, sched)
    duty = read_on_duty(shifts_path, center, groups, req.starts, inst.cyclic)
    coverage = plan_dir / "coverage.csv"
    notes = _coverage_notes(coverage, shifts_path, duty, T)
    cfg = {q.key: q for q in center.queues}
    sim_q = list(req.queues)
    if not sim_q:
        raise WfmInputError("no queue to simulate", file=str(req_path))
    kind = np.array([_CHANNEL_KIND[cfg[q].model] for q in sim_q])
    split = routing == "plan"
    pool_skill, pool_duty, pool_names, pool_team, pool_notes, primary = _pools(
        inst, duty, groups, kind, center.shrinkage, dt, split=split)
    notes.extend(pool_notes)
    queues = [cfg[q] for q in sim_q]
    volume, aht, closed, erlang = _read_demand(req_path, center, req.starts, sim_q, queues,
                                               notes)
    cb_share, cb_deadline, cb_talk = _callback_inputs(queues)
    patience, target_time, level = _queue_targets(queues)
    erlang["abandon"][kind == "email"] = np.nan  # deferred work does not abandon
    live = volume if "callback_share" not in erlang else \
        volume * (1.0 - np.nan_to_num(erlang["callback_share"]))  # wfm staff's live calls
    erlang_plan = _erlang_at_plan(coverage, queues, req.starts, dt, live, aht, patience,
                                  target_time, center.shrinkage)
    deadlines = np.concatenate([target_time[kind == "email"], cb_deadline[cb_share > 0]])
    warmup, cooldown = cyclic_margins(T, dt, deadlines, patience) if inst.cyclic else (0, 0)
    sim = SimInput(volume, aht, patience, target_time, pool_skill, pool_duty, dt,
                   handle=handle, cv=cv,
                   routing="specialist" if split else routing,  # type: ignore[arg-type]
                   concurrency=tuple(c.concurrency for c in queues),
                   aht_factors=tuple(c.chat_aht_factors if c.model == "chat" else (1.0,)
                                     for c in queues),
                   chat=tuple(bool(k == "chat") for k in kind),
                   deferred=tuple(bool(k == "email") for k in kind),
                   team=pool_team, warmup=warmup, cooldown=cooldown,
                   sl_answered=tuple(c.basis == "answered" for c in queues),
                   reserve=reserve, primary=primary if max(primary, default=-1) >= 0 else None,
                   **_callback_kwargs(cb_share, cb_deadline, cb_talk))
    return PlanInputs(sim, req.starts, tuple(sim_q), pool_names, erlang, erlang_plan, level,
                      ~closed, [*req.warnings, *notes])


def _check_plan_dir(plan_dir: Path) -> None:
    """Raise a :class:`WfmInputError` unless ``plan_dir`` is a directory."""
    if not plan_dir.is_dir():
        raise WfmInputError("expected a plan directory (written by wfm schedule or wfm plan)"
                            + ("" if plan_dir.exists() else ", found nothing"),
                            file=str(plan_dir))


def _plan_files(plan_dir: Path, requirements: Path | None) -> tuple[Path, Path]:
    """(requirements file, ``shifts.csv``) of a plan; both must exist.  The
    requirements file is ``requirements`` if given, else the plan's own."""
    req_path = requirements if requirements is not None else plan_dir / "requirements.csv"
    if not req_path.exists():
        raise WfmInputError("no requirements file; give --requirements (the output of "
                            "wfm staff)", file=str(req_path))
    shifts_path = plan_dir / "shifts.csv"
    if not shifts_path.exists():
        raise WfmInputError("no shifts.csv; is this a directory written by wfm schedule?",
                            file=str(shifts_path))
    return req_path, shifts_path


def _coverage_notes(coverage: Path, shifts_path: Path, duty: np.ndarray, T: int) -> list[str]:
    """Cross-check: ``coverage.csv`` (if any) counts every on-duty agent (``duty``, (G, T)
    agents) once; a note if its per-interval total differs from ``shifts.csv``."""
    notes: list[str] = []
    if coverage.exists():
        cov = _read_coverage(coverage)
        total = cov.groupby("interval_start", sort=False)["agents_scheduled"].sum()
        if len(total) != T or np.abs(total.to_numpy() - duty.sum(axis=0)).max() > 1e-9:
            notes.append(f"{coverage}: on-duty agents differ from {shifts_path}; "
                         "simulating shifts.csv")
    return notes


def _read_demand(req_path: Path, center: CenterConfig, starts: pd.DatetimeIndex,
                 sim_q: list[str], queues: list[QueueConfig], notes: list[str]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Volume (contacts), AHT (s), closed (bool) and the staffing step's Erlang prediction
    per (queue, interval), each (Q, T), from the raw requirements file; notes go to
    ``notes``."""
    table = read_raw_table(req_path, required=("interval_start", "channel", "language",
                                               "volume", "aht_s", "agents_required"),
                           optional=REQUIREMENTS_OPTIONAL)
    f = table.frame
    keys = (f["channel"].str.strip().str.lower() + ":" + f["language"].str.strip().str.lower())
    utc = parse_interval_starts(table, "interval_start", center.tz).tz_convert("UTC")
    dt = float(center.interval)
    t_idx = np.rint((utc - starts.tz_convert("UTC")[0]) / pd.Timedelta(seconds=dt))
    t_idx = np.asarray(t_idx).astype(int)
    mine = keys.isin(sim_q).to_numpy()
    q_idx = np.array([sim_q.index(k) if k in sim_q else -1 for k in keys])
    shape = (len(sim_q), len(starts))
    volume, aht, closed = _volume_aht(table, q_idx, t_idx, mine, shape, notes)
    erlang = _erlang_prediction(f, q_idx, t_idx, mine, shape)
    cb_share = _callback_inputs(queues)[0]
    if (cb_share > 0).any():
        erlang["callback_share"] = _callback_prediction(f, q_idx, t_idx, mine, volume,
                                                        cb_share)
    return volume, aht, closed, erlang


def _volume_aht(table, q_idx: np.ndarray, t_idx: np.ndarray, mine: np.ndarray,
                shape: tuple[int, int], notes: list[str]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Volume (contacts), AHT (s) and closed (bool) per (queue, interval) from the rows
    ``mine`` of a raw requirements table at (``q_idx``, ``t_idx``).  Contacts in closed
    hours are dropped (with a note); AHT without contacts is the queue's mean AHT."""
    f = table.frame
    volume_all = numeric_column(table, "volume", minimum=0.0, maximum=MAX_VOLUME,
                                what="a volume >= 0 and <= 1e6")
    aht_all = numeric_column(table, "aht_s", minimum=0.0, maximum=MAX_AHT, blank=0.0,
                             what="aht_s from 0 to 86400")
    volume = np.zeros(shape)
    aht = np.full(shape, np.nan)
    closed = np.zeros(shape, dtype=bool)
    if "binding_target" in f:
        closed[q_idx[mine], t_idx[mine]] = (f["binding_target"].str.strip() == "closed")[mine]
    volume[q_idx[mine], t_idx[mine]] = volume_all[mine]
    ok = mine & (aht_all > 0)
    aht[q_idx[ok], t_idx[ok]] = aht_all[ok]
    if (volume[closed] > 0).any():
        notes.append(f"{volume[closed].sum():.0f} contact(s) forecast in closed hours are not "
                     "offered")
        volume[closed] = 0.0
    no_aht = mine & (volume_all > 0) & ~(aht_all > 0) & ~closed[q_idx, t_idx]
    if no_aht.any():
        i = int(np.flatnonzero(no_aht)[0])
        raise WfmInputError("volume > 0 needs aht_s > 0 (seconds per contact)",
                            file=table.path, row=int(table.line[i]), column="aht_s")
    # intervals without contacts: the AHT is unused; the queue's mean keeps it finite
    mean_aht = np.array([np.nanmean(a) if np.isfinite(a).any() else 1.0 for a in aht])
    aht = np.where(np.isnan(aht), mean_aht[:, None], aht)
    return volume, aht, closed


def _erlang_prediction(f: pd.DataFrame, q_idx: np.ndarray, t_idx: np.ndarray,
                       mine: np.ndarray, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """The Erlang columns of the requirements file (service level share, ASA s, abandon
    share, occupancy share) per (queue, interval); NaN where absent."""
    erlang = {}
    for col, metric in ERLANG_COLUMNS.items():
        values = np.full(shape, np.nan)
        if col in f:
            # informational columns: blanks and unparsable cells are "no prediction"
            v = pd.to_numeric(f[col].str.strip(), errors="coerce").to_numpy(float)
            values[q_idx[mine], t_idx[mine]] = v[mine]
        erlang[metric] = values
    return erlang


def _queue_targets(queues: list[QueueConfig]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per queue: patience (s; inf for Erlang C and e-mail), target time (s; the
    deadline for e-mail) and service-level target (share; NaN: none)."""
    patience = np.array([np.inf if c.model in ("erlang_c", "deferred") or c.patience is None
                         else float(c.patience) for c in queues])
    target_time = np.array([c.deadline if c.model == "deferred" else c.target_time or 20.0
                            for c in queues], dtype=float)
    level = np.array([c.within if c.model == "deferred" else
                      np.nan if c.service_level is None else c.service_level for c in queues])
    return patience, target_time, level


def _callback_inputs(queues: list[QueueConfig]) -> tuple[np.ndarray, np.ndarray,
                                                         np.ndarray]:
    """Per queue (accept share, deadline s, talk time s or NaN: the AHT); 0, inf, NaN
    for a queue without callbacks."""
    cbs = [q.callback for q in queues]
    return (np.array([0.0 if c is None else float(c.accept_share) for c in cbs]),
            np.array([np.inf if c is None else float(c.deadline) for c in cbs]),
            np.array([np.nan if c is None or c.talk_time is None else float(c.talk_time)
                      for c in cbs]))


def _callback_kwargs(share: np.ndarray, deadline: np.ndarray,
                     talk: np.ndarray) -> dict[str, tuple[float, ...]]:
    """The callback fields of :class:`SimInput`, none when no queue has callbacks
    (the plan then simulates exactly as before callbacks existed)."""
    if not (share > 0).any():
        return {}
    return {"callback": tuple(share.tolist()), "callback_deadline": tuple(deadline.tolist()),
            "callback_talk": tuple(talk.tolist())}


def _callback_prediction(f: pd.DataFrame, q_idx: np.ndarray, t_idx: np.ndarray,
                         mine: np.ndarray, volume: np.ndarray,
                         share: np.ndarray) -> np.ndarray:
    """``wfm staff``'s callback share per (queue, interval): ``callback_volume`` /
    ``volume`` of the requirements file; NaN without callbacks or contacts."""
    out = np.full(volume.shape, np.nan)
    if "callback_volume" not in f:
        return out
    calls = np.zeros(volume.shape)
    v = pd.to_numeric(f["callback_volume"].str.strip(), errors="coerce").to_numpy(float)
    calls[q_idx[mine], t_idx[mine]] = np.nan_to_num(v[mine])
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where((volume > 0) & (share[:, None] > 0), calls / volume, np.nan)
    return out


def cyclic_margins(T: int, dt: float, deadlines: np.ndarray,
                   patience: np.ndarray) -> tuple[int, int]:
    """(warm-up, cool-down) intervals for a plan that repeats (a week).  Warm-up: one
    day, or the longest e-mail deadline plus the longest finite patience if longer;
    cool-down: the longest e-mail deadline (every e-mail of the horizon is
    judged) or one hour; each at most the horizon.  The cycle's end is simulated
    before it and its start after it, instead of an empty start and a cut end."""
    finite = patience[np.isfinite(patience)]
    longest = float(np.max(deadlines, initial=0.0))
    warm = max(86400.0, longest + float(np.max(finite, initial=0.0)))
    cool = max(3600.0, longest)
    return (int(min(T, np.ceil(warm / dt - 1e-9))), int(min(T, np.ceil(cool / dt - 1e-9))))


_CHANNEL_KIND = {"erlang_c": "phone", "erlang_a": "phone", "chat": "chat",
                 "deferred": "email"}


def _pools(inst, duty: np.ndarray, groups: tuple[str, ...], kind: np.ndarray,
           shrink: float, dt: float, split: bool = False
           ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[int, ...], list[str],
                      tuple[int, ...]]:
    """Split each group's on-duty agents into phone, chat and e-mail pools.

    Per interval, chat and e-mail get the agents the plan's assignment (the
    transportation LP ``wfm schedule`` checks a plan with) gives the group's chat and
    deferred queues; the rest of the group serves its phone queues (or, without phone
    skills, chat, else e-mail).  With ``split`` the phone pool of a group skilled for
    two or more phone queues is split further by the same assignment: one pool per
    phone queue (``DE_EN/phone:en``, primary queue = that queue) with the agents the
    plan assigns to it, and the agents it assigns to none (beyond the requirement) in
    a pool without primary (``DE_EN``).  Productive agents = pool x (1 - shrinkage),
    rounded on the running sum over a group's pools, so they add up to the group's
    rounded total.  Returns the pools' skills (P, Q), productive agents (P, T), names
    (``DE``, ``DE/chat``, ``DE/email``), the group index of each pool (the engine's
    ``team``: an agent the assignment moves between pools joins the new one only
    after finishing its work in the old one), notes and the primary queue of each
    pool (-1: none).
    """
    from wfm.schedule.evaluate import allocate

    skill = inst.skill.astype(bool)
    G, T = duty.shape
    alloc = allocate(inst, duty.astype(int))
    alloc = (_sticky(alloc, duty.astype(int), skill) if split else alloc).astype(float)
    kinds = ("phone", "chat", "email")
    share = np.zeros((3, G, T))
    for k, name in enumerate(kinds[1:], start=1):
        share[k] = alloc[:, kind == name, :].sum(axis=1)
    share[0] = duty - share[1] - share[2]
    has = np.stack([skill[:, kind == name].any(axis=1) for name in kinds])  # (3, G)
    for g in range(G):  # unassigned time to the first pool the group has
        first = int(np.argmax(has[:, g])) if has[:, g].any() else 0
        if first:
            share[first, g] += share[0, g]
            share[0, g] = 0.0
    pools: list[tuple[int, int, int, str, np.ndarray, int]] = []  # (kind, g, #, ...)
    for g in range(G):
        parts = _group_parts(g, groups[g], skill[g], kind, share[:, g], alloc[g], has[:, g],
                             split, inst.queues)
        running = np.floor(np.cumsum(np.clip([p[2] for p in parts], 0, None), axis=0)
                           * (1.0 - shrink) + 0.5)
        productive = np.diff(np.concatenate([np.zeros((1, T)), running]), axis=0).astype(int)
        for n, ((k, name, _, row, prim), agents) in enumerate(zip(parts, productive,
                                                                   strict=True)):
            if agents.any():
                pools.append((k, g, n, name, row, prim, agents))
    pools.sort(key=lambda p: p[:3])  # phone pools, then chat, then e-mail; by group
    notes = []
    if shrink:
        notes.append(f"productive agents = on duty x (1 - shrinkage {shrink:g}), rounded")
    shares = [f"{share[k].sum() * dt / 3600:,.0f} agent-h {kinds[k]}" for k in (1, 2)
              if share[k].sum() > 0]
    if shares:
        notes.append("chat and e-mail agents per interval as the plan assigns them ("
                     + ", ".join(shares) + " on duty); the rest serve phone")
    if any(p[5] >= 0 for p in pools):
        notes.append("phone agents of multi-skilled groups serve first the queue the plan "
                     "assigns them per interval, then overflow (routing plan)")
    if not pools:
        return np.zeros((0, len(kind)), bool), np.zeros((0, T), int), (), (), notes, ()
    return (np.array([p[4] for p in pools]), np.array([p[6] for p in pools]),
            tuple(p[3] for p in pools), tuple(p[1] for p in pools), notes,
            tuple(p[5] for p in pools))


def _sticky(alloc: np.ndarray, duty: np.ndarray, skill: np.ndarray) -> np.ndarray:
    """The plan's assignment ``alloc`` (G, Q, T agents) re-chosen interval by interval
    so that as many agents as possible stay on the queue they worked in the interval
    before: the same agents per queue (``alloc.sum(axis=0)``), within each group's
    on-duty agents ``duty`` (G, T) and ``skill`` (G, Q), maximising the agents kept on
    their queue (a transportation problem with a capacitated "stay" arc beside each
    arc: integral vertices).  The schedule's LP picks any of its equally good
    assignments, which moves agents between queues from one interval to the next for
    nothing."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    G, Q, T = alloc.shape
    covered = alloc.sum(axis=0)
    out = alloc.copy()
    for t in range(1, T):
        prev = out[:, :, t - 1]
        arcs = skill & (covered[:, t] > 0)[None, :] & (duty[:, t] > 0)[:, None]
        stay = arcs & (prev > 0)
        if not stay.any():
            continue
        g_a, q_a = np.nonzero(arcs)
        g_s, q_s = np.nonzero(stay)
        K, S = len(g_a), len(g_s)
        rows = np.concatenate([g_a, G + q_a, g_s, G + q_s])
        cols = np.concatenate([np.arange(K), np.arange(K), K + np.arange(S), K + np.arange(S)])
        a = csr_matrix((np.ones(2 * (K + S)), (rows, cols)), shape=(G + Q, K + S))
        res = linprog(np.concatenate([np.zeros(K), -np.ones(S)]),
                      A_ub=a[:G], b_ub=duty[:, t].astype(float),
                      A_eq=a[G:], b_eq=covered[:, t].astype(float),
                      bounds=[(0, None)] * K + [(0, float(v)) for v in prev[stay]],
                      method="highs-ds")
        if res.status != 0:  # pragma: no cover - the plan's own assignment is feasible
            continue
        x = np.round(res.x).astype(int)
        if np.abs(res.x - x).max() > 1e-6:  # pragma: no cover - network matrix
            continue
        step = np.zeros((G, Q), int)
        np.add.at(step, (g_a, q_a), x[:K])
        np.add.at(step, (g_s, q_s), x[K:])
        out[:, :, t] = step
    return out


def _group_parts(g: int, group: str, skill: np.ndarray, kind: np.ndarray,
                 share: np.ndarray, alloc: np.ndarray, has: np.ndarray, split: bool,
                 queues: tuple[str, ...]) -> list[tuple[int, str, np.ndarray, np.ndarray, int]]:
    """Group ``g``'s pools before rounding, in rounding order: (kind index, name, agents
    on duty (T,), skills (Q,), primary queue or -1); ``share`` (3, T) agents on duty per
    kind, ``alloc`` (Q, T) the plan's assignment, ``has`` (3,) the kinds it serves."""
    phone = skill & (kind == "phone")
    parts = []
    own = np.flatnonzero(phone) if split and has[0] else np.array([], int)
    if len(own) >= 2:
        rest = share[0].copy()
        for q in own:
            parts.append((0, f"{group}/{queues[q]}", alloc[q], phone, int(q)))
            rest = rest - alloc[q]
        parts.append((0, group, rest, phone, -1))
    elif has[0]:
        parts.append((0, group, share[0], phone, -1))
    for k, name in ((1, "chat"), (2, "email")):
        if has[k]:
            parts.append((k, f"{group}/{name}", share[k], skill & (kind == name), -1))
    return parts


def _read_coverage(path: Path) -> pd.DataFrame:
    """``coverage.csv`` as written by ``wfm schedule`` (ISO times with offsets)."""
    try:
        cov = pd.read_csv(path, dtype={"channel": str, "language": str,
                                       "interval_start": str})
        cov["agents_scheduled"] = pd.to_numeric(cov["agents_scheduled"], errors="raise")
        pd.to_datetime(cov["interval_start"], utc=True, format="ISO8601")
    except (ValueError, KeyError, TypeError) as exc:
        raise WfmInputError(f"not a coverage file written by wfm schedule ({exc})",
                            file=str(path)) from None
    return cov


def _erlang_at_plan(coverage: Path, queues: list[QueueConfig], starts: pd.DatetimeIndex,
                    dt: float, volume: np.ndarray, aht: np.ndarray, patience: np.ndarray,
                    target_time: np.ndarray, shrink: float) -> dict[str, np.ndarray]:
    """Erlang C/A (phone) or Erlang-Chat (chat) per queue and interval at the agents
    ``coverage.csv`` puts on it; NaN for deferred queues (no per-interval formula)."""
    from wfm.erlang import abandon_rate, asa, occupancy
    from wfm.erlang.chat import chat_metrics

    Q, T = volume.shape
    out = {m: np.full((Q, T), np.nan) for m in METRICS}
    if not coverage.exists():
        return out
    cov = _read_coverage(coverage)
    keys = (cov["channel"].str.lower() + ":" + cov["language"].str.lower()).to_numpy()
    utc = pd.to_datetime(cov["interval_start"], utc=True, format="ISO8601")
    t = np.rint((utc - starts.tz_convert("UTC")[0]) / pd.Timedelta(seconds=dt)).to_numpy()
    agents = np.full((Q, T), np.nan)
    for q, queue in enumerate(queues):
        m = (keys == queue.key) & (t >= 0) & (t < T)
        agents[q, t[m].astype(int)] = cov["agents_scheduled"].to_numpy(float)[m]
    n = np.floor(np.nan_to_num(agents) * (1.0 - shrink) + 0.5)
    load = volume * aht / dt
    pat = np.broadcast_to(patience[:, None], (Q, T))
    tt = np.broadcast_to(target_time[:, None], (Q, T))
    model = np.array([q.model for q in queues])[:, None]
    basis = np.broadcast_to(np.array([q.basis for q in queues])[:, None], (Q, T))
    ok = ~np.isnan(agents)
    phone = ok & np.isin(model, PHONE_MODELS)
    with np.errstate(all="ignore"):
        for name, fn in (("service_level", lambda c: _sl_by_basis(n[c], load[c], aht[c],
                                                                  tt[c], pat[c], basis[c])),
                         ("asa", lambda c: asa(n[c], load[c], aht[c], pat[c])),
                         ("abandon", lambda c: abandon_rate(n[c], load[c], aht[c], pat[c])),
                         ("occupancy", lambda c: occupancy(n[c], load[c], aht[c], pat[c]))):
            out[name][phone] = fn(phone)
        for q, queue in enumerate(queues):
            if queue.model != "chat" or not ok[q].any():
                continue
            c = ok[q]
            a1 = aht[q, c]  # time in units of AHT_1, as wfm staff does
            e = chat_metrics(n[q, c], volume[q, c] / dt * a1, queue.chat_aht_factors,
                             target_time[q] / a1, patience[q] / a1, basis=queue.basis)
            out["service_level"][q, c] = e.service_level
            out["asa"][q, c] = e.asa * a1
            out["abandon"][q, c] = e.abandon_rate
            out["occupancy"][q, c] = e.occupancy
    return out


def _sl_by_basis(n: np.ndarray, load: np.ndarray, aht: np.ndarray, tt: np.ndarray,
                 pat: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Erlang C/A service level, each cell on its queue's basis."""
    from wfm.erlang import service_level

    out = np.full(n.shape, np.nan)
    for b in ("offered", "answered"):
        m = basis == b
        if m.any():
            out[m] = service_level(n[m], load[m], aht[m], tt[m], pat[m], basis=b)
    return out


def result_table(inputs: PlanInputs, res: SimResult) -> pd.DataFrame:
    """One row per queue and interval: simulated means with 95 % half-widths beside the
    Erlang prediction; ``misses_target`` where the whole interval of the simulated
    service level lies below the target.  A deferred (e-mail) queue's ``within`` is a
    share over the horizon: its per-interval service levels are informational and
    ``misses_target`` is False on its rows (the horizon figure is in :func:`summary`)."""
    Q, T = len(inputs.queues), len(inputs.starts)
    times = [t.isoformat() for t in inputs.starts]
    cols: dict[str, object] = {
        "interval_start": np.tile(times, Q),
        "channel": np.repeat([q.split(":")[0] for q in inputs.queues], T),
        "language": np.repeat([q.split(":")[1] for q in inputs.queues], T),
        "offered": np.round(res.offered.ravel(), 2),
    }
    for m, unit in zip(METRICS, ("", "_s", "", ""), strict=True):
        cols[f"{m}{unit}_sim"] = res.mean[m].ravel()
        cols[f"{m}{unit}_ci95"] = res.half[m].ravel()
        cols[f"{m}{unit}_erlang"] = inputs.erlang[m].ravel()
        cols[f"{m}{unit}_erlang_plan"] = inputs.erlang_plan[m].ravel()
    deferred = np.repeat(np.asarray(inputs.sim.channel_setup()[3], dtype=bool), T)
    for col in ("abandon_sim", "abandon_ci95"):  # deferred work does not abandon
        cols[col] = np.where(deferred, np.nan, cols[col])  # type: ignore[call-overload]
    level = np.repeat(inputs.target_level, T)
    upper = res.mean["service_level"] + np.nan_to_num(res.half["service_level"])
    cols["target_sl"] = level
    cols["misses_target"] = (upper.ravel() < level) & (res.offered.ravel() > 0) & ~deferred
    cols["backlog_sim"] = res.mean["backlog"].ravel()
    cols["backlog_ci95"] = res.half["backlog"].ravel()
    if inputs.sim.has_callbacks:
        cols.update(_callback_columns(inputs, res))
    frame = pd.DataFrame(cols)
    order = np.lexsort((frame["language"], frame["channel"], np.tile(np.arange(T), Q)))
    return frame.iloc[order].reset_index(drop=True).round(6)


def _callback_columns(inputs: PlanInputs, res: SimResult) -> dict[str, np.ndarray]:
    """The callback columns of :func:`result_table` (empty on queues without
    callbacks): ``callback_share`` (simulated and ``wfm staff``'s), ``callback_in_time``
    and ``callback_delay_s``, each simulated with its 95 % half-width."""
    T = len(inputs.starts)
    off = np.repeat(~(np.asarray(inputs.sim.callback_setup()[0]) > 0), T)
    cols: dict[str, np.ndarray] = {}
    for m, unit in zip(CALLBACK_METRICS, ("", "", "_s"), strict=True):
        cols[f"{m}{unit}_sim"] = np.where(off, np.nan, res.mean[m].ravel())
        cols[f"{m}{unit}_ci95"] = np.where(off, np.nan, res.half[m].ravel())
        if m == "callback_share":
            cols["callback_share_erlang"] = inputs.erlang[m].ravel()
    return cols


def _callback_summary(inputs: PlanInputs, res: SimResult, q: int) -> dict:
    """A callback queue's figures over the horizon (simulated, 95 % half-widths, and
    the callback share ``wfm staff`` planned, volume-weighted)."""
    row: dict = {}
    for m in CALLBACK_METRICS:
        value, half = float(res.total_mean[m][q]), float(res.total_half[m][q])
        row[m] = value if np.isfinite(value) else None
        row[f"{m}_ci95"] = half if np.isfinite(half) else None
    vol, planned = res.offered[q], inputs.erlang["callback_share"][q]
    ok = np.isfinite(planned) & (vol > 0)
    row["callback_share_erlang"] = float((planned[ok] * vol[ok]).sum() / vol[ok].sum()) \
        if ok.any() else None
    row["callback_deadline_s"] = inputs.sim.callback_setup()[1][q]
    return row


def summary(inputs: PlanInputs, res: SimResult, table: pd.DataFrame) -> list[dict]:
    """Per queue over the horizon: simulated metrics with 95 % half-widths, the Erlang
    prediction (volume-weighted over intervals), ``intervals_missed`` (rows of the
    table flagged ``misses_target``: intervals whose whole 95 % interval of the
    simulated service level lies below the target; always 0 for deferred queues,
    whose target is a share over the horizon), ``target_over`` ("interval" or
    "horizon") and ``misses_target``, the same test on the horizon's service level."""
    out = []
    for q, key in enumerate(inputs.queues):
        vol = res.offered[q]
        rows = table[(table["channel"] + ":" + table["language"]) == key]
        row: dict = {"queue": key, "contacts": float(vol.sum()),
                     "target_sl": None if np.isnan(inputs.target_level[q])
                     else float(inputs.target_level[q]),
                     "intervals_open": int((inputs.open[q] & (vol > 0)).sum()),
                     "intervals_missed": int(rows["misses_target"].sum())}
        deferred = inputs.sim.channel_setup()[3][q]
        row["target_over"] = "horizon" if deferred else "interval"
        upper = res.total_mean["service_level"][q] + np.nan_to_num(
            res.total_half["service_level"][q])
        row["misses_target"] = bool(upper < inputs.target_level[q])
        for m in (*METRICS, "backlog"):
            none = deferred and m == "abandon"
            value, half = float(res.total_mean[m][q]), float(res.total_half[m][q])
            row[m] = None if none or not np.isfinite(value) else value  # NaN: no data
            row[f"{m}_ci95"] = None if none or not np.isfinite(half) else half
            if m == "backlog":
                continue
            for suffix, source in (("_erlang", inputs.erlang), ("_erlang_plan",
                                                                 inputs.erlang_plan)):
                e = source[m][q]
                ok = np.isfinite(e) & (vol > 0)
                row[m + suffix] = float((e[ok] * vol[ok]).sum() / vol[ok].sum()) \
                    if ok.any() else None
        if inputs.sim.callback_setup()[0][q] > 0:
            row["callback"] = _callback_summary(inputs, res, q)
        out.append(row)
    return out
