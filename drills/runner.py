"""Running a drill against the live topology, and the journal of what happened.

One thread, so every question to the actors goes through one client: the steady state and the stop
conditions are probed every `interval_s` whenever the method waits (its pauses, its waits for a
condition, the detection and recovery of each fault), and between its steps. A stop condition that
fails aborts at once (one whose probe cannot answer, its actor down, does not: that may be the fault
itself); Ctrl-C interrupts; either way the rollbacks run, each whatever became of the last.

    before   the preconditions must hold, and the steady state (within a few seconds: orders in flight
             settle), or nothing is done
    method   each step in order; the first that fails ends the method (the rest are skipped)
    after    the steady state must hold again within settle_s
    expect   each expectation, against what the method measured or a probe's value
    rollback always
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from drills.actions import ACTIONS
from drills.catalog import Found
from drills.live import Live
from drills.probes import PROBES, lost_orders, note_baseline
from drills.spec import Drill, ProbeSpec, Step
from drills.targets import resolve

BEFORE_WITHIN_S = 5.0
POLL_S = 0.2
TRACED_ORDERS = 200
"""At most this many of the drill's orders have their trace ids looked up (the span file is read once)."""


class Abort(Exception):
    """A stop condition failed."""


class _Refused(Exception):
    """The steady state did not hold before the method."""


