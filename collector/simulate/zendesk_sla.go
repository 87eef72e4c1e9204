package simulate

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// SLA policies and the ticket metric events the desk derives from a
// ticket's event list ("Ticket Metric Events", "Ticket metric event types
// reference"). Two metrics are measured:
//
//   - MetricReplyTime, instance 1 (first reply): running from creation
//     until the first public agent reply; solving, closing (a merge) or
//     deleting the ticket without one fulfills it too. Never paused.
//   - MetricRequesterWaitTime, instance 0: running while the ticket is
//     new, open or on hold, paused while pending, fulfilled when it is
//     solved, closed or deleted, and running again when it is reopened
//     (its time adds up over the reopen).
//
// Every metric activates at creation. Its SLA is the first policy (in
// position order) whose filter the ticket matches at creation, with the
// target for the ticket's priority (none: no SLA for that metric): an
// apply_sla at creation, and another at every priority change while the
// metric is not fulfilled. A breach is the first moment the metric's
// running time reaches its target while it is not fulfilled (business
// time for a business_hours target, else calendar time); a fulfillment at
// that very moment is in time. A metric breaches once at most. Phase
// changes are events named after the new phase (activate, pause,
// fulfill); a fulfill comes with an update_status whose status is the
// running time so far in calendar and business minutes.

// Policy metrics the desk measures (SLAPolicyMetric.Metric).
const (
	SLAFirstReplyTime    = "first_reply_time"
	SLARequesterWaitTime = "requester_wait_time"
)

// Metric names of ticket metric events.
const (
	MetricReplyTime         = "reply_time"
	MetricRequesterWaitTime = "requester_wait_time"
)

// zdMetricEventBase is the first ticket metric event id: event k of
// metric i of ticket t is base + t·10000 + i·1000 + k.
const zdMetricEventBase = 26_000_000_000_000

// SLAPolicy is an SLA policy ("SLA Policies").
type SLAPolicy struct {
	ID                 int64
	Title, Description string
	Position           int
	Created            time.Time
	Filter             SLAFilter
	Metrics            []SLAPolicyMetric
}

// SLAFilter matches a ticket when all of All match and, when Any is not
// empty, one of Any does.
type SLAFilter struct{ All, Any []SLACondition }

// SLACondition is one condition of a filter. Fields matched: "type",
// "priority", "group_id" (operators "is", "is_not") and "tags"
// ("includes", "not_includes": Value is a tag).
type SLACondition struct {
	Field, Operator string
	Value           any
}

// SLAPolicyMetric is a policy's target for one metric and priority, in
// minutes (business minutes when BusinessHours).
type SLAPolicyMetric struct {
	Priority, Metric string
	Target           int
	BusinessHours    bool
}

func (c SLACondition) matches(tk *Ticket, s ticketState) bool {
	var v string
	switch c.Field {
	case "type":
		v = tk.Type
	case "priority":
		v = s.priority
	case "group_id":
		v = fmt.Sprint(s.groupID)
	case "tags":
		has := slices.Contains(s.tags, fmt.Sprint(c.Value))
		return has == (c.Operator == "includes")
	default:
		return false
	}
	return (v == fmt.Sprint(c.Value)) == (c.Operator == "is")
}

func (f SLAFilter) matches(tk *Ticket, s ticketState) bool {
	for _, c := range f.All {
		if !c.matches(tk, s) {
			return false
		}
	}
	return len(f.Any) == 0 || slices.ContainsFunc(f.Any, func(c SLACondition) bool { return c.matches(tk, s) })
}

// target is the policy's target for metric at priority; nil when none.
func (p *SLAPolicy) target(metric, priority string) *SLAPolicyMetric {
	if p == nil {
		return nil
	}
	for i, m := range p.Metrics {
		if m.Metric == metric && m.Priority == priority {
			return &p.Metrics[i]
		}
	}
	return nil
}

// policyFor is the policy that applies to tk as created (s); nil when none.
func (d *SupportDesk) policyFor(tk *Ticket, s ticketState) *SLAPolicy {
	for i := range d.Policies {
		if d.Policies[i].Filter.matches(tk, s) {
			return &d.Policies[i]
		}
	}
	return nil
}

// metricEvent is one ticket metric event.
type metricEvent struct {
	id       int64
	ticketID int64
	metric   string
	instance int
	typ      string // activate, pause, fulfill, apply_sla, breach, update_status
	at       time.Time
	policy   *SLAPolicy      // apply_sla
	target   SLAPolicyMetric // apply_sla
	status   DeskMinutes     // update_status
}

type metricPhase int

