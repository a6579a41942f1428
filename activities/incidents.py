"""The incidents' activities: the watch's look at the intake, linking, the incident's rows and notices, and
the response proposed to each linked complaint. Each is idempotent: rows are keyed, notices are written
once by key, and each proposed response is an update whose id names the incident and the complaint."""
import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import structlog
from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.common import RawValue
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from classifier import embedding
from complaints.db import insert_ignore, insert_or_take, upsert_versioned
from complaints.fields import FieldCipher, opened
from complaints.proof import prover_of
from incidents.detect import (
    NEIGHBOURS,
    STORY_HISTORY_AT_MOST,
    Open,
    Seen,
    candidates,
    covered_weeks,
    has_history,
    linking,
    main_labels,
    matches,
    stories,
)
from models import messages as m
from models.enums import Level
from models.incidents import Absorb, IncidentState, Linked, LinkScan, Notice, StartIncident, Told
from models.intake import SPECIAL_GROUP_DEPARTMENT, Actor, workflow_id_for
from models.policy import Incidents, Policy, wall_clock
from models.reasons import Reason
from models.tables import ComplaintRow, IncidentLink, IncidentRow, Notification

log = structlog.get_logger()
AGAIN_AT_MOST = 500  # complaints a second look reads again (the newest): what one scan may cost, however long the incident
ANSWER_WITHIN = 20.0  # seconds a linked complaint has to answer an announcement or a proposed response
# Composed once; the bank's template file words it for delivery (delivery/templates.toml).
KNOWN = ("我们已知悉近期的服务异常，正在全力处理，投诉 {cid} 的进展会及时告知您。We know about the current service "
         "problem and are working on it; we will keep you posted on {cid}.")


