"""Finding an outage in the intake stream: pure rules over what the detector is shown (no I/O, no clock).

Three rules, any opens a candidate. In the short window:
- **a label surges**: complaints of one business type and problem nature in the sliding window, against the
  same window of the week in past weeks (the bank's own rhythm: Monday 10:00 is not Sunday 03:00). The count
  is abnormal when a Poisson variable with the baseline's mean (never below a floor, so a fresh install with
  no history still needs a real crowd) reaches it with probability under `alpha`, and it is at least
  `min_count`;
- **a meaning surges**: complaints whose sentence vectors lie close together (the multilingual encoder the
  analyse stage ships puts 「转账一直失败」 and "my transfer keeps failing" side by side), whatever labels the
  classifier gave them, tested the same way against how many such complaints the same windows of past weeks
  held.
And, for the outage too small or too slow to crowd one short window:
- **a story is new**: complaints alike each other in a longer window (`story_window_minutes`), counted against
  the share of the past `story_days` of intake that told that story, scaled to the window's own traffic (so
  the bank's rhythm cancels out, and the everyday complaint told in one template, heard every day, is
  expected). It needs `story_after_days` of history: a fresh install has only the short window.
A candidate's members are the window's complaints close to its centre; later complaints close to an open
incident are linked to it rather than opening another (`linking`), and when an incident grows, the complaints
it passed over since it opened are looked at again against its new members; none is linked that is more alike
what the bank heard before the incident began than alike its members."""
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy.stats import poisson

from models.policy import Incidents

OTHER = "other"  # the classifier's label for what it cannot place
STORY_HISTORY_AT_MOST = 20_000  # the newest of the story history read (a share needs a sample, not every row)


Rules = Incidents  # the policy's `[incidents]` section (models/policy.py)


@dataclass(frozen=True)
class Seen:
    """One complaint as the detector sees it: when, its labels, and its meaning (a unit vector)."""
    id: str
    at: datetime
    business_type: str
    nature: str
    vector: np.ndarray = field(repr=False, compare=False)


@dataclass
class Candidate:
    rule: str                       # "label" or "meaning"
    key: str                        # the label pair, or the member nearest the centre
    members: list[str]
    centre: np.ndarray = field(repr=False)
    count: int
    expected: float                 # the baseline's mean for the window
    p: float                        # the count's tail probability under it


def tail(count: int, mean: float) -> float:
    """P(X >= count) for X ~ Poisson(mean): how surprising `count` is when `mean` is usual.

    scipy's survival function, not a sum of terms from exp(-mean): that underflows to 0 for a mean over ~745
    (a large bank's week of one story), and 1 minus a sum near 1 loses the small tails the test compares with
    alpha (1e-6)."""
    if count <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    return float(poisson.sf(count - 1, mean))


def abnormal(count: int, expected: float, hours: float, rules: Rules) -> tuple[bool, float]:
    mean = max(expected, rules.floor_per_hour * hours)
    p = tail(count, mean)
    return count >= rules.min_count and p < rules.alpha, p


def past_windows(now: datetime, rules: Rules) -> list[tuple[datetime, datetime]]:
    """The same window of the week in each of the past `baseline_weeks` weeks."""
    width = timedelta(minutes=rules.window_minutes)
    return [(now - timedelta(weeks=k) - width, now - timedelta(weeks=k)) for k in range(1, rules.baseline_weeks + 1)]


def groups(vectors: np.ndarray, similar: float) -> list[list[int]]:
    """Complaints that tell one story: connected through pairs at least `similar` alike, largest first."""
    n = len(vectors)
    if n == 0:
        return []
    close = (vectors @ vectors.T) >= similar
    seen = np.zeros(n, bool)
    found = []
    for start in range(n):
        if seen[start]:
            continue
        stack, members = [start], []
        seen[start] = True
        while stack:
            i = stack.pop()
            members.append(i)
            for j in np.flatnonzero(close[i] & ~seen):
                seen[j] = True
                stack.append(int(j))
        found.append(sorted(members))
    return sorted(found, key=len, reverse=True)


