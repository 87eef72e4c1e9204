package whtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ClusterName is the name of the cluster StartCluster configures, as
// storage.cluster names it.
const ClusterName = "runway"

// DefaultZooKeeperJar is where Debian's zookeeper package installs the
// server; ZOOKEEPER_JAR overrides it.
const DefaultZooKeeperJar = "/usr/share/java/zookeeper.jar"

// Cluster is a real ClickHouse cluster on loopback: one ZooKeeper and three
// clickhouse-server processes, two shards, the first with two replicas
// (Nodes[0] and Nodes[1]), the second with one (Nodes[2]). Every node knows
// the cluster as ClusterName, takes ON CLUSTER DDL from ZooKeeper's queue
// and has {shard} and {replica} macros, so ReplicatedReplacingMergeTree and
// Distributed tables work as in production.
type Cluster struct {
	Nodes []*Server
	zk    *Child
	zkDir string
}

// Shard and replica of Nodes[i].
var clusterLayout = []struct{ shard, replica string }{{"01", "r1"}, {"01", "r2"}, {"02", "r1"}}

// StartCluster starts ZooKeeper and the three servers in folders under dir
// ("" means os.TempDir()). Stop ends them all.
func StartCluster(ctx context.Context, dir string) (*Cluster, error) {
	jar := os.Getenv("ZOOKEEPER_JAR")
	if jar == "" {
		jar = DefaultZooKeeperJar
	}
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("whtest: ZooKeeper not found at %s (apt-get install zookeeper, or set ZOOKEEPER_JAR): %w", jar, err)
	}
	c := &Cluster{}
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	zkPort, err := c.startZooKeeper(ctx, jar, dir)
	if err != nil {
		return nil, err
	}
	var tcp, inter []int
	for range clusterLayout {
		p1, err1 := freePort()
		p2, err2 := freePort()
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("whtest: finding free ports: %w", err)
		}
		tcp, inter = append(tcp, p1), append(inter, p2)
	}
	for i, l := range clusterLayout {
		extra := clusterConfig(zkPort, tcp, inter[i], l.shard, l.replica)
		s, err := startServer(ctx, ServerBin(), dir, serverSettings{timezone: "UTC", port: tcp[i], extra: extra})
		if err != nil {
			return nil, fmt.Errorf("whtest: cluster node %d: %w", i, err)
		}
		c.Nodes = append(c.Nodes, s)
	}
	ok = true
	return c, nil
}

// clusterConfig is the part of a node's config.xml that makes it one of
// the cluster: the remote servers, ZooKeeper, its macros, the DDL queue and
// the interserver port replicas fetch parts from.
func clusterConfig(zkPort int, tcp []int, interPort int, shard, replica string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "    <interserver_http_host>127.0.0.1</interserver_http_host>\n")
	fmt.Fprintf(&b, "    <interserver_http_port>%d</interserver_http_port>\n", interPort)
	b.WriteString("    <remote_servers>\n        <" + ClusterName + ">\n")
	for _, s := range [][]int{{tcp[0], tcp[1]}, {tcp[2]}} {
		b.WriteString("            <shard>\n                <internal_replication>true</internal_replication>\n")
		for _, p := range s {
			fmt.Fprintf(&b, "                <replica><host>127.0.0.1</host><port>%d</port></replica>\n", p)
		}
		b.WriteString("            </shard>\n")
	}
	b.WriteString("        </" + ClusterName + ">\n    </remote_servers>\n")
	fmt.Fprintf(&b, "    <zookeeper><node><host>127.0.0.1</host><port>%d</port></node><session_timeout_ms>30000</session_timeout_ms></zookeeper>\n", zkPort)
	fmt.Fprintf(&b, "    <macros><shard>%s</shard><replica>%s</replica></macros>\n", shard, replica)
	b.WriteString("    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>\n")
	return b.String()
}

// startZooKeeper runs a standalone ZooKeeper on a free loopback port and
// waits until it answers "srvr".
func (c *Cluster) startZooKeeper(ctx context.Context, jar, dir string) (int, error) {
	zkDir, err := os.MkdirTemp(dir, "whtest-zookeeper-")
	if err != nil {
		return 0, fmt.Errorf("whtest: %w", err)
	}
	c.zkDir = zkDir
	port, err := freePort()
	if err != nil {
		return 0, fmt.Errorf("whtest: finding a free port: %w", err)
	}
	cfg := fmt.Sprintf("tickTime=500\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\nmaxClientCnxns=0\n",
		filepath.Join(zkDir, "data"), port)
	cfgPath := filepath.Join(zkDir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return 0, fmt.Errorf("whtest: %w", err)
	}
	out, err := os.Create(filepath.Join(zkDir, "zookeeper.log"))
	if err != nil {
		return 0, fmt.Errorf("whtest: %w", err)
	}
	defer out.Close()
	cmd := exec.Command("java", "-Xmx256m", "-cp", jar, "org.apache.zookeeper.server.ZooKeeperServerMain", cfgPath)
	cmd.Stdout, cmd.Stderr = out, out
	p, err := startChild(cmd)
	if err != nil {
		return 0, fmt.Errorf("whtest: starting ZooKeeper: %w", err)
	}
	c.zk = p
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		if zkServing(port) {
			return port, nil
		}
		select {
		case <-p.done:
			log, _ := os.ReadFile(filepath.Join(zkDir, "zookeeper.log"))
			return 0, fmt.Errorf("whtest: ZooKeeper exited during start-up (%v): %s", p.waitErr, tail(string(log), 2000))
		case <-ctx.Done():
			return 0, fmt.Errorf("whtest: ZooKeeper did not answer on port %d within %s", port, startTimeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// zkServing asks ZooKeeper's four-letter "srvr" (allowed by default) and
// reports whether it serves.
func zkServing(port int) bool {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("srvr")); err != nil {
		return false
	}
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Mode:") {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// DSN is a clickhouse:// DSN for database db through the first node; every
// node serves the whole cluster's Distributed tables.
func (c *Cluster) DSN(db string) string { return c.Nodes[0].DSN(db) }

// Stop ends the servers and ZooKeeper and removes their folders.
func (c *Cluster) Stop() {
	for _, s := range c.Nodes {
		_ = s.Stop()
	}
	if c.zk != nil {
		c.zk.terminate()
	}
	if c.zkDir != "" {
		_ = os.RemoveAll(c.zkDir)
	}
}
