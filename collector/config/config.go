// Package config loads Runway's YAML configuration: strict (unknown keys are
// an error naming the key and its line), overridable by RUNWAY_* environment
// variables named after each value's path, with secrets read only from
// *_env or *_file fields and never printed.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Config is the whole configuration file.
type Config struct {
	Storage  Storage         `yaml:"storage"`
	API      API             `yaml:"api"`
	Sources  []Source        `yaml:"sources"`
	Projects []Project       `yaml:"projects"`
	SLA      map[string]Span `yaml:"sla"`
	Log      Log             `yaml:"log"`
}

// Storage selects the warehouse backend by DSN.
type Storage struct {
	DSN string `yaml:"dsn"`
}

// API configures the HTTP listener.
type API struct {
	Listen string  `yaml:"listen"`
	Tokens []Token `yaml:"tokens"`
	// ShutdownTimeout bounds graceful shutdown (HTTP drain and running
	// collections).
	ShutdownTimeout Span `yaml:"shutdown_timeout"`
	// RateLimit is the requests per second allowed per token (per client
	// IP without tokens) on /api/v1, with bursts up to RateBurst; 0
	// disables it.
	RateLimit float64 `yaml:"rate_limit"`
	RateBurst int     `yaml:"rate_burst"`
}

// Token is one bearer token with a scope (read or admin).
type Token struct {
	Name      string `yaml:"name"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	Scope     string `yaml:"scope"`
	Value     Secret `yaml:"-"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Source is one upstream system. Fields not used by a type must be empty.
type Source struct {
	Name      string `yaml:"name"`
	Type      string `yaml:"type"`
	BaseURL   string `yaml:"base_url"`
	Email     string `yaml:"email"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	Token     Secret `yaml:"-"`
	// Schedule is a cron spec (5 fields or @hourly-style descriptors).
	Schedule string `yaml:"schedule"`
	// Jira: project keys and board ids to collect (empty = all visible).
	Projects []string `yaml:"projects"`
	Boards   []int64  `yaml:"boards"`
	// Jira: story points field id (e.g. customfield_10016); discovered when empty.
	PointsField string `yaml:"points_field"`
	// GitHub: owner/name repositories. GitLab: group or project paths.
	Repos  []string `yaml:"repos"`
	Groups []string `yaml:"groups"`
	// Since is how far back the first run collects (default 365 days).
	Since Span `yaml:"since"`
	// Timeout bounds one run. Default: 2h for scheduled and API-started
	// runs, none for `runway collect` (a first backfill may take long).
	Timeout Span `yaml:"timeout"`
}

// Project groups upstream work into one delivery with an expected duration.
type Project struct {
	Key   string       `yaml:"key"`
	Name  string       `yaml:"name"`
	Type  string       `yaml:"type"`
	Match ProjectMatch `yaml:"match"`
}

// ProjectMatch says which upstream containers belong to a project.
type ProjectMatch struct {
	JiraProjects   []string `yaml:"jira_projects"`
	GitHubRepos    []string `yaml:"github_repos"`
	GitLabProjects []string `yaml:"gitlab_projects"`
	ZendeskGroups  []string `yaml:"zendesk_groups"`
}

// Source types and project types understood by Runway.
var (
	SourceTypes  = []string{"jira", "github", "gitlab", "zendesk"}
	ProjectTypes = []string{"short_term", "long_term", "ongoing_support"}
	Priorities   = []string{"urgent", "high", "normal", "low"}
	Scopes       = []string{"read", "admin"}
)

// DefaultListen is loopback, so a bare install is not exposed.
const DefaultListen = "127.0.0.1:8080"

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("invalid config")

// Secret is a credential. It formats as "[redacted]" so it never reaches a
// log line or an error message by accident.
type Secret string

func (Secret) String() string               { return "[redacted]" }
func (Secret) GoString() string             { return "[redacted]" }
func (s Secret) Reveal() string             { return string(s) }
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Span is a duration written as Go durations ("90s", "4h") or days ("3d").
type Span time.Duration

func (s Span) D() time.Duration { return time.Duration(s) }

func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	d, err := parseSpan(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*s = Span(d)
	return nil
}

func parseSpan(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad duration %q (want e.g. 90s, 4h or 3d)", v)
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q (want e.g. 90s, 4h or 3d)", v)
	}
	return d, nil
}

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Storage: Storage{DSN: "chdb://./data"},
		API:     API{Listen: DefaultListen, ShutdownTimeout: Span(30 * time.Second), RateLimit: 20, RateBurst: 40},
		Log:     Log{Level: "info", Format: "text"},
	}
}

// Load reads a config file (empty path: defaults only), applies RUNWAY_*
// overrides from env, resolves secrets and validates.
//
// Options tune loading: WithoutSecrets is for commands that only touch
// storage (runway migrate), which must not need every upstream token.
func Load(path string, env func(string) (string, bool), opts ...LoadOption) (Config, error) {
	var lo loadOptions
	for _, o := range opts {
		o(&lo)
	}
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("reading config: %w", err)
		}
		if err := Parse(data, &cfg); err != nil {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	if env == nil {
		env = os.LookupEnv
	}
	if err := applyEnv(&cfg, env); err != nil {
		return Config{}, err
	}
	if !lo.skipSecrets {
		if err := cfg.resolveSecrets(env); err != nil {
			return Config{}, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// LoadOption changes how Load works.
type LoadOption func(*loadOptions)

type loadOptions struct{ skipSecrets bool }

// WithoutSecrets loads and validates without reading any token: the
// Secret fields stay empty.
func WithoutSecrets() LoadOption { return func(o *loadOptions) { o.skipSecrets = true } }

// Parse decodes YAML strictly into cfg (which holds defaults).
func Parse(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file: defaults
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(te.Errors, "; "))
		}
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// Validate checks the whole config and reports every problem found.
func (c *Config) Validate() error {
	var errs []string
	add := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }

	if c.Storage.DSN == "" {
		add("storage.dsn: required (chdb:///path or clickhouse://host:9000/db)")
	} else if err := warehouse.CheckDSN(c.Storage.DSN); err != nil {
		add("storage.dsn: %v", err)
	}

	if host, _, err := net.SplitHostPort(c.API.Listen); err != nil {
		add("api.listen: %q: want host:port (e.g. %s)", c.API.Listen, DefaultListen)
	} else if !isLoopback(host) && len(c.API.Tokens) == 0 {
		add("api.listen: %q is not a loopback address and api.tokens is empty: configure tokens before exposing the API", c.API.Listen)
	}
	if c.API.RateLimit < 0 || c.API.RateBurst < 0 {
		add("api.rate_limit, api.rate_burst: must not be negative (0 disables limiting)")
	}
	seenTok := map[string]bool{}
	for i, t := range c.API.Tokens {
		p := fmt.Sprintf("api.tokens[%d]", i)
		if t.Name == "" {
			add("%s.name: required", p)
		} else if seenTok[t.Name] {
			add("%s.name: duplicate token name %q", p, t.Name)
		}
		seenTok[t.Name] = true
		if !slices.Contains(Scopes, t.Scope) {
			add("%s.scope: %q: want one of %s", p, t.Scope, strings.Join(Scopes, ", "))
		}
		if t.TokenEnv == "" && t.TokenFile == "" {
			add("%s: one of token_env or token_file is required", p)
		}
	}

	seen := map[string]bool{}
	for i, s := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		if !nameRE.MatchString(s.Name) {
			add("%s.name: %q: want lowercase letters, digits, '.', '_' or '-'", p, s.Name)
		} else if seen[s.Name] {
			add("%s.name: duplicate source name %q", p, s.Name)
		}
		seen[s.Name] = true
		if !slices.Contains(SourceTypes, s.Type) {
			add("%s.type: unknown source type %q (want one of %s)", p, s.Type, strings.Join(SourceTypes, ", "))
		}
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("%s.base_url: %q: want an http(s) URL", p, s.BaseURL)
		}
		if s.Schedule == "" {
			add("%s.schedule: required (cron spec such as \"*/30 * * * *\" or \"@hourly\")", p)
		} else if _, err := CronParser.Parse(s.Schedule); err != nil {
			add("%s.schedule: bad cron spec %q: %v", p, s.Schedule, err)
		}
		if s.TokenEnv == "" && s.TokenFile == "" {
			add("%s: one of token_env or token_file is required", p)
		}
		switch s.Type {
		case "jira", "zendesk":
			if s.Type == "zendesk" && s.Email == "" {
				add("%s.email: required for zendesk", p)
			}
			if len(s.Repos) > 0 || len(s.Groups) > 0 {
				add("%s: repos/groups are not used by type %s", p, s.Type)
			}
		case "github":
			if len(s.Repos) == 0 {
				add("%s.repos: at least one owner/name is required for github", p)
			}
		case "gitlab":
			if len(s.Repos) == 0 && len(s.Groups) == 0 {
				add("%s: repos or groups is required for gitlab", p)
			}
		}
	}

	seenProj := map[string]bool{}
	for i, pr := range c.Projects {
		p := fmt.Sprintf("projects[%d]", i)
		if !nameRE.MatchString(pr.Key) {
			add("%s.key: %q: want lowercase letters, digits, '.', '_' or '-'", p, pr.Key)
		} else if seenProj[pr.Key] {
			add("%s.key: duplicate project key %q", p, pr.Key)
		}
		seenProj[pr.Key] = true
		if !slices.Contains(ProjectTypes, pr.Type) {
			add("%s.type: %q: want one of %s", p, pr.Type, strings.Join(ProjectTypes, ", "))
		}
	}
	for prio := range c.SLA {
		if !slices.Contains(Priorities, prio) {
			add("sla.%s: unknown priority (want one of %s)", prio, strings.Join(Priorities, ", "))
		}
	}
	switch c.Log.Level {
	case "", "debug", "info", "warn", "error":
	default:
		add("log.level: %q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "", "text", "json":
	default:
		add("log.format: %q: want text or json", c.Log.Format)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(errs, "; "))
	}
	return nil
}

// CronParser parses source schedules: standard 5-field specs and
// descriptors such as @hourly.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func (c *Config) resolveSecrets(env func(string) (string, bool)) error {
	var errs []string
	read := func(what, envName, file string) Secret {
		switch {
		case envName != "":
			v, ok := env(envName)
			if !ok || v == "" {
				errs = append(errs, fmt.Sprintf("%s: environment variable %s is not set", what, envName))
			}
			return Secret(strings.TrimSpace(v))
		case file != "":
			b, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: reading token_file: %v", what, err))
			} else if strings.TrimSpace(string(b)) == "" {
				errs = append(errs, fmt.Sprintf("%s: token_file %s is empty", what, file))
			}
			return Secret(strings.TrimSpace(string(b)))
		}
		return ""
	}
	for i := range c.API.Tokens {
		t := &c.API.Tokens[i]
		t.Value = read(fmt.Sprintf("api.tokens[%d] (%s)", i, t.Name), t.TokenEnv, t.TokenFile)
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		s.Token = read(fmt.Sprintf("sources[%d] (%s)", i, s.Name), s.TokenEnv, s.TokenFile)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(errs, "; "))
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopback reports whether a listen address binds only to loopback.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	return err == nil && isLoopback(host)
}