const (
	phaseNone metricPhase = iota
	phaseRunning
	phasePaused
	phaseFulfilled
)

var phaseEvents = map[metricPhase]string{phaseRunning: "activate", phasePaused: "pause", phaseFulfilled: "fulfill"}

// metricSpec is a measured metric: its names and how a ticket's state
// after an event moves it.
type metricSpec struct {
	metric, policyMetric string
	instance, index      int
	phase                func(prev metricPhase, s ticketState, e TicketEvent) metricPhase
}

var deskMetrics = []metricSpec{
	{MetricReplyTime, SLAFirstReplyTime, 1, 0, func(prev metricPhase, s ticketState, e TicketEvent) metricPhase {
		if prev == phaseFulfilled || e.Reply || resolved(s.status) || s.status == TicketDeleted {
			return phaseFulfilled
		}
		return phaseRunning
	}},
	{MetricRequesterWaitTime, SLARequesterWaitTime, 0, 1, func(_ metricPhase, s ticketState, _ TicketEvent) metricPhase {
		switch s.status {
		case TicketPending:
			return phasePaused
		case TicketSolved, TicketClosed, TicketDeleted:
			return phaseFulfilled
		}
		return phaseRunning
	}},
}

// track replays tk's events at or before at for metric m: its metric
// events and its SLA truth (applied is false when no target ever applied).
func (d *SupportDesk) track(tk *Ticket, m metricSpec, at time.Time) (evs []metricEvent, tr SLATruth, applied bool) {
	var (
		s        ticketState
		policy   *SLAPolicy
		target   *SLAPolicyMetric
		phase    = phaseNone
		cal, bus time.Duration
		last     time.Time
	)
	emit := func(typ string, t time.Time) *metricEvent {
		id := zdMetricEventBase + tk.ID*10000 + int64(m.index*1000+len(evs))
		evs = append(evs, metricEvent{id: id, ticketID: tk.ID, metric: m.metric, instance: m.instance, typ: typ, at: t})
		return &evs[len(evs)-1]
	}
	apply := func(t time.Time) {
		if target = policy.target(m.policyMetric, s.priority); target != nil {
			ev := emit("apply_sla", t)
			ev.policy, ev.target = policy, *target
			applied = true
		}
	}
	// advance runs the metric from last to to; a breach at to itself
	// counts only when inclusive (the clock, not an event at to).
	advance := func(to time.Time, inclusive bool) {
		if phase == phaseRunning {
			if target != nil && !tr.Breached {
				need, cross := time.Duration(target.Target)*time.Minute-cal, time.Time{}
				if target.BusinessHours {
					need = time.Duration(target.Target)*time.Minute - bus
					cross = businessAdd(last, need)
				} else {
					cross = last.Add(max(need, 0))
				}
				if cross.Before(to) || inclusive && cross.Equal(to) {
					tr.Breached, tr.BreachedAt = true, cross
					emit("breach", cross)
				}
			}
			cal += to.Sub(last)
			bus += BusinessDuration(last, to)
		}
		last = to
	}
	for i, e := range tk.Events {
		if e.At.After(at) {
			break
		}
		advance(e.At, false)
		prevPriority := s.priority
		s.apply(e)
		next := m.phase(phase, s, e)
		switch {
		case i == 0:
			policy = d.policyFor(tk, s)
			emit("activate", e.At)
			phase = phaseRunning
			if next != phaseFulfilled {
				apply(e.At)
			}
		case s.priority != prevPriority && next != phaseFulfilled:
			apply(e.At)
		}
		if next != phase {
			emit(phaseEvents[next], e.At)
			if next == phaseFulfilled {
				emit("update_status", e.At).status = DeskMinutes{int(cal / time.Minute), int(bus / time.Minute)}
			}
			phase = next
		}
	}
	if phase != phaseNone {
		advance(at, true)
	}
	if applied {
		tr.PolicyID = policy.ID
		if target != nil {
			tr.Target, tr.BusinessHours = target.Target, target.BusinessHours
		}
	}
	tr.Fulfilled = phase == phaseFulfilled
	return evs, tr, applied
}

// metricEvents lists the metric events of every ticket at or before at,
// in time order (ties by id). The caller holds the lock.
func (d *SupportDesk) metricEvents(at time.Time) []metricEvent {
	var all []metricEvent
	for _, tk := range d.Tickets {
		for _, m := range deskMetrics {
			evs, _, _ := d.track(tk, m, at)
			all = append(all, evs...)
		}
	}
	slices.SortFunc(all, func(a, b metricEvent) int {
		return cmp.Or(a.at.Compare(b.at), cmpInt64(a.id, b.id))
	})
	return all
}
