package simulate

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Evolve moves the desk on at now, as a live help desk changes between
// collections (runway demo calls it every minute):
//
//   - one time in three, a requester opens a new ticket in one of the
//     groups (not the escalations one, the last);
//   - one time in two, an agent answers the oldest new ticket (status
//     open);
//   - one time in three, an open ticket answered at least an hour ago is
//     solved, and a solved one four days old is closed.
//
// The choices are deterministic for the seed and now. It returns one line
// per change, for logs.
func (d *SupportDesk) Evolve(seed int64, now time.Time) []string {
	now = now.UTC().Truncate(time.Second)
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(now.Unix())^0x5a656e64))
	plan := d.evolvePlan(now)
	var changes []string
	if rng.IntN(3) == 0 && len(d.Groups) > 1 {
		prio := []string{PriorityLow, PriorityNormal, PriorityNormal, PriorityHigh, PriorityUrgent}[rng.IntN(5)]
		subj := deskSubjects[rng.IntN(len(deskSubjects))]
		tk := &Ticket{ID: plan.nextID, Subject: subj.subject, Description: subj.subject + ". Details in the thread.",
			Type: "question", Channel: "web", RequesterID: 380_000_000_001 + rng.Int64N(200),
			AssigneeID: 370_000_000_001 + rng.Int64N(8),
			Events: []TicketEvent{{At: now, Status: TicketNew, Priority: prio,
				GroupID: d.Groups[rng.IntN(len(d.Groups)-1)].ID, AddTags: []string{subj.tag}}}}
		if err := d.AddTicket(tk); err == nil {
			changes = append(changes, fmt.Sprintf("new %s ticket %d", prio, tk.ID))
		}
	}
	if plan.unanswered != 0 && rng.IntN(2) == 0 {
		if err := d.Update(plan.unanswered, TicketEvent{At: now, Reply: true, Status: TicketOpen}); err == nil {
			changes = append(changes, fmt.Sprintf("answered ticket %d", plan.unanswered))
		}
	}
	if plan.solvable != 0 && rng.IntN(3) == 0 {
		if err := d.Update(plan.solvable, TicketEvent{At: now, Status: TicketSolved}); err == nil {
			changes = append(changes, fmt.Sprintf("solved ticket %d", plan.solvable))
		}
	}
	if plan.closable != 0 {
		if err := d.Update(plan.closable, TicketEvent{At: now, Status: TicketClosed}); err == nil {
			changes = append(changes, fmt.Sprintf("closed ticket %d", plan.closable))
		}
	}
	return changes
}

// deskPlan is what Evolve may change, read under the read lock.
type deskPlan struct {
	nextID                         int64
	unanswered, solvable, closable int64 // ticket ids; 0 for none
}

func (d *SupportDesk) evolvePlan(now time.Time) deskPlan {
	d.mu.RLock()
	defer d.mu.RUnlock()
	p := deskPlan{nextID: 1}
	if n := len(d.Tickets); n > 0 {
		p.nextID = d.Tickets[n-1].ID + 1
	}
	for _, tk := range d.Tickets {
		s, ok := tk.stateAt(now)
		if !ok || tk.Events[len(tk.Events)-1].At.After(now) {
			continue // created later, or with events still to come
		}
		last := tk.Events[len(tk.Events)-1].At
		switch {
		case s.status == TicketNew && p.unanswered == 0:
			p.unanswered = tk.ID
		case s.status == TicketOpen && p.solvable == 0 && now.Sub(last) >= time.Hour:
			p.solvable = tk.ID
		case s.status == TicketSolved && p.closable == 0 && now.Sub(last) >= 96*time.Hour:
			p.closable = tk.ID
		}
	}
	return p
}
