package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// SyncConfig records the configured sources and projects in the warehouse,
// so reports can join on them (project types, source types).
func SyncConfig(ctx context.Context, db warehouse.DB, cfg config.Config) error {
	v := uint64(time.Now().UnixNano())
	srcs := make([]warehouse.SourceRow, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		srcs = append(srcs, warehouse.SourceRow{Source: s.Name, Type: s.Type, BaseURL: s.BaseURL, Schedule: s.Schedule, Version: v})
	}
	projs := make([]warehouse.ProjectRow, 0, len(cfg.Projects))
	for _, p := range cfg.Projects {
		projs = append(projs, warehouse.ProjectRow{Key: p.Key, Name: p.Name, Type: p.Type,
			JiraProjects: nonNil(p.Match.JiraProjects), GitHubRepos: nonNil(p.Match.GitHubRepos),
			GitLabProjects: nonNil(p.Match.GitLabProjects), ZendeskGroups: nonNil(p.Match.ZendeskGroups), Version: v})
	}
	if err := warehouse.InsertRows(ctx, db, srcs); err != nil {
		return fmt.Errorf("recording configured sources: %w", err)
	}
	if err := warehouse.InsertRows(ctx, db, projs); err != nil {
		return fmt.Errorf("recording configured projects: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
