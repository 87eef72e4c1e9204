package warehouse

import (
	"fmt"
	"regexp"
	"strings"
)

// On a cluster every table is two: {db}.<name>_local, a
// ReplicatedReplacingMergeTree on each node holding its shard's rows, and
// {db}.<name>, a Distributed table over them that every statement reads and
// writes. So report SQL names the same tables on one node and on a cluster.
const localSuffix = "_local"

var (
	createRE = regexp.MustCompile(`^CREATE TABLE IF NOT EXISTS \{db\}\.(\w+)\{on_cluster\} `)
	alterRE  = regexp.MustCompile(`^ALTER TABLE \{db\}\.(\w+)\{on_cluster\}\s`)
	engineRE = regexp.MustCompile(`\{engine\}\(([^)]*)\)`)
	addColRE = regexp.MustCompile(`\bADD COLUMN (\w+) `)
)

// Step is one statement of a rendered migration. Column, when set, names
// the column the statement adds to Table: the step is done when the column
// exists (18.16 has no ADD COLUMN IF NOT EXISTS).
type Step struct {
	SQL    string
	Table  string
	Column string
}

// Render is m's statements for a single node (cluster "") or for the
// cluster of that name, with {db} left for the DB to fill in. On a cluster
// a CREATE makes the replicated local table and the Distributed one; an
// ALTER changes the local table and re-creates the Distributed one (which
// holds no data) from it, because 18.16 refuses ALTER ON CLUSTER of a
// non-replicated table on a replicated cluster.
func (m Migration) Render(cluster string) ([]Step, error) {
	if cluster == "" {
		sql := strings.ReplaceAll(m.SQL, "{on_cluster}", "")
		sql = engineRE.ReplaceAllString(sql, "ReplacingMergeTree($1)")
		return []Step{withColumn(Step{SQL: sql}, m.SQL)}, nil
	}
	on := " ON CLUSTER " + cluster
	if c := createRE.FindStringSubmatch(m.SQL); c != nil {
		name := c[1]
		if m.Shard == "" {
			return nil, fmt.Errorf("migration %d (%s): no sharding key", m.Version, m.Name)
		}
		local := strings.Replace(m.SQL, "{db}."+name+"{on_cluster}", "{db}."+name+localSuffix+on, 1)
		local = engineRE.ReplaceAllStringFunc(local, func(e string) string {
			args := engineRE.FindStringSubmatch(e)[1]
			replicated := "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{db}/" + name + "', '{replica}'"
			if args != "" {
				replicated += ", " + args
			}
			return replicated + ")"
		})
		return []Step{{SQL: local}, {SQL: distributed(name, m.Shard, cluster)}}, nil
	}
	if a := alterRE.FindStringSubmatch(m.SQL); a != nil {
		name := a[1]
		shard := ""
		for _, c := range Migrations {
			if t := createRE.FindStringSubmatch(c.SQL); t != nil && t[1] == name {
				shard = c.Shard
			}
		}
		if shard == "" {
			return nil, fmt.Errorf("migration %d (%s): no CREATE migration of table %s", m.Version, m.Name, name)
		}
		local := strings.Replace(m.SQL, "{db}."+name+"{on_cluster}", "{db}."+name+localSuffix+on, 1)
		step := withColumn(Step{SQL: local}, m.SQL)
		step.Table = name + localSuffix
		return []Step{step,
			{SQL: "DROP TABLE IF EXISTS {db}." + name + on},
			{SQL: distributed(name, shard, cluster)}}, nil
	}
	return nil, fmt.Errorf("migration %d (%s): neither CREATE TABLE IF NOT EXISTS {db}.<name>{on_cluster} nor ALTER TABLE {db}.<name>{on_cluster}", m.Version, m.Name)
}

// distributed is the Distributed table over name's local tables.
func distributed(name, shard, cluster string) string {
	return "CREATE TABLE IF NOT EXISTS {db}." + name + " ON CLUSTER " + cluster +
		" AS {db}." + name + localSuffix +
		" ENGINE = Distributed(" + cluster + ", {db}, " + name + localSuffix + ", cityHash64(" + shard + "))"
}

// withColumn marks an ALTER ... ADD COLUMN step with the table and column
// it adds.
func withColumn(s Step, sql string) Step {
	a := alterRE.FindStringSubmatch(sql)
	c := addColRE.FindStringSubmatch(sql)
	if a != nil && c != nil {
		s.Table, s.Column = a[1], c[1]
	}
	return s
}

var (
	inSubqueryRE = regexp.MustCompile(`\b((?:NOT )?IN) \((\s*)SELECT\b`)
	strictJoinRE = regexp.MustCompile(`\b(ANY|ALL) (INNER|LEFT) JOIN\b`)
)

// Globalize makes a statement's joins and IN subqueries GLOBAL, as a
// statement over Distributed tables needs: without it 18.16 refuses a
// subquery over a Distributed table inside a query over another
// ("double-distributed", distributed_product_mode = 'deny'), and
// evaluating it on each shard against that shard's rows alone would be
// wrong anyway, since the two tables are sharded by different ids. GLOBAL
// evaluates the subquery once and sends its result to every shard. Report
// SQL stays the same for one node; the cluster's DB applies this to
// statement templates, before any value is bound.
func Globalize(sql string) string {
	sql = inSubqueryRE.ReplaceAllString(sql, "GLOBAL $1 (${2}SELECT")
	return strictJoinRE.ReplaceAllString(sql, "GLOBAL $1 $2 JOIN")
}
