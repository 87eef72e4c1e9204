package simulate

import (
	"math/rand/v2"
	"slices"
	"time"
)

// DeskOptions tunes GenerateDesk. Zero values take the defaults noted.
type DeskOptions struct {
	Seed int64
	// Now bounds the desk: no event is after it. Required.
	Now time.Time
	// Tickets is the number of tickets. Default 80; at least
	// len(deskScenarios) (16), so that each scenario is there.
	Tickets int
	// Groups is the number of groups. Default 4, at least 2; the last is
	// the escalation group tickets move to.
	Groups int
	// Days of history before Now the tickets are created in. Default 28.
	Days int
}

// deskScenarios lay out ticket i (0-based) as deskScenarios[i mod 16]:
// the first 16 tickets, the oldest, hold every scenario complete.
var deskScenarios = []string{"quick", "late-reply", "reopened", "backlog-open", "merged", "long-wait", "pending",
	"quick", "deleted", "hold", "priority-raised", "backlog-new", "group-moved", "quick", "reopened", "quick"}

var deskGroupNames = []string{"Support", "Billing", "Technical", "Escalations", "Onboarding", "Enterprise", "Partners", "Security"}

var deskSubjects = []struct{ subject, tag string }{
	{"Cannot log in after password reset", "login"}, {"Invoice shows the wrong VAT number", "invoice"},
	{"Export to CSV times out", "export"}, {"Webhook deliveries are delayed", "webhooks"},
	{"Charged twice this month", "refund"}, {"How do I add a second admin?", "admin"},
	{"API returns 500 on /orders", "api"}, {"Dashboard is blank in Safari", "browser"},
	{"Cancel my subscription", "cancellation"}, {"SSO setup with Okta", "sso"},
	{"Mobile app crashes on start", "mobile"}, {"Data import stuck at 99%", "import"},
}

// deskPolicies are a generated desk's SLA policies: incidents in calendar
// time, then every other ticket in business hours (urgent in calendar time).
func deskPolicies(created time.Time) []SLAPolicy {
	targets := func(business bool, reply, wait [4]int) []SLAPolicyMetric {
		var out []SLAPolicyMetric
		for i, p := range []string{PriorityUrgent, PriorityHigh, PriorityNormal, PriorityLow} {
			bh := business && p != PriorityUrgent
			out = append(out, SLAPolicyMetric{p, SLAFirstReplyTime, reply[i], bh}, SLAPolicyMetric{p, SLARequesterWaitTime, wait[i], bh})
		}
		return out
	}
	return []SLAPolicy{{
		ID: 360_000_200_001, Title: "Incidents", Description: "Incidents, around the clock", Position: 1, Created: created,
		Filter:  SLAFilter{All: []SLACondition{{Field: "type", Operator: "is", Value: "incident"}}},
		Metrics: targets(false, [4]int{30, 60, 120, 240}, [4]int{240, 480, 960, 1440}),
	}, {
		ID: 360_000_200_002, Title: "Standard", Description: "Every other ticket, in business hours", Position: 2, Created: created,
		Metrics: targets(true, [4]int{60, 120, 240, 480}, [4]int{480, 960, 1440, 2880}),
	}}
}

// GenerateDesk builds a realistic, seeded desk: tickets created over
// Days before Now in id order, laid out by deskScenarios — answered in
// time and solved (then closed four days later, as Zendesk's automation
// does), answered late (a first-reply breach), reopened and solved again,
// left open, new, pending or on hold (the backlog), merged into the
// ticket before (an open one), waiting past the requester-wait target,
// deleted, raised to urgent, moved to the last group — with random
// priorities, types, groups, channels and timings. Events after Now are
// left out, so the newest tickets are mid-way.
func GenerateDesk(o DeskOptions) *SupportDesk {
	if o.Now.IsZero() {
		panic("simulate: DeskOptions.Now is required")
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if o.Tickets <= 0 {
		o.Tickets = 80
	}
	o.Tickets = max(o.Tickets, len(deskScenarios))
	if o.Groups <= 0 {
		o.Groups = 4
	}
	o.Groups = max(o.Groups, 2)
	if o.Days <= 0 {
		o.Days = 28
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0x5a656e6465736b))
	start := o.Now.AddDate(0, 0, -o.Days)
	d := &SupportDesk{Now: o.Now, Policies: deskPolicies(start.AddDate(0, -3, 0))}
	for i := range o.Groups {
		name := deskGroupNames[i%len(deskGroupNames)]
		if i >= len(deskGroupNames) {
			name += " " + string(rune('A'+i/len(deskGroupNames)-1))
		}
		d.Groups = append(d.Groups, SupportGroup{ID: 360_000_100_001 + int64(i), Name: name,
			Description: name + " team", Default: i == 0, Created: start.AddDate(0, -6, 0)})
	}
	created := make([]time.Time, o.Tickets)
	span := o.Now.Add(-30 * time.Minute).Sub(start)
	for i := range created {
		created[i] = start.Add(time.Duration(rng.Int64N(int64(span/time.Second))) * time.Second)
	}
	slices.SortFunc(created, time.Time.Compare)
	pick := func(weights map[string]int, order ...string) string {
		n := rng.IntN(100)
		for _, k := range order {
			if n -= weights[k]; n < 0 {
				return k
			}
		}
		return order[len(order)-1]
	}
	escalations := d.Groups[len(d.Groups)-1].ID
	for i, at := range created {
		subj := deskSubjects[rng.IntN(len(deskSubjects))]
		tk := &Ticket{ID: int64(i + 1), Subject: subj.subject, Description: subj.subject + ". Details in the thread.",
			Type:        pick(map[string]int{"question": 40, "incident": 30, "problem": 10, "task": 20}, "question", "incident", "problem", "task"),
			Channel:     pick(map[string]int{"email": 50, "web": 35, "api": 15}, "email", "web", "api"),
			RequesterID: 380_000_000_001 + rng.Int64N(200), AssigneeID: 370_000_000_001 + rng.Int64N(8)}
		if rng.IntN(5) > 0 {
			tk.OrganizationID = 390_000_000_001 + rng.Int64N(12)
		}
		prio := pick(map[string]int{PriorityLow: 15, PriorityNormal: 50, PriorityHigh: 25, PriorityUrgent: 10},
			PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent)
		scenario := deskScenarios[i%len(deskScenarios)]
		if scenario == "priority-raised" {
			prio = PriorityNormal
		}
		g := &deskTicketGen{d: d, tk: tk, rng: rng, now: o.Now, t: at}
		g.add(0, TicketEvent{Status: TicketNew, Priority: prio, GroupID: d.Groups[rng.IntN(len(d.Groups)-1)].ID,
			AddTags: []string{subj.tag}})
		g.play(scenario, escalations)
		d.Tickets = append(d.Tickets, tk)
	}
	if err := d.check(); err != nil {
		panic(err)
	}
	return d
}

