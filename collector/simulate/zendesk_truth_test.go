package simulate

import (
	"reflect"
	"testing"
	"time"
)

func mar(day, h, m int) time.Time { return time.Date(2024, 3, day, h, m, 0, 0, time.UTC) }

func TestBusinessCalendar(t *testing.T) {
	for _, c := range []struct {
		from, to time.Time
		want     time.Duration
	}{
		{mar(8, 16, 30), mar(11, 9, 45), 75 * time.Minute}, // Fri → Mon: the weekend does not count
		{mar(13, 8, 0), mar(13, 18, 0), 8 * time.Hour},     // one whole business day
		{mar(16, 10, 0), mar(17, 15, 0), 0},                // Saturday to Sunday
		{mar(15, 17, 0), mar(18, 9, 0), 0},                 // Friday close to Monday open
		{mar(11, 9, 0), mar(18, 9, 0), 40 * time.Hour},     // a week
	} {
		if got := BusinessDuration(c.from, c.to); got != c.want {
			t.Errorf("BusinessDuration(%s, %s) = %s, want %s", c.from, c.to, got, c.want)
		}
	}
	for _, c := range []struct {
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{mar(15, 15, 0), 2 * time.Hour, mar(15, 17, 0)}, // ends at the close, not the next open
		{mar(15, 15, 0), 3 * time.Hour, mar(18, 10, 0)},
		{mar(16, 12, 0), time.Minute, mar(18, 9, 1)},
		{mar(13, 7, 0), 0, mar(13, 7, 0)},
	} {
		if got := businessAdd(c.from, c.d); !got.Equal(c.want) {
			t.Errorf("businessAdd(%s, %s) = %s, want %s", c.from, c.d, got, c.want)
		}
	}
}

