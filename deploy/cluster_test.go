package deploy_test

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/sources"
)

// clickhouseConfig is the part of a ClickHouse config.d file the cluster
// example sets.
type clickhouseConfig struct {
	Clusters struct {
		Runway struct {
			Shards []struct {
				InternalReplication bool `xml:"internal_replication"`
				Replicas            []struct {
					Host string `xml:"host"`
					Port int    `xml:"port"`
				} `xml:"replica"`
			} `xml:"shard"`
		} `xml:"runway"`
	} `xml:"remote_servers"`
	ZooKeeper []struct {
		Host string `xml:"host"`
		Port int    `xml:"port"`
	} `xml:"zookeeper>node"`
	DDLPath         string `xml:"distributed_ddl>path"`
	InterserverPort int    `xml:"interserver_http_port"`
	InterserverHost string `xml:"interserver_http_host"`
	Shard           string `xml:"macros>shard"`
	Replica         string `xml:"macros>replica"`
}

func readClickHouseConfig(t *testing.T, name string) clickhouseConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("clickhouse-cluster", name))
	if err != nil {
		t.Fatal(err)
	}
	var c clickhouseConfig
	if err := xml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// The cluster example is the layout make test-cluster runs (two shards, the
// first with two replicas), every node has macros naming a distinct
// (shard, replica) of the shard it is listed in, and Runway's config for it
// loads strictly and names the cluster the servers define.
func TestClusterExample(t *testing.T) {
	c := readClickHouseConfig(t, "cluster.xml")
	shards := c.Clusters.Runway.Shards
	if len(shards) != 2 || len(shards[0].Replicas) != 2 || len(shards[1].Replicas) != 1 {
		t.Fatalf("remote_servers runway: %+v, want two shards, the first with two replicas", shards)
	}
	if len(c.ZooKeeper) == 0 || c.DDLPath == "" || c.InterserverPort == 0 {
		t.Errorf("zookeeper %v, distributed_ddl %q, interserver_http_port %d: all needed", c.ZooKeeper, c.DDLPath, c.InterserverPort)
	}
	seen := map[[2]string]bool{}
	for i, s := range shards {
		if !s.InternalReplication {
			t.Errorf("shard %d: internal_replication must be true (replicated tables copy rows themselves)", i+1)
		}
		for _, r := range s.Replicas {
			m := readClickHouseConfig(t, "macros-"+r.Host+".xml")
			if m.InterserverHost != r.Host {
				t.Errorf("macros-%s.xml: interserver_http_host %q", r.Host, m.InterserverHost)
			}
			key := [2]string{m.Shard, m.Replica}
			if m.Shard != []string{"01", "02"}[i] || m.Replica == "" || seen[key] {
				t.Errorf("macros-%s.xml: shard %q replica %q, in shard %d of remote_servers", r.Host, m.Shard, m.Replica, i+1)
			}
			seen[key] = true
		}
	}

	types := sources.Registry().ConfigTypes()
	env := config.MapEnv{"RUNWAY_READ_TOKEN": "r", "RUNWAY_ADMIN_TOKEN": "a", "RUNWAY_JIRA_TOKEN": "j"}
	cfg, err := config.Load(filepath.Join("clickhouse-cluster", "runway.cluster.yaml"), env, types)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Storage.Target.Cluster(); got != "runway" {
		t.Errorf("storage.cluster %q, want the remote_servers name runway", got)
	}
	if cfg.Storage.Target.Backend() != "clickhouse" {
		t.Errorf("backend %s", cfg.Storage.Target.Backend())
	}
	// Every node is in the DSN, so the client fails over.
	for _, s := range shards {
		for _, r := range s.Replicas {
			if addr := fmt.Sprintf("%s:%d", r.Host, r.Port); !strings.Contains(cfg.Storage.DSN, addr) {
				t.Errorf("storage.dsn %s does not name node %s", cfg.Storage.DSN, addr)
			}
		}
	}
}
