package simulate

import "time"

// TinyDesk is a hand-built desk whose figures are worked out by hand
// (zendesk_truth_test.go holds them). Its Now is Monday 2024-03-18
// 12:00:00Z, so the 1-minute exclusion cuts at 11:59:00.
//
//	#  type      prio    group        history
//	1  question  normal  Support      Fri 03-08 16:30 new; Mon 03-11 09:45 reply+open; 11:00 solved
//	                                  (reply 3915 min, 75 business: the weekend does not count)
//	2  incident  urgent  Escalations  Wed 03-13 10:00 new; 10:20 reply+pending; 11:00 open; 11:30 solved;
//	                                  14:00 open (reopen); 14:10 reply; 15:30 solved
//	                                  (requester wait 20+30+90 = 140 > 120: breached at 15:10)
//	3  question  normal  Support      Fri 03-15 15:00 new, no reply; Mon 03-18 11:59:00 comment
//	                                  (first reply breached at Fri 17:00: 120 business minutes)
//	4  question  low     Billing      Tue 03-12 10:00 new; 10:05 deleted
//	5  question  normal  Support      Fri 03-15 15:10 new; 15:40 merged into 3 (closed)
//	6  incident  high    Escalations  Thu 03-14 16:00 new; 16:45 reply+hold; Mon 03-18 10:00 open, urgent
//	                                  (requester wait breached Thu 20:00: 240 calendar minutes)
//	7  question  low     Billing      Mon 03-18 11:59:30 new (inside the last minute)
//
// Policies: "Incidents" (type is incident; calendar targets: first reply
// urgent 30, high 60; requester wait urgent 120, high 240), then
// "Business hours" (every ticket; business targets: first reply normal
// 120, low 480; requester wait normal 480, low 960).
func TinyDesk() *SupportDesk {
	at := func(day, h, m, s int) time.Time { return time.Date(2024, 3, day, h, m, s, 0, time.UTC) }
	const (
		support, billing, escalations = 360_000_100_001, 360_000_100_002, 360_000_100_003
	)
	created := at(1, 9, 0, 0).AddDate(0, -2, 0)
	d := &SupportDesk{
		Now: at(18, 12, 0, 0),
		Groups: []SupportGroup{
			{ID: support, Name: "Support", Description: "First line", Default: true, Created: created},
			{ID: billing, Name: "Billing", Description: "Invoices and payments", Created: created},
			{ID: escalations, Name: "Escalations", Description: "Incidents", Created: created},
		},
		Policies: []SLAPolicy{{
			ID: 360_000_200_001, Title: "Incidents", Description: "Urgent and high incidents, in calendar time",
			Position: 1, Created: created,
			Filter: SLAFilter{All: []SLACondition{{Field: "type", Operator: "is", Value: "incident"}}},
			Metrics: []SLAPolicyMetric{
				{PriorityUrgent, SLAFirstReplyTime, 30, false}, {PriorityHigh, SLAFirstReplyTime, 60, false},
				{PriorityUrgent, SLARequesterWaitTime, 120, false}, {PriorityHigh, SLARequesterWaitTime, 240, false},
			},
		}, {
			ID: 360_000_200_002, Title: "Business hours", Description: "Every other ticket, in business hours",
			Position: 2, Created: created,
			Metrics: []SLAPolicyMetric{
				{PriorityNormal, SLAFirstReplyTime, 120, true}, {PriorityLow, SLAFirstReplyTime, 480, true},
				{PriorityNormal, SLARequesterWaitTime, 480, true}, {PriorityLow, SLARequesterWaitTime, 960, true},
			},
		}},
	}
	tk := func(id int64, typ, subject, channel string, events ...TicketEvent) *Ticket {
		return &Ticket{ID: id, Subject: subject, Description: subject + ", please help.", Type: typ, Channel: channel,
			RequesterID: 380_000_000_000 + id, AssigneeID: 370_000_000_001 + id%2, OrganizationID: 390_000_000_001,
			Events: events}
	}
	created0 := func(t time.Time, prio string, group int64, tags ...string) TicketEvent {
		return TicketEvent{At: t, Status: TicketNew, Priority: prio, GroupID: group, AddTags: tags}
	}
	d.Tickets = []*Ticket{
		tk(1, "question", "Invoice PDF will not download", "email",
			created0(at(8, 16, 30, 0), PriorityNormal, support, "download", "invoice"),
			TicketEvent{At: at(11, 9, 45, 0), Reply: true, Status: TicketOpen},
			TicketEvent{At: at(11, 11, 0, 0), Status: TicketSolved}),
		tk(2, "incident", "Checkout is down", "web",
			created0(at(13, 10, 0, 0), PriorityUrgent, escalations, "checkout", "outage"),
			TicketEvent{At: at(13, 10, 20, 0), Reply: true, Status: TicketPending},
			TicketEvent{At: at(13, 11, 0, 0), Status: TicketOpen},
			TicketEvent{At: at(13, 11, 30, 0), Status: TicketSolved},
			TicketEvent{At: at(13, 14, 0, 0), Status: TicketOpen},
			TicketEvent{At: at(13, 14, 10, 0), Reply: true},
			TicketEvent{At: at(13, 15, 30, 0), Status: TicketSolved}),
		tk(3, "question", "Cannot add a second admin", "email",
			created0(at(15, 15, 0, 0), PriorityNormal, support, "admin"),
			TicketEvent{At: at(18, 11, 59, 0)}),
		tk(4, "question", "Test ticket", "api",
			created0(at(12, 10, 0, 0), PriorityLow, billing),
			TicketEvent{At: at(12, 10, 5, 0), Status: TicketDeleted}),
		tk(5, "question", "Second admin seat", "email",
			created0(at(15, 15, 10, 0), PriorityNormal, support, "admin"),
			TicketEvent{At: at(15, 15, 40, 0), MergedInto: 3}),
		tk(6, "incident", "Webhooks delayed", "web",
			created0(at(14, 16, 0, 0), PriorityHigh, escalations, "webhooks"),
			TicketEvent{At: at(14, 16, 45, 0), Reply: true, Status: TicketHold},
			TicketEvent{At: at(18, 10, 0, 0), Status: TicketOpen, Priority: PriorityUrgent, AddTags: []string{"escalated"}}),
		tk(7, "question", "Refund for a double charge", "web",
			created0(at(18, 11, 59, 30), PriorityLow, billing, "refund")),
	}
	if err := d.check(); err != nil {
		panic(err)
	}
	return d
}