def centre(vectors: np.ndarray) -> np.ndarray:
    c = vectors.mean(axis=0)
    norm = float(np.linalg.norm(c))
    return c / norm if norm else c


def has_history(now: datetime, oldest: datetime | None, rules: Rules) -> bool:
    """Whether the install has heard `story_after_days` of intake before the story window (`stories`)."""
    return oldest is not None and oldest <= rules.story_spans(now)[0][0] - timedelta(days=rules.story_after_days)


def covered_weeks(now: datetime, oldest: datetime | None, rules: Rules) -> int:
    """How many of the past weeks' windows lie after the first complaint ever received: a young install's
    baseline is the mean of the weeks it has, not of weeks it never saw (that would halve or quarter it, and
    an ordinary Monday would look like a surge in its second week)."""
    if oldest is None:
        return 0
    return sum(1 for a, _ in past_windows(now, rules) if a >= oldest)


def candidates(window: Sequence[Seen], history: Sequence[Seen], now: datetime, rules: Rules,
               weeks: int | None = None) -> list[Candidate]:
    """What is abnormal in `window` (the complaints of the last `window_minutes`, none yet linked), given
    `history` (the complaints of the same windows in past weeks, `weeks` of them with data: all when not said)."""
    hours = rules.window_minutes / 60
    weeks = max(1, rules.baseline_weeks if weeks is None else weeks)
    found: list[Candidate] = []
    if not window:
        return found
    vectors = np.vstack([s.vector for s in window])
    past = np.vstack([s.vector for s in history]) if history else np.zeros((0, vectors.shape[1]), np.float32)
    taken: set[str] = set()
    for members in groups(vectors, rules.similar):
        if len(members) < rules.min_count:
            break
        c = centre(vectors[members])
        near = vectors @ c >= rules.link
        expected = float((past @ c >= rules.link).sum()) / weeks if len(past) else 0.0
        ok, p = abnormal(int(near.sum()), expected, hours, rules)
        if ok:
            ids = [window[int(i)].id for i in np.flatnonzero(near)]
            found.append(Candidate("meaning", window[members[int(np.argmax(vectors[members] @ c))]].id, ids, c,
                                   len(ids), expected, p))
            taken.update(ids)
    by_label: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(window):
        if s.id not in taken:
            by_label.setdefault((s.business_type, s.nature), []).append(i)
    for (business_type, nature), members in sorted(by_label.items(), key=lambda kv: -len(kv[1])):
        if len(members) < rules.min_count or OTHER in (business_type, nature):
            continue  # the catch-all label is no story of its own
        expected = sum(1 for s in history if (s.business_type, s.nature) == (business_type, nature)) / weeks
        ok, p = abnormal(len(members), expected, hours, rules)
        if not ok:
            continue
        # The label's surge is an incident only where its complaints also tell one story: its largest group
        # of alike ones (a looser bond than the meaning rule's), when that group alone is a crowd.
        inside = groups(vectors[members], rules.link)[0]
        if len(inside) >= rules.min_count:
            ids = [window[members[i]].id for i in inside]
            found.append(Candidate("label", f"{business_type}/{nature}", ids, centre(vectors[[members[i] for i in inside]]),
                                   len(members), expected, p))
    return found


