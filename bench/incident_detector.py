"""How the incident detector does on a month of traffic nobody tuned it on (bench/incident_traffic.py writes it).

Replays the month in time order: each complaint classified by the analyse stage's rules and embedded by its
encoder; a complaint close to an open incident is linked as it arrives; every `--tick` minutes (the watch's
schedule) the detector looks at the last window against the same windows of past weeks (complaints linked to
an incident are left out of the baseline) and opens what it finds. Prints, per outage: the time from its 10th
complaint to its incident, the share of its complaints linked; overall: unrelated complaints linked (share of
all linked) and false incidents (those whose members are mostly background). Goals: detected
within 10 min of the 10th complaint, >= 90% linked, <= 5% unrelated, <= 1 false incident a month.

    python bench/incident_detector.py bench/data/incidents/tuning-2026-11.jsonl [--json out.json] [--similar 0.6 ...]
"""
import argparse
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent))

from bench import incident_traffic as traffic  # noqa: E402
from classifier import classifier_from  # noqa: E402
from classifier.embedding import embed  # noqa: E402
from incidents.detect import (  # noqa: E402
    NEIGHBOURS,
    STORY_HISTORY_AT_MOST,
    Open,
    Rules,
    Seen,
    candidates,
    covered_weeks,
    has_history,
    linking,
    main_labels,
    matches,  # noqa: E402
    past_windows,
    stories,
)


def seen(path: Path, cache: Path | None = None) -> tuple[list[Seen], dict[str, str | None], list[traffic.Outage],
                                                         float]:
    """The month as the detector sees it: labels by the analyse stage's rules, vectors by its encoder (kept in
    `cache`, an .npz, when given: the same month replayed under other rules needs neither again)."""
    complaints, outages = traffic.read(path)
    started = time.perf_counter()
    if cache and cache.exists():
        kept = np.load(cache)
        vectors, labels = kept["vectors"], [tuple(x) for x in kept["labels"]]
    else:
        rules = classifier_from("rules")
        vectors = embed([c.text for c in complaints])
        labels = [(x.business_type, x.problem_nature) for x in (rules.classify(c.text, c.channel) for c in complaints)]
        if cache:
            np.savez(cache, vectors=vectors, labels=np.array(labels))
    out, truth = [], {}
    for i, (c, v, (business_type, nature)) in enumerate(zip(complaints, vectors, labels, strict=True)):
        out.append(Seen(f"C{i}", datetime.fromisoformat(c.at), business_type, nature, v))
        truth[f"C{i}"] = c.outage
    return out, truth, outages, time.perf_counter() - started


def replay(stream: list[Seen], rules: Rules, tick: timedelta, again_at_most: int = 500) -> list[dict]:
    """The incidents the detector opens over the stream, as the watch and the incidents' scans do: when, by
    which rule, and their members."""
    incidents: list[dict] = []
    vector = {s.id: s.vector for s in stream}
    label = {s.id: s.business_type for s in stream}

    def shape(inc: dict) -> Open:
        recent = inc["members"][-200:]
        core = [m for m in recent if m not in inc["neighbours"]][-50:]
        if inc.get("everyday_at") != now:  # read again at each scan, as the incident's link scan does
            heard = [s for s in between(*rules.story_spans(inc["opened"])[1])
                     if s.id not in linked][-STORY_HISTORY_AT_MOST:]
            inc["everyday"] = np.vstack([s.vector for s in heard]) if heard else None
            inc["everyday_at"] = now
        return Open(inc["centre"], np.vstack([vector[m] for m in core]) if core else
                    np.zeros((0, len(inc["centre"])), np.float32), main_labels([label[m] for m in recent]),
                    inc["everyday"])

    def link(k: int, s: Seen, how: str | None, at) -> None:
        linked[s.id] = k
        incidents[k]["members"].append(s.id)
        incidents[k]["grew"] = True
        if how == NEIGHBOURS:
            incidents[k]["neighbours"].add(s.id)
        else:  # only a complaint alike the incident itself keeps it linking
            incidents[k]["last"] = at

    linked: dict[str, int] = {}
    start, end = stream[0].at, stream[-1].at
    now, i = start + tick, 0
    width = timedelta(minutes=rules.window_minutes)
    quiet = timedelta(hours=rules.quiet_hours)
    ats = np.array([s.at.timestamp() for s in stream])

    def between(a, b) -> list[Seen]:
        return stream[np.searchsorted(ats, a.timestamp()):np.searchsorted(ats, b.timestamp())]

    while now <= end + tick:
        again = [k for k, inc in enumerate(incidents) if inc.pop("grew", False) and now - inc["last"] <= quiet]
        while i < len(stream) and stream[i].at < now:  # arrivals since the last tick: linked as they come
            s = stream[i]
            live = [k for k, inc in enumerate(incidents) if s.at - inc["last"] <= quiet]
            shapes = [shape(incidents[k]) for k in live]
            found = matches(s.vector, s.business_type, shapes, rules)
            if found is not None:
                link(live[found], s, linking(s.vector, s.business_type, shapes[found], rules), s.at)
            i += 1
        for k in again:  # an incident that grew at its last scan looks again at what it passed over
            inc = incidents[k]
            passed = [s for s in between(inc["opened"] - width, now) if s.id not in linked][-again_at_most:]
            shaped = shape(inc)
            for s in passed:
                how = linking(s.vector, s.business_type, shaped, rules, bridge=False)
                if how:
                    link(k, s, how, inc["last"])
        window = [s for s in between(now - width, now) if s.id not in linked]
        history = []
        for a, b in past_windows(now, rules):
            history += [s for s in between(a, b) if s.id not in linked]
        found_now = candidates(window, history, now, rules, covered_weeks(now, start, rules))
        if has_history(now, start, rules):  # the longer window's new stories, as the watch reads them
            told, heard = rules.story_spans(now)
            found_now += stories([s for s in between(*told) if s.id not in linked],
                                 [s for s in between(*heard) if s.id not in linked][-STORY_HISTORY_AT_MOST:],
                                 rules, {m for c in found_now for m in c.members})
        for c in found_now:
            live = [k for k, inc in enumerate(incidents) if now - inc["last"] <= quiet]
            # As the watch does: a finding joins a live incident by its centre alone (no members, no label).
            found = matches(c.centre, "", [Open(incidents[k]["centre"], np.zeros((0, len(c.centre)), np.float32))
                                           for k in live], rules)
            if found is None:
                incidents.append({"opened": now, "last": now, "rule": c.rule, "key": c.key, "centre": c.centre,
                                  "members": [], "neighbours": set(), "grew": True})
                found = len(incidents) - 1
            else:
                found = live[found]
            for m in c.members:
                if m not in linked:
                    linked[m] = found
                    incidents[found]["members"].append(m)
        now += tick
    return incidents


