package analytics

import (
	"os"
	"strings"
	"testing"

	"github.com/runway-analytics/runway/collector/warehouse"
)

func TestZZPieces(t *testing.T) {
	sel, _ := SprintFilter{Board: "B2", Now: yearNow(26), Limit: 1000}.sel()
	set := sprintSet(sel)
	for name, f := range map[string]frag{"set": set, "win": windowedIntervals(set), "hist": statusHistory(set), "metrics": sprintMetrics(set)} {
		s, _ := warehouse.Bind(f.sql, f.args...)
		os.WriteFile("/tmp/ana_ck/p_"+name+".sql", []byte(strings.ReplaceAll(s, "{db}", "ana_bench")), 0o644)
	}
}
