package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/runway-analytics/runway/collector"
)

// CollectorStatus is one source's last run (GET /api/v1/collectors).
type CollectorStatus struct {
	Source   string     `json:"source"`
	Type     string     `json:"type"`
	RunID    string     `json:"run_id"`
	Trigger  string     `json:"trigger"`
	Started  *time.Time `json:"started"`
	Finished *time.Time `json:"finished"`
	Status   string     `json:"status"`
	Error    string     `json:"error"`
	Requests int64      `json:"requests"`
	Retries  int64      `json:"retries"`
	Rows     int64      `json:"rows"`
	Running  bool       `json:"running"`
	NextRun  *time.Time `json:"next_run"`
}

func (s *Server) listCollectors(c *gin.Context, q query) error {
	pg, err := q.offsetPage()
	if err != nil {
		return err
	}
	names := []string{}
	if s.runner != nil {
		names = s.runner.Sources()
	}
	// The running flags are read before and after the run log: a run that
	// starts or ends while the log is read shows as running, never as a
	// "running" log entry with running false (a client waiting for the run
	// to end would take that for a crashed run).
	before := map[string]bool{}
	for _, name := range names {
		before[name] = s.runner.Running(name)
	}
	last, err := collector.LastRuns(c.Request.Context(), s.db)
	if err != nil {
		return err
	}
	items := []CollectorStatus{}
	for _, name := range names {
		st := CollectorStatus{Source: name, Status: "never_run", Running: before[name] || s.runner.Running(name)}
		if r, ok := last[name]; ok {
			started := r.Started
			st.Type, st.RunID, st.Trigger, st.Started, st.Finished = r.Type, r.RunID, r.Trigger, &started, r.Finished
			st.Status, st.Error, st.Requests, st.Retries, st.Rows = r.Status, r.Error, r.Requests, r.Retries, r.Rows
		}
		if next := s.runner.NextRun(name); !next.IsZero() {
			st.NextRun = &next
		}
		items = append(items, st)
	}
	return answer(c, pg, items)
}

func (s *Server) runCollector(c *gin.Context, _ query) error {
	name := c.Param("source")
	if s.runner == nil {
		return notFound("unknown source " + name)
	}
	runID, err := s.runner.Trigger(name)
	switch {
	case errors.Is(err, collector.ErrUnknownSource):
		return notFound("unknown source " + name)
	case errors.Is(err, collector.ErrRunning):
		return conflict("source " + name + " is already running")
	case errors.Is(err, collector.ErrStopped):
		return &apiError{http.StatusServiceUnavailable, CodeUnavailable, "shutting down; not starting new runs"}
	case err != nil:
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"source": name, "run_id": runID, "status": "running"})
	return nil
}
