package simulate

import (
	"slices"
	"time"
)

// The desk's truth: what each ticket's figures are, replayed from its
// event list in plain Go, so that a collector's results (from metric
// sets or from metric events) can be checked against it.
//
// Definitions (minutes are whole minutes rounded down; business minutes
// count only BusinessOpen–BusinessClose UTC, Monday to Friday):
//
//   - a resolution is a change into solved or closed from any other
//     status (closed after solved is not another one); a reopen is a
//     change from solved to new, open, pending or hold;
//   - FirstReply: creation to the first public agent reply;
//   - FirstResolution: creation to the first resolution;
//   - FullResolution and SolvedAt: creation to the last resolution, set
//     only while the ticket is solved or closed (a reopened ticket runs
//     to its last solve; one open again has none);
//   - RequesterWait: the time spent new, open or on hold, set only while
//     the ticket is solved or closed;
//   - SLA: per metric event name (MetricReplyTime,
//     MetricRequesterWaitTime), when a policy target ever applied
//     (zendesk_sla.go has how they run and breach).

// DeskTruth is the desk's truth as of At.
type DeskTruth struct {
	At      time.Time
	Tickets []TicketTruth // every ticket created by At, by id (deleted ones too)
}

// TicketTruth is one ticket's truth.
type TicketTruth struct {
	ID               int64
	Status           string // TicketDeleted when deleted
	Priority         string
	GroupID          int64
	Tags             []string
	Created, Updated time.Time
	MergedInto       int64 // 0 unless closed by a merge

	FirstReply      *DeskMinutes // nil: no public agent reply
	FirstResolution *DeskMinutes // nil: never resolved
	FullResolution  *DeskMinutes // nil: not solved or closed now
	SolvedAt        time.Time    // zero: not solved or closed now
	RequesterWait   *DeskMinutes // nil: not solved or closed now
	Reopens         int
	Replies         int

	SLA map[string]SLATruth // by metric; only metrics a target applied to
}

// SLATruth is one metric's SLA on a ticket.
type SLATruth struct {
	PolicyID      int64
	Target        int  // the target in force now, in minutes (0: none, the priority has none)
	BusinessHours bool // the target counts business minutes
	Breached      bool
	BreachedAt    time.Time
	Fulfilled     bool // the metric has stopped (replied; solved, closed or deleted)
}

// Ticket returns the truth of ticket id.
func (t DeskTruth) Ticket(id int64) (TicketTruth, bool) {
	i, ok := slices.BinarySearchFunc(t.Tickets, id, func(tt TicketTruth, id int64) int { return cmpInt64(tt.ID, id) })
	if !ok {
		return TicketTruth{}, false
	}
	return t.Tickets[i], true
}

// Truth is the desk's truth as of its Now.
func (d *SupportDesk) Truth() DeskTruth {
	d.mu.RLock()
	now := d.Now
	d.mu.RUnlock()
	return d.TruthAt(now)
}

// TruthAt is the desk's truth as of at.
func (d *SupportDesk) TruthAt(at time.Time) DeskTruth {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := DeskTruth{At: at}
	for _, tk := range d.Tickets {
		if tt, ok := d.ticketTruth(tk, at); ok {
			out.Tickets = append(out.Tickets, tt)
		}
	}
	return out
}

// ticketTruth replays tk up to at; ok is false before it is created. The
// caller holds the lock.
func (d *SupportDesk) ticketTruth(tk *Ticket, at time.Time) (tt TicketTruth, ok bool) {
	var (
		s                     ticketState
		firstSolve, lastSolve time.Time
	)
	for _, e := range tk.Events {
		if e.At.After(at) {
			break
		}
		prev := s.status
		s.apply(e)
		if e.Reply {
			tt.Replies++
			if tt.FirstReply == nil {
				tt.FirstReply = ptr(minutesBetween(tk.Created(), e.At))
			}
		}
		switch {
		case resolved(s.status) && !resolved(prev):
			if firstSolve.IsZero() {
				firstSolve = e.At
			}
			lastSolve = e.At
		case prev == TicketSolved && s.status != TicketSolved && s.status != TicketClosed && s.status != TicketDeleted:
			tt.Reopens++
		}
	}
	if s.created.IsZero() {
		return TicketTruth{}, false
	}
	tt.ID, tt.Status, tt.Priority, tt.GroupID, tt.Tags = tk.ID, s.status, s.priority, s.groupID, s.tags
	tt.Created, tt.Updated, tt.MergedInto = s.created, s.updated, s.mergedInto
	if !firstSolve.IsZero() {
		tt.FirstResolution = ptr(minutesBetween(s.created, firstSolve))
	}
	if resolved(s.status) {
		tt.FullResolution = ptr(minutesBetween(s.created, lastSolve))
		tt.SolvedAt = lastSolve
		tt.RequesterWait = ptr(tk.statusTime(at, TicketNew, TicketOpen, TicketHold))
	}
	for _, m := range deskMetrics {
		if _, st, applied := d.track(tk, m, at); applied {
			if tt.SLA == nil {
				tt.SLA = map[string]SLATruth{}
			}
			tt.SLA[m.metric] = st
		}
	}
	return tt, true
}

// statusTime is how long, up to at, the ticket spent in any of statuses.
func (tk *Ticket) statusTime(at time.Time, statuses ...string) DeskMinutes {
	var cal, bus time.Duration
	var s ticketState
	for i, e := range tk.Events {
		if e.At.After(at) {
			break
		}
		s.apply(e)
		end := at
		if i+1 < len(tk.Events) && !tk.Events[i+1].At.After(at) {
			end = tk.Events[i+1].At
		}
		if slices.Contains(statuses, s.status) {
			cal += end.Sub(e.At)
			bus += BusinessDuration(e.At, end)
		}
	}
	return DeskMinutes{int(cal / time.Minute), int(bus / time.Minute)}
}

func ptr[T any](v T) *T { return &v }