// TestTinyDeskTruth: every ticket's figures, worked out by hand.
func TestTinyDeskTruth(t *testing.T) {
	d := TinyDesk()
	tr := d.Truth()
	if len(tr.Tickets) != 7 || !tr.At.Equal(mar(18, 12, 0)) {
		t.Fatalf("truth: %d tickets at %s", len(tr.Tickets), tr.At)
	}
	m := func(c, b int) *DeskMinutes { return &DeskMinutes{c, b} }
	const p1, p2 = 360_000_200_001, 360_000_200_002
	want := map[int64]TicketTruth{
		1: {Status: TicketSolved, Priority: PriorityNormal, GroupID: 360_000_100_001, Tags: []string{"download", "invoice"},
			Created: mar(8, 16, 30), Updated: mar(11, 11, 0),
			FirstReply: m(3915, 75), FirstResolution: m(3990, 150), FullResolution: m(3990, 150), SolvedAt: mar(11, 11, 0),
			RequesterWait: m(3990, 150), Replies: 1,
			SLA: map[string]SLATruth{
				MetricReplyTime:         {PolicyID: p2, Target: 120, BusinessHours: true, Fulfilled: true},
				MetricRequesterWaitTime: {PolicyID: p2, Target: 480, BusinessHours: true, Fulfilled: true},
			}},
		2: {Status: TicketSolved, Priority: PriorityUrgent, GroupID: 360_000_100_003, Tags: []string{"checkout", "outage"},
			Created: mar(13, 10, 0), Updated: mar(13, 15, 30),
			FirstReply: m(20, 20), FirstResolution: m(90, 90), FullResolution: m(330, 330), SolvedAt: mar(13, 15, 30),
			RequesterWait: m(140, 140), Reopens: 1, Replies: 2,
			SLA: map[string]SLATruth{
				MetricReplyTime:         {PolicyID: p1, Target: 30, Fulfilled: true},
				MetricRequesterWaitTime: {PolicyID: p1, Target: 120, Breached: true, BreachedAt: mar(13, 15, 10), Fulfilled: true},
			}},
		3: {Status: TicketNew, Priority: PriorityNormal, GroupID: 360_000_100_001, Tags: []string{"admin"},
			Created: mar(15, 15, 0), Updated: mar(18, 11, 59),
			SLA: map[string]SLATruth{
				MetricReplyTime:         {PolicyID: p2, Target: 120, BusinessHours: true, Breached: true, BreachedAt: mar(15, 17, 0)},
				MetricRequesterWaitTime: {PolicyID: p2, Target: 480, BusinessHours: true},
			}},
		4: {Status: TicketDeleted, Priority: PriorityLow, GroupID: 360_000_100_002,
			Created: mar(12, 10, 0), Updated: mar(12, 10, 5),
			SLA: map[string]SLATruth{
				MetricReplyTime:         {PolicyID: p2, Target: 480, BusinessHours: true, Fulfilled: true},
				MetricRequesterWaitTime: {PolicyID: p2, Target: 960, BusinessHours: true, Fulfilled: true},
			}},
		5: {Status: TicketClosed, Priority: PriorityNormal, GroupID: 360_000_100_001, Tags: []string{"admin", TagClosedByMerge},
			Created: mar(15, 15, 10), Updated: mar(15, 15, 40), MergedInto: 3,
			FirstResolution: m(30, 30), FullResolution: m(30, 30), SolvedAt: mar(15, 15, 40), RequesterWait: m(30, 30),
			SLA: map[string]SLATruth{
				MetricReplyTime:         {PolicyID: p2, Target: 120, BusinessHours: true, Fulfilled: true},
				MetricRequesterWaitTime: {PolicyID: p2, Target: 480, BusinessHours: true, Fulfilled: true},
			}},
		6: {Status: TicketOpen, Priority: PriorityUrgent, GroupID: 360_000_100_003, Tags: []string{"escalated", "webhooks"},
			Created: mar(14, 16, 0), Updated: mar(18, 10, 0), FirstReply: m(45, 45), Replies: 1,
			SLA: map[string]SLATruth{
				MetricReplyTime: {PolicyID: p1, Target: 60, Fulfilled: true},
				// Breached at 240 minutes (high); the priority moved to urgent later.
				MetricRequesterWaitTime: {PolicyID: p1, Target: 120, Breached: true, BreachedAt: mar(14, 20, 0)},
			}},
		7: {Status: TicketNew, Priority: PriorityLow, GroupID: 360_000_100_002, Tags: []string{"refund"},
			Created: time.Date(2024, 3, 18, 11, 59, 30, 0, time.UTC), Updated: time.Date(2024, 3, 18, 11, 59, 30, 0, time.UTC),
			SLA: map[string]SLATruth{
				MetricReplyTime:         {PolicyID: p2, Target: 480, BusinessHours: true},
				MetricRequesterWaitTime: {PolicyID: p2, Target: 960, BusinessHours: true},
			}},
	}
	for _, got := range tr.Tickets {
		w := want[got.ID]
		w.ID = got.ID
		if !reflect.DeepEqual(got, w) {
			t.Errorf("ticket %d\n got %+v\nwant %+v", got.ID, got, w)
		}
	}

	// Earlier: ticket 2 between its solve and its reopen; ticket 3 before its breach.
	early := d.TruthAt(mar(13, 12, 0))
	if t2, _ := early.Ticket(2); t2.Status != TicketSolved || *t2.FullResolution != (DeskMinutes{90, 90}) ||
		t2.Reopens != 0 || t2.SLA[MetricRequesterWaitTime].Breached {
		t.Errorf("ticket 2 at 12:00: %+v", t2)
	}
	if t2, _ := d.TruthAt(mar(13, 14, 5)).Ticket(2); t2.Status != TicketOpen || t2.FullResolution != nil ||
		!t2.SolvedAt.IsZero() || t2.Reopens != 1 || *t2.FirstResolution != (DeskMinutes{90, 90}) {
		t.Errorf("ticket 2 reopened: %+v", t2)
	}
	if t3, _ := d.TruthAt(mar(15, 16, 59)).Ticket(3); t3.SLA[MetricReplyTime].Breached {
		t.Errorf("ticket 3 breached before its target: %+v", t3.SLA)
	}
	if _, ok := early.Ticket(3); ok || len(early.Tickets) != 3 {
		t.Errorf("at Mar 13 12:00: %d tickets, ticket 3 visible %v", len(early.Tickets), ok)
	}
}
