package warehouse

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestRenderOneNode(t *testing.T) {
	m := Migration{Version: 2, Name: "sources", SQL: "CREATE TABLE IF NOT EXISTS {db}.sources{on_cluster} (\n    source String,\n    version UInt64\n) ENGINE = {engine}(version) ORDER BY source", Shard: "source"}
	got, err := m.Render("")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{{SQL: "CREATE TABLE IF NOT EXISTS {db}.sources (\n    source String,\n    version UInt64\n) ENGINE = ReplacingMergeTree(version) ORDER BY source"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	alter := Migration{Version: 20, Name: "issues.deleted", SQL: "ALTER TABLE {db}.issues{on_cluster} ADD COLUMN deleted UInt8 DEFAULT 0"}
	got, err = alter.Render("")
	if err != nil {
		t.Fatal(err)
	}
	want = []Step{{SQL: "ALTER TABLE {db}.issues ADD COLUMN deleted UInt8 DEFAULT 0", Table: "issues", Column: "deleted"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestRenderCluster(t *testing.T) {
	ledger := Migrations[0]
	got, err := ledger.Render("prod")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{SQL: "CREATE TABLE IF NOT EXISTS {db}.schema_migrations_local ON CLUSTER prod (\n    version Int64,\n    name String,\n    applied_at DateTime('UTC')\n" +
			") ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{db}/schema_migrations', '{replica}') ORDER BY version"},
		{SQL: "CREATE TABLE IF NOT EXISTS {db}.schema_migrations ON CLUSTER prod AS {db}.schema_migrations_local ENGINE = Distributed(prod, {db}, schema_migrations_local, cityHash64(version))"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	alter := Migration{Version: 20, Name: "issues.deleted", SQL: "ALTER TABLE {db}.issues{on_cluster} ADD COLUMN deleted UInt8 DEFAULT 0"}
	got, err = alter.Render("prod")
	if err != nil {
		t.Fatal(err)
	}
	want = []Step{
		{SQL: "ALTER TABLE {db}.issues_local ON CLUSTER prod ADD COLUMN deleted UInt8 DEFAULT 0", Table: "issues_local", Column: "deleted"},
		{SQL: "DROP TABLE IF EXISTS {db}.issues ON CLUSTER prod"},
		{SQL: "CREATE TABLE IF NOT EXISTS {db}.issues ON CLUSTER prod AS {db}.issues_local ENGINE = Distributed(prod, {db}, issues_local, cityHash64(source, issue_id))"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// Every migration renders both ways, and a table's sharding key is made
// of columns of its ORDER BY key, so every version of a row lands on one
// shard (FINAL and argMax stay shard-local).
func TestEveryMigrationRenders(t *testing.T) {
	for _, m := range Migrations {
		for _, cluster := range []string{"", "c"} {
			steps, err := m.Render(cluster)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range steps {
				if strings.Contains(s.SQL, "{on_cluster}") || strings.Contains(s.SQL, "{engine}") {
					t.Errorf("migration %d on %q: %s", m.Version, cluster, s.SQL)
				}
			}
		}
		if m.Shard == "" {
			continue
		}
		i := strings.LastIndex(m.SQL, "ORDER BY ")
		order := strings.Split(strings.Trim(m.SQL[i+len("ORDER BY "):], "()"), ", ")
		for _, c := range strings.Split(m.Shard, ", ") {
			if !slices.Contains(order, c) {
				t.Errorf("migration %d (%s): shard by %s, not in ORDER BY %v", m.Version, m.Name, c, order)
			}
		}
	}
}

func TestGlobalize(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT a FROM t WHERE (s, id) IN (\n    SELECT s, id FROM u)":                    "SELECT a FROM t WHERE (s, id) GLOBAL IN (\n    SELECT s, id FROM u)",
		"SELECT a FROM t WHERE id NOT IN (SELECT id FROM u WHERE x IN (SELECT x FROM v))": "SELECT a FROM t WHERE id GLOBAL NOT IN (SELECT id FROM u WHERE x GLOBAL IN (SELECT x FROM v))",
		"SELECT a FROM t ALL INNER JOIN (SELECT a FROM u) AS u USING a":                   "SELECT a FROM t GLOBAL ALL INNER JOIN (SELECT a FROM u) AS u USING a",
		"SELECT a FROM t ANY LEFT JOIN (SELECT a FROM u) AS u USING a":                    "SELECT a FROM t GLOBAL ANY LEFT JOIN (SELECT a FROM u) AS u USING a",
		// Lists of values and ARRAY JOIN are left alone.
		"SELECT a FROM t ARRAY JOIN x WHERE status IN ('solved', 'closed')": "SELECT a FROM t ARRAY JOIN x WHERE status IN ('solved', 'closed')",
	} {
		if got := Globalize(in); got != want {
			t.Errorf("Globalize(%q)\n got  %q\n want %q", in, got, want)
		}
	}
}