class Runner:
    def __init__(self, drill: Drill, live: Live, *, progress: Callable[[str], None] = lambda line: None,
                 seed: int | None = None) -> None:
        self.drill, self.live, self.progress = drill, live, progress
        self.rng = random.Random(seed)
        self.t0 = time.monotonic()
        self._last_watch = float("-inf")
        self._watching = True  # not while rolling back: a stop condition has nothing left to stop
        self._deviating: set[str] = set()
        self.timeline: list[dict[str, Any]] = []
        self.during = {p.name: {"name": p.name, "probe": p.probe, "samples": 0, "deviations": 0,
                                "first_deviation_s": None, "worst": None, "tolerance": p.tolerance.to_json()}
                       for p in drill.steady_state}

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    # ---- the whole drill ----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        drill, live = self.drill, self.live
        live.started_at = time.time()
        journal: dict[str, Any] = {
            "title": drill.title, "description": drill.description, "file": drill.file, "tags": list(drill.tags),
            "runbook": drill.runbook, "status": "completed", "preconditions": [], "reason": None, "deviated": False,
            "started_at": _iso(live.started_at), "steady_state": {"before": [], "during": [], "after": []},
            "run": [], "rollbacks": [], "expectations": [], "pages": [], "orders": {}, "trace_ids": [],
            "timeline": self.timeline, "report": None}
        orders_before: set[str] = set()
        fills_before = None
        try:
            try:
                note_baseline(live)
                orders_before = {o["cl_ord_id"] for o in live.orders()}
                fills_before = _fills(live)
            except Exception as err:  # an actor the probes need does not answer: nothing to start from
                raise _Refused(f"the running topology does not answer the drill's questions: {err}") from None
            self.progress(f"steady state before: {len(drill.steady_state)} probes")
            journal["preconditions"] = ready = [self.result(p) for p in drill.preconditions]
            if not all(r["ok"] for r in ready):
                raise _Refused("a precondition does not hold: " + _failing(ready))
            journal["steady_state"]["before"] = before = self.hold(drill.steady_state, BEFORE_WITHIN_S)
            if not all(r["ok"] for r in before):
                raise _Refused("the steady state does not hold before the method: " + _failing(before))
            self.method(journal)
            self.progress(f"steady state after: waiting up to {drill.settle_s:g} s for it to hold")
            journal["steady_state"]["after"] = after = self.hold(drill.steady_state, drill.settle_s)
            if not all(r["ok"] for r in after):
                self._fail(journal, "the steady state did not hold again after the method: " + _failing(after))
            journal["expectations"] = self.expectations(journal["run"])
            unmet = [e["name"] for e in journal["expectations"] if not e["met"]]
            if unmet:
                self._fail(journal, f"expectation not met: {', '.join(unmet)}")
        except Abort as stop:
            journal["status"], journal["reason"] = "aborted", str(stop)
            self.mark("abort", str(stop))
            self.progress(f"ABORTED: {stop}")
        except KeyboardInterrupt:
            journal["status"], journal["reason"] = "interrupted", "interrupted by the operator (Ctrl-C)"
            self.mark("abort", "interrupted")
            self.progress("interrupted: rolling back")
        except _Refused as refused:
            journal["status"], journal["reason"] = "failed", str(refused)
            self.progress(f"refused: {refused}")
        finally:
            self.rollbacks(journal)
        journal["steady_state"]["during"] = list(self.during.values())
        journal["deviated"] = bool(any(d["deviations"] for d in self.during.values()) or any(
            not r["ok"] for r in (*journal["steady_state"]["before"], *journal["steady_state"]["after"])))
        self.settle_accounts(journal, orders_before, fills_before)
        journal["ended_at"], journal["duration_s"] = _iso(time.time()), self.now()
        self.timeline.sort(key=lambda e: e["at_s"])
        return journal

    def _fail(self, journal: dict[str, Any], reason: str) -> None:
        if journal["status"] == "completed":
            journal["status"], journal["reason"] = "failed", reason
        self.progress(f"FAILED: {reason}")

    def method(self, journal: dict[str, Any]) -> None:
        run, failed = journal["run"], None
        for i, step in enumerate(self.drill.method):
            if failed is not None:
                run.append(self._entry(step, status="skipped", error=f"after {failed!r} failed"))
                continue
            try:
                entry = self.step(step, run)
            except (Abort, KeyboardInterrupt):
                run += [self._entry(s, status="skipped", error="the drill stopped first")
                        for s in self.drill.method[i + 1:]]
                raise
            if entry["status"] == "failed":
                failed = step.name
                self._fail(journal, f"step {step.name!r} failed: {entry['error']}")

    def rollbacks(self, journal: dict[str, Any]) -> None:
        self._watching = False
        for step in self.drill.rollbacks:
            self.mark("rollback", step.name)
            try:
                self.step(step, journal["rollbacks"])
            except KeyboardInterrupt:  # a second Ctrl-C does not stop the rollbacks
                journal["rollbacks"][-1].update(status="failed", error="interrupted")

    # ---- steps --------------------------------------------------------------------------------------
    def step(self, step: Step, into: list[dict[str, Any]]) -> dict[str, Any]:
        """Run one step; its entry goes into `into` as it starts, so an abort inside it leaves it recorded."""
        entry = self._entry(step)
        into.append(entry)
        self.progress(f"+{entry['start_s']:7.1f} s  {step.type} {step.name}")
        try:
            if step.type == "pause":
                self.sleep(step.seconds)
            elif step.type == "wait":
                took, result = self.wait_until(step.probe)
                entry["output"] = result
                if took is None:
                    entry["status"], entry["error"] = "failed", f"{step.probe.name}: {_shown(result)} after " \
                        f"{step.probe.within_s:g} s (wanted {step.probe.tolerance})"
            elif step.type == "probe":
                result = self.result(step.probe)
                entry["output"] = result
                if not result["ok"]:
                    entry["status"], entry["error"] = "failed", result["error"] or \
                        f"{_shown(result)}, wanted {step.probe.tolerance}"
            else:
                self.act(step, entry)
        except Abort as stop:
            entry["status"], entry["error"] = "failed", f"aborted: {stop}"
            raise
        except KeyboardInterrupt:
            entry["status"], entry["error"] = "failed", "interrupted"
            raise
        except Exception as err:  # an action that could not be done: the journal says why
            entry["status"], entry["error"] = "failed", f"{type(err).__name__}: {err}"
        finally:
            entry["end_s"], entry["end"] = self.now(), _iso(time.time())
            entry["duration_s"] = round(entry["end_s"] - entry["start_s"], 3)
            if entry["status"] == "failed":
                self.progress(f"          {step.name}: FAILED: {entry['error']}")
        return entry

    def act(self, step: Step, entry: dict[str, Any]) -> None:
        """Do the action (repeat times, every_s apart), waiting for its detection and recovery each time: the
        entry's times are the slowest of them, each time's in its `repetitions`."""
        action = ACTIONS[step.kind]
        times = []
        for n in range(step.repeat):
            if n:
                self.sleep(step.every_s)
            targets = resolve(step.target, self.live, self.rng) if step.target is not None else []
            self.live.targeted.update(targets)
            if self._watching:  # a rollback is no fault
                self.mark("fault", step.name + (f" #{n + 1}: {', '.join(targets)}" if step.repeat > 1 else ""))
            once = {"targets": targets, "output": action.fn(self.live, targets, **step.args) if action.targets
                    else action.fn(self.live, **step.args), "time_to_detect_s": None, "time_to_recover_s": None}
            self._aftermath(step, once)
            times.append(once)
            entry["targets"] = sorted(set(entry["targets"]) | set(targets))
        if step.repeat == 1:
            entry.update(times[0])
            return
        entry["output"], entry["repetitions"] = [t["output"] for t in times], times
        for key in ("time_to_detect_s", "time_to_recover_s"):
            seen = [t[key] for t in times if t[key] is not None]
            entry[key] = max(seen) if len(seen) == len(times) else None  # one not recovered: none to report

    def _aftermath(self, step: Step, once: dict[str, Any]) -> None:
        acted = time.monotonic()
        for what, spec in (("detect", step.detect), ("recover", step.recover)):
            if spec is None:
                continue
            took, result = self.wait_until(spec)
            key = f"time_to_{what}_s"
            if took is None:
                self.progress(f"          {what}: {spec.name} did not hold within {spec.within_s:g} s "
                              f"({_shown(result)})")
                once.setdefault("notes", []).append(f"{what}: {spec.name} not within {spec.within_s:g} s")
                continue
            once[key] = round(time.monotonic() - acted, 3)
            self.mark(what, f"{step.name}: {spec.name}")
            self.progress(f"          {what}ed after {once[key]:.2f} s: {spec.name}")

    def _entry(self, step: Step, status: str = "succeeded", error: str | None = None) -> dict[str, Any]:
        now, at = self.now(), _iso(time.time())
        return {"name": step.name, "type": step.type, "kind": step.kind, "targets": [], "start": at, "end": at,
                "start_s": now, "end_s": now, "duration_s": 0.0, "status": status, "output": None, "error": error,
                "time_to_detect_s": None, "time_to_recover_s": None}

    # ---- probing ------------------------------------------------------------------------------------
    def result(self, spec: ProbeSpec) -> dict[str, Any]:
        value, detail, error = None, None, None
        try:
            found = PROBES[spec.probe].fn(self.live, **spec.args)
            value, detail = (found.value, found.detail) if isinstance(found, Found) else (found, None)
        except Exception as err:  # a probe that cannot answer does not hold
            error = f"{type(err).__name__}: {err}"
        ok = error is None and (spec.tolerance is None or spec.tolerance.holds(value))
        return {"name": spec.name, "probe": spec.probe, "value": value, "detail": detail,
                "tolerance": spec.tolerance.to_json() if spec.tolerance else None, "ok": ok, "error": error,
                "at_s": self.now()}

    def hold(self, specs: tuple[ProbeSpec, ...], within_s: float) -> list[dict[str, Any]]:
        """Each probe's result, asked again until all hold or within_s passed."""
        deadline = time.monotonic() + within_s
        while True:
            results = [self.result(s) for s in specs]
            if all(r["ok"] for r in results) or time.monotonic() >= deadline:
                return results
            time.sleep(POLL_S)

    def wait_until(self, spec: ProbeSpec) -> tuple[float | None, dict[str, Any]]:
        """(seconds it took, the last result) once the probe holds; (None, last) after spec.within_s."""
        start = time.monotonic()
        deadline = start + (spec.within_s or 0.0)
        while True:
            result = self.result(spec)
            if result["ok"]:
                return round(time.monotonic() - start, 3), result
            if time.monotonic() >= deadline:
                return None, result
            self.watch()
            time.sleep(POLL_S)

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.watch()
            time.sleep(min(POLL_S, max(left, 0)))

    def watch(self) -> None:
        """The steady state and the stop conditions, every interval_s: deviations noted, a stop aborts."""
        if not self._watching or time.monotonic() - self._last_watch < self.drill.interval_s:
            return
        self._last_watch = time.monotonic()
        for spec in self.drill.steady_state:
            result, seen = self.result(spec), self.during[spec.name]
            seen["samples"] += 1
            if result["ok"]:
                self._deviating.discard(spec.name)
                continue
            seen["deviations"] += 1
            seen["worst"] = result["value"] if result["error"] is None else result["error"]
            if seen["first_deviation_s"] is None:
                seen["first_deviation_s"] = result["at_s"]
            if spec.name not in self._deviating:
                self._deviating.add(spec.name)
                self.mark("deviation", f"{spec.name}: {_shown(result)}")
        for spec in self.drill.stop_conditions:
            result = self.result(spec)
            if not result["ok"] and result["error"] is None:  # one that cannot answer (its actor down) waits
                raise Abort(f"stop condition {spec.name!r}: {_shown(result)}, wanted {spec.tolerance}")

    def mark(self, kind: str, label: str) -> None:
        self.timeline.append({"at_s": self.now(), "kind": kind, "label": label})

    # ---- the reckoning ------------------------------------------------------------------------------
    def expectations(self, run: list[dict[str, Any]]) -> list[dict[str, Any]]:
        steps = {entry["name"]: entry for entry in run}
        out = []
        for exp in self.drill.expect:
            if exp.step is not None:
                value = steps.get(exp.step, {}).get(exp.measure)
                met = value is not None and exp.tolerance.holds(value)
                detail = None if value is not None else f"{exp.step}: no {exp.measure} (not met within its wait)"
            else:
                spec = ProbeSpec(exp.name, exp.probe.probe, exp.probe.args, exp.tolerance, exp.probe.within_s,
                                 exp.line)
                _, result = self.wait_until(spec)
                value, met = result["value"], result["ok"]
                detail = result["error"] or (result["detail"] if result["detail"] else None)
            out.append({"name": exp.name, "met": met, "value": value, "tolerance": exp.tolerance.to_json(),
                        "detail": detail})
            self.progress(f"expect {exp.name}: {'met' if met else 'NOT MET'} ({value!r}, wanted {exp.tolerance})")
        return out

    def settle_accounts(self, journal: dict[str, Any], orders_before: set[str], fills_before: int | None) -> None:
        """Orders and the venue's fills before and after, lost and duplicated; the pages the drill brought; its
        orders' traces."""
        live = self.live
        try:
            orders = live.orders()
            duplicated = PROBES["venue_duplicates"].fn(live).detail
            journal["orders"] = {"before": len(orders_before), "after": len(orders), "lost": lost_orders(live),
                                 "duplicated": duplicated, "fills_before": fills_before, "fills_after": _fills(live)}
        except Exception as err:  # the books could not be read (the OMS down): say so, keep the journal
            journal["orders"] = {"before": len(orders_before), "after": None, "lost": [], "duplicated": [],
                                 "fills_before": fills_before, "fills_after": None,
                                 "error": f"{type(err).__name__}: {err}"}
            orders = []
        try:
            for row in live.pages_since_start():
                at = round(row["created_at"] - live.started_at, 3)
                journal["pages"].append({k: row.get(k) for k in ("dedup_key", "action", "summary", "severity")}
                                        | {"at_s": at, "delivered": row.get("delivered_at") is not None})
                self.timeline.append({"at_s": at, "kind": "page" if row["action"] == "trigger" else "resolve",
                                      "label": row["dedup_key"]})
        except Exception as err:
            journal["pages_error"] = f"{type(err).__name__}: {err}"
        new = [o["cl_ord_id"] for o in orders if o["cl_ord_id"] not in orders_before][:TRACED_ORDERS]
        journal["orders"]["touched"] = len(new)
        try:
            from vigil.traces import span_file, trace_ids

            journal["trace_ids"] = sorted(set(trace_ids(span_file(live.client.run_dir), new).values()))
        except Exception:  # spans exported elsewhere (OTLP): no ids to list
            journal["trace_ids"] = []


def _fills(live: Live) -> int:
    """The fills the venue made for Vigil's sessions (its drop copy)."""
    return sum(len(copy["fills"]) for copy in live.drop_copies().values())


def _failing(results: list[dict[str, Any]]) -> str:
    return "; ".join(f"{r['name']}: {_shown(r)} (wanted {r['tolerance']!r})" for r in results if not r["ok"])


def _shown(result: dict[str, Any]) -> str:
    if result["error"]:
        return result["error"]
    detail = result.get("detail")
    return f"{result['value']!r}" + (f" {detail}" if detail else "")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