class IncidentActivities:
    def __init__(self, engine: Engine, policy: Policy, cipher: FieldCipher, client: Client | None = None):
        self.engine, self.policy, self.cipher, self.client = engine, policy, cipher, client

    def _seen(self, rows: list[ComplaintRow]) -> list[Seen]:
        """Each row as the detector sees it: its meaning as sealed at intake, or (a row from before that
        column) its text encoded again."""
        kept = {r.id: opened(self.cipher, r, "meaning") for r in rows}
        with embedding.remembered():
            again = [r for r in rows if not kept[r.id]]
            encoded = dict(zip([r.id for r in again], embedding.embed([opened(self.cipher, r, "text") for r in again]),
                               strict=True))
        return [Seen(r.id, r.received_at.replace(tzinfo=r.received_at.tzinfo or UTC), r.business_type or "other",
                     r.problem_nature or "other", encoded[r.id] if r.id in encoded else embedding.from_text(kept[r.id]))
                for r in rows]

    def _received(self, session: Session, start: datetime, end: datetime, newest: int | None = None
                  ) -> list[ComplaintRow]:
        """Classified complaints received in [start, end) and linked to no incident (the `newest` only)."""
        linked = select(IncidentLink.complaint_id)
        query = select(ComplaintRow).where(
            col(ComplaintRow.received_at) >= start, col(ComplaintRow.received_at) < end,
            col(ComplaintRow.business_type).is_not(None), col(ComplaintRow.id).not_in(linked))
        if newest is not None:
            query = query.order_by(col(ComplaintRow.received_at).desc()).limit(newest)
        return list(session.exec(query).all())

    @activity.defn(name="scan_intake")
    def scan_intake(self, now: datetime) -> list[StartIncident]:
        """What is abnormal in the last window against the same windows of past weeks, or a story new in the
        longer window against the week before it (incidents.detect.stories), and is no open incident already: each a start of its own (its id fixed by `now` and its members, so a retry starts
        nothing twice)."""
        rules = self.policy.incidents

        def within(clock: str, otherwise: timedelta) -> timedelta:  # level I's limits, on the wall clock
            text = self.policy.level[Level.I].get(clock)
            return (wall_clock(text) if text else None) or otherwise
        width = timedelta(minutes=rules.window_minutes)
        (told_from, _), (heard_from, heard_until) = rules.story_spans(now)
        with Session(self.engine) as session:
            window = self._received(session, now - width, now)
            history: list[ComplaintRow] = []
            for k in range(1, rules.baseline_weeks + 1):
                history += self._received(session, now - timedelta(weeks=k) - width, now - timedelta(weeks=k))
            live = session.exec(select(IncidentRow).where(col(IncidentRow.status).in_(["candidate", "confirmed"]))).all()
            first = session.exec(select(func.min(ComplaintRow.received_at))).one()
            oldest = first.replace(tzinfo=first.tzinfo or UTC) if first else None
            told, heard = [], []  # the longer window's new stories need a day of history first (a fresh install)
            if has_history(now, oldest, rules):
                told = self._received(session, told_from, now)
                if len(told) >= rules.story_min_count:
                    heard = self._received(session, heard_from, heard_until, newest=STORY_HISTORY_AT_MOST)
        if len(window) < rules.min_count and len(told) < rules.story_min_count:
            return []
        seen = self._seen(window)
        long = self._seen(told)
        label = {s.id: s.business_type for s in [*seen, *long]}
        # Only incidents still linking: one quiet for `quiet_hours` links nothing more, so what is alike it now
        # is a new outage of the same kind, and opens an incident of its own. A finding joins by centre alone.
        open_now = [Open(embedding.from_text(r.centre), np.zeros((0, embedding.DIMENSIONS), np.float32),
                         frozenset(json.loads(r.labels))) for r in live
                    if not rules.stopped_linking(r.last_linked_at and r.last_linked_at.replace(
                        tzinfo=r.last_linked_at.tzinfo or UTC), now)]
        found = []
        opened = activity.info().scheduled_time  # found now, whatever moment was looked at; its clocks run from now
        findings = candidates(seen, self._seen(history) if history else [], now, rules,
                              covered_weeks(now, oldest, rules)) if len(seen) >= rules.min_count else []
        if long:
            findings += stories(long, self._seen(heard), rules, {i for c in findings for i in c.members})
        for c in findings:
            if matches(c.centre, "", open_now, rules) is not None:
                continue  # an open incident's: its own scans link these
            key = hashlib.sha256(f"{c.rule}|{c.key}|{','.join(sorted(c.members))}".encode()).hexdigest()[:6]
            found.append(StartIncident(
                incident_id=f"INC-{now.astimezone(UTC):%Y%m%d%H%M}-{key}", opened_at=opened, rule=c.rule, key=c.key,
                members=c.members, centre=embedding.as_text(c.centre), labels=sorted(main_labels([label[i] for i in c.members])),
                rules=rules, response_due=opened + within("first_response", timedelta(hours=1)),
                plan_due=opened + within("plan", timedelta(hours=24))))
            open_now.append(Open(c.centre, np.zeros((0, embedding.DIMENSIONS), np.float32)))
        log.info("incident scan", window=len(window), history=len(history), story=len(told), heard=len(heard),
                 found=len(found))
        return found

    @activity.defn(name="link_scan")
    def link_scan(self, scan: LinkScan) -> Linked:
        """Complaints written since the last scan (received around or after the incident opened, classified, linked
        to no incident) that match it; after it grew, also those it passed over since it opened (`again`), the
        newest `AGAIN_AT_MOST` of them, matched without the label bridge (incidents.detect.linking)."""
        linked = select(IncidentLink.complaint_id)
        open_ = (col(ComplaintRow.received_at) >= scan.received_from, col(ComplaintRow.business_type).is_not(None),
                 col(ComplaintRow.id).not_in(linked))
        with Session(self.engine) as session:
            rows = list(session.exec(select(ComplaintRow).where(col(ComplaintRow.updated_at) >= scan.since, *open_)).all())
            fresh = {r.id for r in rows}
            if scan.again:
                rows += [r for r in session.exec(select(ComplaintRow).where(*open_).order_by(
                    col(ComplaintRow.received_at).desc()).limit(AGAIN_AT_MOST)).all() if r.id not in fresh]
            members = list(session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(scan.members))).all())
        if not rows:
            return Linked()
        rules, empty = self.policy.incidents, np.zeros((0, embedding.DIMENSIONS), np.float32)
        inc = Open(embedding.from_text(scan.centre), np.vstack([s.vector for s in self._seen(members)]) if members
                   else empty, frozenset(scan.labels))
        seen = self._seen(rows)
        how = {s.id: linking(s.vector, s.business_type, inc, rules, bridge=s.id in fresh) for s in seen}
        bonded = [s for s in seen if how[s.id]]
        if bonded and members and scan.everyday_from and scan.everyday_until:  # each bond asked once more
            with Session(self.engine) as session:
                heard = self._received(session, scan.everyday_from, scan.everyday_until, newest=STORY_HISTORY_AT_MOST)
            if heard:
                inc = Open(inc.centre, inc.members, inc.labels, np.vstack([s.vector for s in self._seen(heard)]))
                how |= {s.id: linking(s.vector, s.business_type, inc, rules, bridge=s.id in fresh) for s in bonded}
        return Linked(complaint_ids=[s.id for s in seen if how[s.id]],
                      neighbours=[s.id for s in seen if how[s.id] == NEIGHBOURS])

    @activity.defn(name="record_incident")
    def record_incident(self, s: IncidentState) -> None:
        with Session(self.engine) as session:
            upsert_versioned(session, IncidentRow, dict(
                id=s.incident_id, opened_at=s.opened_at.astimezone(UTC), status=s.status.value, rule=s.rule,
                key=s.key, centre=s.centre, labels=json.dumps(s.labels), members=len(s.members),
                last_linked_at=s.last_linked_at, decided_by=s.decided_by, reason=s.reason,
                plan_published_at=s.announcements[0].at if s.announcements else None, resolved_at=s.resolved_at,
                version=s.version))
            now = activity.info().scheduled_time
            # A dismissed candidate was no incident, and a merged one handed its complaints on: no links stay.
            kept = [] if s.status.value in ("dismissed", "merged") else s.members
            mine = set(session.exec(select(IncidentLink.complaint_id).where(
                col(IncidentLink.incident_id) == s.incident_id)).all())
            links = [dict(complaint_id=c, incident_id=s.incident_id, linked_at=now, linked_by="detector")
                     for c in kept if c not in mine]
            if self._claims(s):  # the incident they leave may be deleting these rows this very moment
                insert_or_take(session, IncidentLink, links, key="complaint_id", taken=("incident_id",))
            else:
                insert_ignore(session, IncidentLink, links)
            session.exec(delete(IncidentLink).where(
                col(IncidentLink.incident_id) == s.incident_id, col(IncidentLink.complaint_id).not_in(kept)))
            session.commit()

    @staticmethod
    def _claims(s: IncidentState) -> bool:
        """Complaints handed to it by a merge, or split off to it, are taken from the incident they leave
        (whichever of the two writes first)."""
        return s.rule == "split" or any(e.action == "absorb" for e in s.history)

    @activity.defn(name="incident_notice")
    def incident_notice(self, n: Notice) -> None:
        """Outbox rows, each keyed by incident, kind and complaint: a retry writes none twice."""
        at = activity.info().scheduled_time
        rows = []
        if n.kind in ("alert", "breach"):
            what = "is open: confirm or dismiss it within the hour" if n.kind == "alert" else f"missed its {n.zh} deadline"
            rows.append(dict(key=f"incident:{n.incident_id}:{n.kind}:{n.zh}", complaint_id=n.incident_id,
                             recipient_kind="supervisor", recipient=f"supervisor:{SPECIAL_GROUP_DEPARTMENT}",
                             channel="internal", template=f"incident_{n.kind}",
                             body=f"Major incident {n.incident_id} {what}", created_at=at,
                             params=json.dumps({"iid": n.incident_id, "clock": n.zh})))
        else:  # linked: each customer told once that the bank knows (the plan goes through the complaint itself)
            with Session(self.engine) as session:
                for cid in n.complaint_ids:
                    ack = session.exec(select(Notification).where(
                        col(Notification.complaint_id) == cid, col(Notification.recipient_kind) == "customer")
                        .order_by(col(Notification.created_at))).first()
                    row = session.get(ComplaintRow, cid)
                    if ack is None or row is None:
                        continue  # not received yet: its own acknowledgement comes first
                    rows.append(dict(key=f"incident:{n.incident_id}:{n.kind}:{cid}", complaint_id=cid,
                                     recipient_kind="customer", recipient=ack.recipient, channel=ack.channel,
                                     template="incident_known", body=KNOWN.format(cid=cid), created_at=at,
                                     params=json.dumps({"cid": cid})))
        with Session(self.engine) as session:
            insert_ignore(session, Notification, rows)
            session.commit()

    async def _send_each(self, incident_id: str, purpose: str, name: str, msg: m.Message,
                         members: list[str]) -> Told:
        """`msg` to each linked complaint as a sealed update whose id names the incident, the purpose and the
        complaint: a retry applies nothing twice. Sent side by side (a few at a time); what each said."""
        assert self.client is not None
        client, prover = self.client, prover_of(self.client)
        gate = asyncio.Semaphore(16)

        done, told = 0, Told()

        async def one(cid: str) -> None:
            said = await attempt(cid)
            told.said[cid] = str(said)
            if isinstance(said, Reason):
                told.codes[cid] = said.carried()
            nonlocal done
            done += 1
            activity.heartbeat(done)  # alive while thousands are told: a lost worker is noticed in a minute

        async def attempt(cid: str) -> str:
            update_id = f"incident:{incident_id}:{purpose}:{cid}"
            payload = client.data_converter.payload_converter.to_payloads([msg])[0]
            if prover is not None:
                prover.seal(payload, workflow_id_for(cid), name, update_id)
            async with gate:
                try:
                    # A complaint whose worker is down must not hold up the others: its update keeps its id,
                    # so a later answer applies it once.
                    await asyncio.wait_for(client.get_workflow_handle(workflow_id_for(cid)).execute_update(
                        name, RawValue(payload), id=update_id), timeout=ANSWER_WITHIN)
                    return "sent"
                except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
                    return f"no answer within {ANSWER_WITHIN:.0f} s"
                except WorkflowUpdateFailedError as e:
                    return _refusal(e)
                except RPCError as e:
                    return e.message[:300]

        await asyncio.gather(*(one(cid) for cid in members))
        return told

    @activity.defn(name="announce_to_linked")
    async def announce_to_linked(self, incident_id: str, seq: int, zh: str, en: str, actor: dict,
                                 members: list[str]) -> Told:
        """The plan to each linked complaint: recorded there, its customer told once, its clocks met as the
        policy says."""
        msg = m.IncidentNotice(actor=Actor.model_validate(actor), incident_id=incident_id, zh=zh, en=en)
        return await self._send_each(incident_id, f"plan{seq}", "incident_notice", msg, members)

    @activity.defn(name="propose_to_linked")
    async def propose_to_linked(self, incident_id: str, text: str, actor: dict, members: list[str],
                                decision: dict | None = None) -> Told:
        """The resolution's response and decision, proposed to each linked complaint as the person who resolved
        it; each complaint's own rules decide (its script, its decision's parts, its stage)."""
        msg = m.ProposeResponse.model_validate({"actor": actor, "text": text, **(decision or {})})
        return await self._send_each(incident_id, "resolve", "propose_response", msg, members)

    @activity.defn(name="hand_over")
    async def hand_over(self, from_id: str, into_id: str, members: list[str], actor: dict) -> str:
        """A merge: the complaints to the other incident, as the supervisor who merged (once, by its id)."""
        assert self.client is not None
        msg = Absorb(actor=Actor.model_validate(actor), from_incident=from_id, complaint_ids=members)
        update_id = f"incident:{from_id}:merge:{into_id}"
        payload = self.client.data_converter.payload_converter.to_payloads([msg])[0]
        if (prover := prover_of(self.client)) is not None:
            prover.seal(payload, into_id, "absorb", update_id)
        try:
            await self.client.get_workflow_handle(into_id).execute_update("absorb", RawValue(payload), id=update_id)
        except WorkflowUpdateFailedError as e:
            return str(getattr(e.cause, "message", e))[:300]
        except RPCError as e:
            return e.message[:300]
        return "sent"

    @activity.defn(name="split_off")
    async def split_off(self, from_id: str, members: list[str], rules: dict) -> str:
        """A split: a new incident of those complaints (its centre their own), started once by its id."""
        assert self.client is not None
        with Session(self.engine) as session:
            rows = list(session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(members))).all())
        seen = self._seen(rows)
        centre = np.mean(np.vstack([s.vector for s in seen]), axis=0) if seen else np.zeros(embedding.DIMENSIONS)
        norm = float(np.linalg.norm(centre))
        opened = activity.info().scheduled_time
        key = hashlib.sha256(f"split|{from_id}|{','.join(sorted(members))}".encode()).hexdigest()[:6]
        start = StartIncident(
            incident_id=f"INC-{opened:%Y%m%d%H%M}-{key}", opened_at=opened, rule="split", key=from_id,
            members=members, centre=embedding.as_text(centre / norm if norm else centre),
            labels=sorted(main_labels([s.business_type for s in seen])), rules=Incidents.model_validate(rules),
            response_due=opened + timedelta(hours=1), plan_due=opened + timedelta(hours=24))
        try:
            await self.client.start_workflow("IncidentWorkflow", start, id=start.incident_id,
                                             task_queue=activity.info().task_queue)
        except WorkflowAlreadyStartedError:
            pass  # a retry: started the first time
        return start.incident_id


def _refusal(e: WorkflowUpdateFailedError) -> str:
    """A complaint's refusal: its coded reason when its details carry one (this worker holds the key), else
    its sentence."""
    message = str(getattr(e.cause, "message", e))
    return Reason.within(message, getattr(e.cause, "details", ())) or message[:300]