// deskTicketGen lays one ticket's events out in time.
type deskTicketGen struct {
	d   *SupportDesk
	tk  *Ticket
	rng *rand.Rand
	now time.Time
	t   time.Time // the last event's time
}

// add appends e after d (dropped when it is after Now).
func (g *deskTicketGen) add(d time.Duration, e TicketEvent) {
	g.t = g.t.Add(d).Truncate(time.Second)
	if e.At = g.t; !e.At.After(g.now) {
		g.tk.Events = append(g.tk.Events, e)
	}
}

// between is a random duration in [lo, hi).
func (g *deskTicketGen) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
}

// deadline is when the ticket's target for policy metric m runs out,
// counted from creation without pauses.
func (g *deskTicketGen) deadline(m string) time.Time {
	s, _ := g.tk.stateAt(g.tk.Created())
	tgt := g.d.policyFor(g.tk, s).target(m, s.priority)
	d := time.Duration(tgt.Target) * time.Minute
	if tgt.BusinessHours {
		return businessAdd(g.tk.Created(), d)
	}
	return g.tk.Created().Add(d)
}

// replyInTime replies (with status) before the first-reply target.
func (g *deskTicketGen) replyInTime(status string) {
	dl := g.deadline(SLAFirstReplyTime)
	frac := 0.1 + 0.6*g.rng.Float64()
	g.add(time.Duration(frac*float64(dl.Sub(g.t))), TicketEvent{Reply: true, Status: status})
}

// solve solves after a while, and closes four days later.
func (g *deskTicketGen) solve(lo, hi time.Duration) {
	g.add(g.between(lo, hi), TicketEvent{Status: TicketSolved})
	g.add(96*time.Hour, TicketEvent{Status: TicketClosed})
}

func (g *deskTicketGen) play(scenario string, escalations int64) {
	h := time.Hour
	switch scenario {
	case "quick":
		if g.rng.IntN(2) == 0 {
			g.replyInTime(TicketOpen)
		} else {
			g.replyInTime(TicketPending)
			g.add(g.between(h, 20*h), TicketEvent{Status: TicketOpen})
			g.add(g.between(10*time.Minute, h), TicketEvent{Reply: true})
		}
		g.solve(20*time.Minute, 3*h)
	case "late-reply":
		g.t = g.deadline(SLAFirstReplyTime)
		g.add(g.between(10*time.Minute, 6*h), TicketEvent{Reply: true, Status: TicketOpen})
		g.solve(h, 8*h)
	case "reopened":
		g.replyInTime(TicketOpen)
		g.add(g.between(30*time.Minute, 4*h), TicketEvent{Status: TicketSolved})
		g.add(g.between(2*h, 48*h), TicketEvent{Status: TicketOpen})
		g.add(g.between(15*time.Minute, 2*h), TicketEvent{Reply: true})
		g.solve(30*time.Minute, 3*h)
	case "backlog-open":
		g.replyInTime(TicketOpen)
		g.add(g.between(h, 30*h), TicketEvent{})
	case "merged":
		g.add(g.between(10*time.Minute, 2*h), TicketEvent{MergedInto: g.tk.ID - 1})
	case "long-wait":
		g.replyInTime(TicketOpen)
		g.t = g.deadline(SLARequesterWaitTime)
		g.solve(h, 24*h)
	case "pending", "hold":
		g.replyInTime(scenario)
	case "deleted":
		g.add(g.between(5*time.Minute, 3*h), TicketEvent{Status: TicketDeleted})
	case "priority-raised":
		g.add(g.between(10*time.Minute, 40*time.Minute), TicketEvent{Priority: PriorityUrgent, Status: TicketOpen, AddTags: []string{"vip"}})
		g.add(g.between(5*time.Minute, 20*time.Minute), TicketEvent{Reply: true})
		g.solve(h, 4*h)
	case "backlog-new":
		g.tk.AssigneeID = 0
	case "group-moved":
		g.replyInTime(TicketOpen)
		g.add(g.between(h, 5*h), TicketEvent{GroupID: escalations, AddTags: []string{"escalated"}})
		g.solve(2*h, 24*h)
	}
}
