package simulate

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// This file holds the support-ticket model the simulated Zendesk serves:
// a SupportDesk of groups, SLA policies and tickets, each ticket with its
// whole event list, replayed as of any time (stateAt). It is independent
// of the engineering Org: issues and sprints are not tickets.
// zendesk_calendar.go has the business calendar, zendesk_sla.go derives
// the SLA metric events, zendesk_truth.go the truth, zendesk_generate.go
// and zendesk_tiny.go build desks.

// Ticket statuses, as Zendesk names them. TicketDeleted is how the
// incremental export shows a deleted ticket.
const (
	TicketNew     = "new"
	TicketOpen    = "open"
	TicketPending = "pending"
	TicketHold    = "hold"
	TicketSolved  = "solved"
	TicketClosed  = "closed"
	TicketDeleted = "deleted"
)

// Ticket priorities, as Zendesk names them.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// TagClosedByMerge is the tag a ticket closed by merging it into another
// carries (TicketEvent.MergedInto).
const TagClosedByMerge = "closed_by_merge"

// SupportDesk is a Zendesk Support account: its groups, SLA policies and
// tickets. Fields are read under the desk's lock by the site; change a
// served desk only through Update and AddTicket.
type SupportDesk struct {
	// Now is the desk's present: no event is after it (NewZendesk's
	// default clock).
	Now      time.Time
	Groups   []SupportGroup // by id
	Policies []SLAPolicy    // in position order: the first that matches applies
	Tickets  []*Ticket      // by id

	mu      sync.RWMutex
	version uint64 // counts Update and AddTicket
}

// SupportGroup is an agent group tickets are assigned to.
type SupportGroup struct {
	ID                int64
	Name, Description string
	Default           bool
	Created           time.Time
}

// Ticket is a support ticket with its whole history: Events[0] is its
// creation (status, priority, group and tags set there), every later
// event changes what it sets (an event that sets nothing is a comment
// that only updates the ticket).
type Ticket struct {
	ID                   int64
	Subject, Description string
	Type                 string // question, incident, problem, task
	Channel              string // via.channel: email, web, api
	// RequesterID, AssigneeID and OrganizationID are user and
	// organization ids; 0 is none (null).
	RequesterID, AssigneeID, OrganizationID int64
	Events                                  []TicketEvent
}

// TicketEvent is one update of a ticket at At.
type TicketEvent struct {
	At                  time.Time
	Status              string // the new status; "" unchanged. TicketDeleted deletes the ticket.
	Priority            string // the new priority; "" unchanged
	GroupID             int64  // the new group; 0 unchanged
	AddTags, RemoveTags []string
	// Reply is a public agent reply (a comment that counts as a reply).
	Reply bool
	// MergedInto merges the ticket into that one: status closed and tag
	// TagClosedByMerge (Status is ignored).
	MergedInto int64
}

// Created is when the ticket was created.
func (tk *Ticket) Created() time.Time { return tk.Events[0].At }

// ticketState is a ticket as of a time.
type ticketState struct {
	status, priority string
	groupID          int64
	tags             []string // sorted
	created, updated time.Time
	mergedInto       int64
}

// apply changes s by e.
func (s *ticketState) apply(e TicketEvent) {
	if s.created.IsZero() {
		s.created = e.At
	}
	s.updated = e.At
	if e.Status != "" {
		s.status = e.Status
	}
	if e.Priority != "" {
		s.priority = e.Priority
	}
	if e.GroupID != 0 {
		s.groupID = e.GroupID
	}
	add := e.AddTags
	if e.MergedInto != 0 {
		s.status, s.mergedInto = TicketClosed, e.MergedInto
		add = append(slices.Clone(add), TagClosedByMerge)
	}
	s.tags = slices.DeleteFunc(s.tags, func(t string) bool { return slices.Contains(e.RemoveTags, t) })
	for _, t := range add {
		if !slices.Contains(s.tags, t) {
			s.tags = append(s.tags, t)
		}
	}
	slices.Sort(s.tags)
}

// stateAt replays the events at or before at; ok is false before the
// ticket is created.
func (tk *Ticket) stateAt(at time.Time) (s ticketState, ok bool) {
	for _, e := range tk.Events {
		if e.At.After(at) {
			break
		}
		s.apply(e)
		ok = true
	}
	return s, ok
}

// resolved reports whether status counts as resolved (solved or closed).
func resolved(status string) bool { return status == TicketSolved || status == TicketClosed }

// ticket returns the ticket with id, nil when there is none. The caller
// holds the lock.
func (d *SupportDesk) ticket(id int64) *Ticket {
	i, ok := slices.BinarySearchFunc(d.Tickets, id, func(t *Ticket, id int64) int { return cmpInt64(t.ID, id) })
	if !ok {
		return nil
	}
	return d.Tickets[i]
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Ticket returns the ticket with id, nil when there is none.
func (d *SupportDesk) Ticket(id int64) *Ticket {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.ticket(id)
}

// Update appends e to ticket id's events: a change a test makes between
// two requests. e must not be before the ticket's last event; Now moves
// to e.At when it is later.
func (d *SupportDesk) Update(id int64, e TicketEvent) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	tk := d.ticket(id)
	if tk == nil {
		return fmt.Errorf("simulate: no ticket %d", id)
	}
	if e.At.Before(tk.Events[len(tk.Events)-1].At) {
		return fmt.Errorf("simulate: ticket %d: event at %s before its last one", id, e.At.Format(time.RFC3339))
	}
	if e.MergedInto != 0 && (e.MergedInto == id || d.ticket(e.MergedInto) == nil) {
		return fmt.Errorf("simulate: ticket %d: cannot merge into %d", id, e.MergedInto)
	}
	tk.Events = append(tk.Events, e)
	d.version++
	d.Now = maxT(d.Now, e.At)
	return nil
}

// AddTicket adds tk, whose id must be above every other ticket's. Now
// moves to its last event when that is later.
func (d *SupportDesk) AddTicket(tk *Ticket) error {
	if err := checkTicket(tk); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if n := len(d.Tickets); n > 0 && d.Tickets[n-1].ID >= tk.ID {
		return fmt.Errorf("simulate: ticket id %d not above %d", tk.ID, d.Tickets[n-1].ID)
	}
	d.Tickets = append(d.Tickets, tk)
	d.version++
	d.Now = maxT(d.Now, tk.Events[len(tk.Events)-1].At)
	return nil
}

// checkTicket checks that tk's events can be replayed: a creation that
// sets status, priority and group, then events in time order.
func checkTicket(tk *Ticket) error {
	if tk.ID <= 0 || len(tk.Events) == 0 {
		return fmt.Errorf("simulate: ticket %d: no id or no events", tk.ID)
	}
	if c := tk.Events[0]; c.Status == "" || c.Priority == "" || c.GroupID == 0 || c.MergedInto != 0 {
		return fmt.Errorf("simulate: ticket %d: its creation must set status, priority and group", tk.ID)
	}
	for i := 1; i < len(tk.Events); i++ {
		if tk.Events[i].At.Before(tk.Events[i-1].At) {
			return fmt.Errorf("simulate: ticket %d: event %d out of time order", tk.ID, i)
		}
	}
	return nil
}

// check checks the whole desk (tickets in id order, each replayable).
func (d *SupportDesk) check() error {
	var errs []error
	for i, tk := range d.Tickets {
		if i > 0 && d.Tickets[i-1].ID >= tk.ID {
			errs = append(errs, fmt.Errorf("simulate: tickets not in id order at %d", tk.ID))
		}
		errs = append(errs, checkTicket(tk))
	}
	return errors.Join(errs...)
}