def measure(stream: list[Seen], truth: dict[str, str | None], outages: list[traffic.Outage],
            incidents: list[dict]) -> dict:
    at = {s.id: s.at for s in stream}
    per_outage = []
    for o in outages:
        mine = sorted((s for s in stream if truth[s.id] == o.id), key=lambda s: s.at)
        tenth = mine[min(9, len(mine) - 1)].at
        owning = [k for k, inc in enumerate(incidents) if sum(truth[m] == o.id for m in inc["members"]) > 0]
        first = min((incidents[k]["opened"] for k in owning), default=None)
        linked = sum(1 for k in owning for m in incidents[k]["members"] if truth[m] == o.id)
        per_outage.append({"outage": o.id, "service": o.service, "size": len(mine),
                           "detected_after_10th_min": None if first is None else
                           round((first - tenth).total_seconds() / 60, 1),
                           "linked": round(linked / len(mine), 3), "incidents": len(owning)})
    members = [m for inc in incidents for m in inc["members"]]
    in_outages = sum(o["size"] for o in per_outage)
    outage_linked = sum(1 for m in members if truth[m] is not None)
    unrelated = sum(1 for m in members if truth[m] is None)
    false = [inc for inc in incidents if sum(truth[m] is None for m in inc["members"]) * 2 > len(inc["members"])]
    days = (max(at.values()) - min(at.values())).total_seconds() / 86400
    return {"complaints": len(stream), "outages": per_outage, "incidents": len(incidents),
            "outage_complaints": in_outages, "outage_linked": outage_linked,
            "outage_linked_share": round(outage_linked / in_outages, 4) if in_outages else 0.0,
            "linked": len(members), "unrelated_linked": unrelated,
            "unrelated_share": round(unrelated / len(members), 4) if members else 0.0,
            "false_incidents": len(false), "false_per_month": round(len(false) * 30 / days, 2),
            "false_keys": [f"{inc['rule']}:{inc['key']} ({len(inc['members'])})" for inc in false]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traffic", type=Path)
    parser.add_argument("--tick", type=int, default=2, help="minutes between the watch's looks")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cache", type=Path, help="an .npz keeping the month's labels and vectors")
    for name, info in Rules.model_fields.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(info.default), default=info.default)
    args = parser.parse_args()
    rules = Rules(**{k: getattr(args, k) for k in Rules.model_fields})
    stream, truth, outages, prepared = seen(args.traffic, args.cache)
    started = time.perf_counter()
    incidents = replay(stream, rules, timedelta(minutes=args.tick))
    result = measure(stream, truth, outages, incidents)
    result.update(rules=rules.model_dump(), prepare_s=round(prepared, 1),
                  replay_s=round(time.perf_counter() - started, 1))
    print(f"{result['complaints']} complaints; classified and embedded in {result['prepare_s']} s, replayed in "
          f"{result['replay_s']} s; rules {rules.model_dump()}")
    print(f"{'outage':8} {'service':15} {'size':>5} {'after 10th':>11} {'linked':>7} {'incidents':>9}")
    for o in result["outages"]:
        late = "missed" if o["detected_after_10th_min"] is None else f"{o['detected_after_10th_min']:.1f} min"
        print(f"{o['outage']:8} {o['service']:15} {o['size']:5d} {late:>11} {o['linked']:7.1%} {o['incidents']:9d}")
    print(f"outage complaints linked {result['outage_linked']} of {result['outage_complaints']} "
          f"({result['outage_linked_share']:.1%}), missed outages included")
    print(f"incidents {result['incidents']}, linked {result['linked']}, unrelated linked "
          f"{result['unrelated_linked']} ({result['unrelated_share']:.1%}), false incidents "
          f"{result['false_incidents']} ({result['false_per_month']} a month) {result['false_keys']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
