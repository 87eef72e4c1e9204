package jira

import (
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
)

// CheckpointEvery builds Jira sources that checkpoint every n search pages.
func CheckpointEvery(n int) collector.Factory {
	return func(cfg config.Source, deps collector.Deps) (collector.Source, error) {
		src, err := New(cfg, deps)
		if err == nil {
			src.(*source).checkpointPages = n
		}
		return src, err
	}
}