def stories(window: Sequence[Seen], history: Sequence[Seen], rules: Rules, taken: Set[str] = frozenset()
            ) -> list[Candidate]:
    """What is a new story in `window` (the complaints of the last `story_window_minutes`, none yet linked),
    given `history` (those of the `story_days` before it, none linked; whether there are `story_after_days` of
    them is the caller's to ask, `has_history`), leaving out any story holding a complaint in `taken` (the
    short window's findings). A story's count is abnormal when a Poisson variable with mean
    window size x (its count in history + 1) / (history size + 1) reaches it with probability under `alpha`:
    the one added to each side keeps a story never heard before from being infinitely surprising."""
    found: list[Candidate] = []
    if len(window) < rules.story_min_count:
        return found
    vectors = np.vstack([s.vector for s in window])
    past: np.ndarray | None = None  # stacked only when some group is large enough to ask about
    taken = set(taken)
    for members in groups(vectors, rules.similar):
        if len(members) < rules.story_min_count:
            break
        c = centre(vectors[members])
        near = vectors @ c >= rules.link
        ids = [window[int(i)].id for i in np.flatnonzero(near)]
        if len(ids) < rules.story_min_count or taken & set(ids):
            continue  # too few close to its centre, or a finding already holds these
        if past is None:
            past = np.vstack([s.vector for s in history]) if history else np.zeros((0, vectors.shape[1]), np.float32)
        heard = int((past @ c >= rules.link).sum())
        expected = len(window) * (heard + 1) / (len(past) + 1)
        p = tail(len(ids), expected)
        if p < rules.alpha:
            found.append(Candidate("story", window[members[int(np.argmax(vectors[members] @ c))]].id, ids, c,
                                   len(ids), expected, p))
            taken.update(ids)
    return found


@dataclass(frozen=True)
class Open:
    """An open incident as linking needs it: its centre, the vectors of its members that were not linked as
    neighbours (a neighbour's neighbours would let it drift one alike pair at a time into unrelated complaints:
    ten customers who each wrote 「信用卡额度被降了」 are alike, and none of them is the outage), its members'
    main labels, and the complaints of the days before it began (`story_days` of them up to a story window
    before it opened, none linked)."""
    centre: np.ndarray
    members: np.ndarray
    labels: frozenset[str] = frozenset()
    everyday: np.ndarray | None = None  # what the bank heard before the incident began (`linking`)


def main_labels(business_types: Sequence[str], share: float = 0.3) -> frozenset[str]:
    """The business types of at least `share` of an incident's members (the catch-all left out)."""
    if not business_types:
        return frozenset()
    counts: dict[str, int] = {}
    for b in business_types:
        counts[b] = counts.get(b, 0) + 1
    return frozenset(b for b, n in counts.items() if b != OTHER and n >= share * len(business_types))


CENTRE, LABEL, NEIGHBOURS = "centre", "label", "neighbours"


def linking(vector: np.ndarray, business_type: str, inc: Open, rules: Rules, bridge: bool = True) -> str | None:
    """Why a complaint belongs to an open incident, or None. It is at least `link` alike the incident's centre;
    or (`bridge`) it carries one of the incident's main business types and is at least `link_same_label` alike
    (the same outage in the other language, which the encoder places less close); or `neighbours` of its
    members are at least `similar` alike (an outage told two ways has two clusters, its centre between them).
    A second look at complaints that arrived before the incident had grown goes without the bridge: over a
    whole window of ordinary complaints of the same business type it would take in too many.
    Whatever the bond, a complaint more alike something the bank heard every day before the incident began
    than alike any of its members is that everyday complaint, not the outage (`everyday`): an outage whose
    meaning lies near ordinary complaints (a balance shown wrong, near every account complaint) would take
    them in by its centre."""
    why = _bond(vector, business_type, inc, rules, bridge)
    if why and inc.everyday is not None and len(inc.everyday) and len(inc.members) and \
            float((inc.everyday @ vector).max()) > float((inc.members @ vector).max()):
        return None
    return why


def _bond(vector: np.ndarray, business_type: str, inc: Open, rules: Rules, bridge: bool) -> str | None:
    to_centre = float(vector @ inc.centre)
    if to_centre >= rules.link:
        return CENTRE
    if bridge and business_type in inc.labels and to_centre >= rules.link_same_label:
        return LABEL
    if len(inc.members) and int((inc.members @ vector >= rules.similar).sum()) >= rules.neighbours:
        return NEIGHBOURS
    return None


def matches(vector: np.ndarray, business_type: str, incidents: Sequence[Open], rules: Rules,
            bridge: bool = True) -> int | None:
    """The open incident a new complaint belongs to (`linking`), the most alike when several qualify; or None."""
    best, score = None, -1.0
    for k, inc in enumerate(incidents):
        to_centre = float(vector @ inc.centre)
        if linking(vector, business_type, inc, rules, bridge) and to_centre > score:
            best, score = k, to_centre
    return best
