package config

import "fmt"

// testJira stands in for a source type's settings in this package's tests:
// the config package knows no source package (collector/jira imports it),
// so its tests register their own type named jira, with Jira's keys. The
// real jira.Config is tested in collector/jira.
type testJira struct {
	Email       string   `yaml:"email"`
	Projects    []string `yaml:"projects"`
	Boards      []int64  `yaml:"boards"`
	PointsField string   `yaml:"points_field"`
}

func (c *testJira) Validate() []string {
	var probs []string
	for i, b := range c.Boards {
		if b <= 0 {
			probs = append(probs, fmt.Sprintf("boards[%d]: bad board id %d", i, b))
		}
	}
	return probs
}

// testTypes are the source types of this package's tests.
var testTypes = SourceTypes{"jira": func() Settings { return &testJira{} }}

// jiraOf is a source's test settings.
func jiraOf(s Source) *testJira {
	j, _ := s.Settings.(*testJira)
	if j == nil {
		return &testJira{}
	}
	return j
}
