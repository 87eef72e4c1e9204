//go:build cluster

// The cluster test starts ZooKeeper and three ClickHouse servers and runs
// for minutes: `make test-cluster` runs it (CI does, after make test).

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestClusterAnswersEqualOneNode collects the demo's four simulated sites
// (Jira, GitHub, GitLab, Zendesk, with their replayed past) into one
// ClickHouse 18.16 server and into a real cluster of three (ZooKeeper; two
// shards, the first with two replicas) under storage.cluster, and asks
// both the same questions: every answer must be the same bytes. On the
// cluster one replica is killed while the collection runs: the collection
// and the API go on through the other replica, and once it is back the two
// replicas hold the same rows.
func TestClusterAnswersEqualOneNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cl, err := whtest.StartCluster(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Stop()
	defer func() {
		if t.Failed() {
			for _, n := range cl.Nodes {
				b, _ := os.ReadFile(filepath.Join(n.Dir(), "log", "server.err.log"))
				t.Logf("node %d errors:\n%s", n.Port(), clip(string(b), 20000))
			}
		}
	}()

	phase := time.Now()
	lap := func(what string) {
		t.Logf("%s: %s", what, time.Since(phase).Round(time.Millisecond))
		phase = time.Now()
	}
	one, _ := collectAndAsk(t, ctx, serverDSN(t), "", nil)
	lap("one node: collected and asked")

	db := whtest.DatabaseName(t)
	var addrs []string
	for _, n := range cl.Nodes {
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", n.Port()))
	}
	// Every node is named: the client fails over when the one it uses dies.
	dsn := "clickhouse://default@" + strings.Join(addrs, ",") + "/" + db + "?dial_timeout=2s"
	victim := cl.Nodes[1] // the second replica of the first shard
	var down time.Time
	var during []string
	clustered, sites := collectAndAsk(t, ctx, dsn, whtest.ClusterName, func(step int, ask func(string) (int, string)) {
		switch step {
		case 1: // after the first past run: kill a replica mid-collection
			victim.Kill()
			down = time.Now()
			t.Logf("killed replica 01/r2 (port %d)", victim.Port())
		case 2: // the cluster keeps answering without it
			for _, p := range []string{"/api/v1/sprints?limit=5", "/api/v1/milestones", "/api/v1/tickets/summary"} {
				if code, body := ask(p); code != http.StatusOK {
					during = append(during, fmt.Sprintf("%s: %d %s", p, code, body))
				}
			}
		}
	})
	lap("cluster: collected and asked")
	if len(during) > 0 {
		t.Errorf("with a replica down the cluster did not answer:\n%s", strings.Join(during, "\n"))
	}
	compareAnswers(t, "cluster with a replica down", one, clustered)

	restart := time.Now()
	if err := victim.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("replica down %s; restarted in %s", time.Since(down).Round(time.Millisecond), time.Since(restart).Round(time.Millisecond))
	// The replica catches up from ZooKeeper's log; then both hold the
	// same rows, table by table.
	caught := time.Now()
	first, second := nodeDB(t, ctx, cl.Nodes[0], db), nodeDB(t, ctx, victim, db)
	for _, tbl := range clusterTables(t, ctx, first) {
		for _, n := range []warehouse.DB{first, second} {
			if err := n.Exec(ctx, "SYSTEM SYNC REPLICA {db}."+tbl); err != nil {
				t.Fatalf("syncing %s: %v", tbl, err)
			}
		}
		a, b := localRows(t, ctx, first, tbl), localRows(t, ctx, second, tbl)
		if a != b {
			t.Errorf("%s: replica 01/r1 holds %s, 01/r2 %s", tbl, a, b)
		}
	}
	t.Logf("replicas equal %s after the restart", time.Since(caught).Round(time.Millisecond))
	// And the cluster answers the same with every node up (the lists: the
	// details were compared above, and the replicas hold the same rows).
	back := askAll(t, ctx, dsn, whtest.ClusterName, sites)
	lists := demoAnswers{}
	for p := range back {
		lists[p] = one[p]
	}
	compareAnswers(t, "cluster after the replica came back", lists, back)
}

// collectAndAsk replays the demo's org into the warehouse at dsn (on
// cluster, when named) with every clock pinned to demoNow, then asks
// the API every question. during, when not nil, is called between the
// replay's runs (step 1 after the first, ...) with a way to ask the API.
func collectAndAsk(t *testing.T, ctx context.Context, dsn, cluster string,
	during func(step int, ask func(string) (int, string))) (demoAnswers, *strings.Replacer) {
	t.Helper()
	a, clock, srv, stop := pinnedDemoApp(t, ctx, dsn, cluster)
	defer stop()
	ask := func(p string) (int, string) { return fetch(t, srv.URL+p) }
	steps := 0
	for _, at := range append(pastOf(demoNow), demoNow) {
		clock.Set(at)
		for _, name := range a.runner.Sources() {
			if _, err := a.runner.RunOnce(ctx, name, nil); err != nil {
				t.Fatalf("%s as of %s: %v", name, at, err)
			}
			steps++
			if during != nil {
				during(steps, ask)
			}
		}
	}
	sites := sitesOf(a)
	return askEvery(t, srv.URL, sites, true), sites
}

// askAll asks every question of an already collected warehouse, whose
// sites were served as sites names them.
func askAll(t *testing.T, ctx context.Context, dsn, cluster string, sites *strings.Replacer) demoAnswers {
	t.Helper()
	_, _, srv, stop := pinnedDemoApp(t, ctx, dsn, cluster)
	defer stop()
	return askEvery(t, srv.URL, sites, false)
}

// nodeDB opens db on one node alone (no cluster: its local tables).
func nodeDB(t *testing.T, ctx context.Context, n *whtest.Server, db string) warehouse.DB {
	t.Helper()
	d, err := warehouse.Open(ctx, n.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// clusterTables are the replicated local tables of db on a node.
func clusterTables(t *testing.T, ctx context.Context, db warehouse.DB) []string {
	t.Helper()
	rows, err := db.Query(ctx, "SELECT name FROM system.tables WHERE database = ? AND engine = 'ReplicatedReplacingMergeTree' ORDER BY name", db.Database())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	creates := 0
	for _, m := range warehouse.Migrations {
		if m.Shard != "" {
			creates++
		}
	}
	if len(out) != creates {
		t.Errorf("replicated tables: %v, want %d", out, creates)
	}
	return out
}

// localRows is a replica's rows of a local table, as a count and a hash
// of every row.
func localRows(t *testing.T, ctx context.Context, db warehouse.DB, table string) string {
	t.Helper()
	rows, err := db.Query(ctx, "SELECT toString(count()), toString(sum(cityHash64(*))) FROM {db}."+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n, h string
	for rows.Next() {
		if err := rows.Scan(&n, &h); err != nil {
			t.Fatal(err)
		}
	}
	return n + " rows, hash " + h
}
