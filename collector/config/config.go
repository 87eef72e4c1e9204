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
	"maps"
	"net"
	"net/netip"
	"net/url"
	"os"
	"reflect"
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
	Storage  Storage   `yaml:"storage"`
	API      API       `yaml:"api"`
	Sources  []Source  `yaml:"sources"`
	Projects []Project `yaml:"projects"`
	// MilestoneKinds classify milestones by title (DESIGN §5).
	MilestoneKinds MilestoneKinds  `yaml:"milestone_kinds"`
	SLA            map[string]Span `yaml:"sla"`
	Log            Log             `yaml:"log"`
}

// Storage selects the warehouse backend by DSN.
type Storage struct {
	DSN string `yaml:"dsn"`
	// Cluster names the ClickHouse cluster (the servers' remote_servers)
	// the tables are spread over: replicated local tables behind
	// Distributed ones. Empty: one node.
	Cluster string `yaml:"cluster"`
	// Target is DSN parsed (with Cluster), by Validate: the one parse
	// everything that opens or names the store uses.
	Target warehouse.DSN `yaml:"-"`
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
	// TrustedProxies are the IP addresses or CIDR ranges of reverse proxies
	// whose X-Forwarded-For is believed; empty (the default) trusts none.
	// TrustedProxyPrefixes gives them parsed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// HTTP server limits (net/http.Server's fields of the same names); each
	// must be positive.
	ReadHeaderTimeout Span `yaml:"read_header_timeout"`
	ReadTimeout       Span `yaml:"read_timeout"`
	WriteTimeout      Span `yaml:"write_timeout"`
	IdleTimeout       Span `yaml:"idle_timeout"`
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// TrustedProxyPrefixes returns TrustedProxies parsed (an address is a
// single-address prefix), skipping entries Validate rejects.
func (a API) TrustedProxyPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range a.TrustedProxies {
		if p, err := ParseTrustedProxy(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// ParseTrustedProxy parses one api.trusted_proxies entry: an IP address
// (10.0.0.7, ::1) or a CIDR range (10.0.0.0/8; host bits are masked off).
// IPv4-mapped IPv6 forms are unmapped, so they match IPv4 clients.
func ParseTrustedProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("address %s has a zone", a)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
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

// Source is one upstream system: the keys every source has, and Settings,
// the keys of its type, decoded from the same YAML mapping by the type
// (see Settings and SourceTypes).
type Source struct {
	Name      string `yaml:"name"`
	Type      string `yaml:"type"`
	BaseURL   string `yaml:"base_url"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	Token     Secret `yaml:"-"`
	// Schedule is a cron spec (5 fields or @hourly-style descriptors).
	Schedule string `yaml:"schedule"`
	// Since is how far back the first run collects (default 365 days).
	Since Span `yaml:"since"`
	// Timeout bounds one run. Default: 2h for scheduled and API-started
	// runs, none for `runway collect` (a first backfill may take long).
	Timeout Span `yaml:"timeout"`
	// Settings are the type's own keys (a *jira.Config for type jira).
	// Load sets them for every source of a known type; nil stands for the
	// type's defaults.
	Settings Settings `yaml:"-"`

	// raw holds the keys of the file's mapping that are not common, until
	// Load has decoded them for the source's final type (the environment
	// may give or change it).
	raw *yaml.Node
	// problems are those UnmarshalYAML found, for Parse to report.
	problems []string
}

// DefaultSince is how far back a source's first run collects unless its
// since says otherwise.
const DefaultSince = 365 * 24 * time.Hour

// Reach is how far back the source's first run (or a project new to it)
// collects: since, else DefaultSince.
func (s Source) Reach() time.Duration {
	if d := s.Since.D(); d > 0 {
		return d
	}
	return DefaultSince
}

// Project groups upstream work into one delivery with an expected duration.
type Project struct {
	Key   string       `yaml:"key"`
	Name  string       `yaml:"name"`
	Type  string       `yaml:"type"`
	Match ProjectMatch `yaml:"match"`
}

// MilestoneKinds are the title patterns (Go/RE2 regular expressions) that
// make a milestone a prototype, beta or production milestone, tried in that
// order; the first match wins, and a milestone matching none is "other".
// A kind left out of the config keeps its default patterns; an empty list
// turns it off.
type MilestoneKinds struct {
	Prototype  []string `yaml:"prototype"`
	Beta       []string `yaml:"beta"`
	Production []string `yaml:"production"`
}

// DefaultMilestoneKinds are the patterns of DESIGN §6.
var DefaultMilestoneKinds = MilestoneKinds{
	Prototype:  []string{"(?i)proto|poc|mvp"},
	Beta:       []string{"(?i)beta|pilot"},
	Production: []string{"(?i)prod|ga|launch|release"},
}

// Kinds lists kind names with their patterns, in matching order.
func (k MilestoneKinds) Kinds() []KindPatterns {
	return []KindPatterns{{"prototype", k.Prototype}, {"beta", k.Beta}, {"production", k.Production}}
}

// KindPatterns are one milestone kind's title patterns.
type KindPatterns struct {
	Kind     string
	Patterns []string
}

// ProjectMatch says which upstream containers belong to a project.
type ProjectMatch struct {
	JiraProjects   []string `yaml:"jira_projects"`
	GitHubRepos    []string `yaml:"github_repos"`
	GitLabProjects []string `yaml:"gitlab_projects"`
	ZendeskGroups  []string `yaml:"zendesk_groups"`
}

// Project types, priorities and token scopes understood by Runway. (Source
// types are the build's: see SourceTypes.)
var (
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
		// A TypeError lets the decoder go on and report every bad value.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*s = Span(d)
	return nil
}

// maxSpanDays is the longest span written in days: time.Duration's limit
// (about 292 years), rounded down.
const maxSpanDays = 106_000

func parseSpan(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		// !(n <= maxDays) also refuses NaN; +Inf and huge values would
		// overflow the conversion to a (then negative) duration.
		if err != nil || n < 0 || !(n <= maxSpanDays) {
			return 0, fmt.Errorf("bad duration %s (want e.g. 90s, 4h or 3d)", quote(v))
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %s (want e.g. 90s, 4h or 3d)", quote(v))
	}
	return d, nil
}

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Storage: Storage{DSN: "chdb://./data"},
		API: API{
			Listen: DefaultListen, ShutdownTimeout: Span(30 * time.Second), RateLimit: 20, RateBurst: 40,
			ReadHeaderTimeout: Span(10 * time.Second), ReadTimeout: Span(30 * time.Second),
			WriteTimeout: Span(2 * time.Minute), IdleTimeout: Span(2 * time.Minute),
			MaxBodyBytes: 1 << 20,
		},
		Log:            Log{Level: "info", Format: "text"},
		MilestoneKinds: DefaultMilestoneKinds,
	}
}

// Load reads a config file (empty path: defaults only), applies RUNWAY_*
// overrides from env (nil: the process environment), resolves secrets and
// validates. A RUNWAY_* variable that names no setting is an error (see
// applyEnv). types are the source types the build knows: each decodes and
// validates its sources' own keys; any other type is an error.
//
// Options tune loading: WithoutSecrets is for commands that only touch
// storage (runway migrate), which must not need every upstream token.
func Load(path string, env Env, types SourceTypes, opts ...LoadOption) (Config, error) {
	var lo loadOptions
	for _, o := range opts {
		o(&lo)
	}
	cfg := Default()
	if path != "" {
		data, err := readConfigFile(path)
		if err != nil {
			return Config{}, err
		}
		if err := Parse(data, &cfg, types); err != nil {
			return Config{}, fmt.Errorf("%s: %w", bare(path), err)
		}
	}
	if env == nil {
		env = OSEnv()
	}
	if err := applyEnv(&cfg, env, types); err != nil {
		return Config{}, err
	}
	for i := range cfg.Sources {
		cfg.Sources[i].raw = nil // decoded for the final type by now
	}
	cfg.defaultBaseURLs(types)
	if !lo.skipSecrets {
		if err := cfg.resolveSecrets(env); err != nil {
			return Config{}, err
		}
	}
	if err := cfg.Validate(types); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// maxConfigBytes bounds the config file: a large org's is well under a
// megabyte, and --config /dev/zero must not read without end. (Unlike a
// secret file it may be a pipe, as with --config <(generate-config).)
const maxConfigBytes = 32 << 20

func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("%w: config file %s is larger than %d MiB", ErrInvalid, bare(path), maxConfigBytes>>20)
	}
	return data, nil
}

// BaseURLDefaulter is what a source type's settings implement when the
// type has a well-known API address (GitHub's https://api.github.com):
// a source of that type without base_url takes it.
type BaseURLDefaulter interface{ DefaultBaseURL() string }

// defaultBaseURLs gives each source without base_url its type's default,
// when the type has one.
func (c *Config) defaultBaseURLs(types SourceTypes) {
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.BaseURL != "" {
			continue
		}
		set := s.Settings
		if set == nil {
			if newSettings, ok := types[s.Type]; ok {
				set = newSettings()
			}
		}
		if d, ok := set.(BaseURLDefaulter); ok {
			s.BaseURL = d.DefaultBaseURL()
		}
	}
}

// LoadOption changes how Load works.
type LoadOption func(*loadOptions)

type loadOptions struct{ skipSecrets bool }

// WithoutSecrets loads and validates without reading any token: the
// Secret fields stay empty.
func WithoutSecrets() LoadOption { return func(o *loadOptions) { o.skipSecrets = true } }

// Parse decodes YAML strictly into cfg (which holds defaults). The file is
// one YAML document: a second one is an error, not silently ignored (it
// would be, unknown keys and syntax errors included). Empty documents after
// the first, such as a trailing "---", are accepted: they configure nothing.
//
// A source's own keys are decoded by its type, when types has it; a source
// whose type the file does not give (the environment may) keeps them for
// Load to decode once the type is known.
func Parse(data []byte, cfg *Config, types SourceTypes) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var errs []string
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file, or only comments: defaults
		}
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			var p problems
			p.add("%s", yamlProblem(err.Error()))
			return p.err()
		}
		errs = te.Errors
	}
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		errs, s.problems = append(errs, s.problems...), nil
		if newSettings, ok := types[s.Type]; ok {
			set := newSettings()
			errs = append(errs, decodeSettings(s.raw, set, s.Type)...)
			s.Settings = set
		}
	}
	if len(errs) > 0 {
		sortByLine(errs)
		var p problems
		for _, e := range errs {
			p.add("%s", yamlProblem(e))
		}
		return p.err()
	}
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil && emptyDocument(&doc) {
			continue
		}
		line := doc.Line
		if err != nil { // a syntax error in it: find where it starts
			line = nextDocumentLine(data)
		}
		at := ""
		if line > 0 {
			at = fmt.Sprintf(" (line %d)", line)
		}
		return fmt.Errorf("%w: a second YAML document%s is not supported; put everything in one document", ErrInvalid, at)
	}
}

// emptyDocument reports whether a document holds nothing: only "---",
// perhaps with comments. An explicit null (~) is content.
func emptyDocument(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	c := doc.Content[0]
	return len(doc.Content) == 1 && c.Kind == yaml.ScalarNode && c.Tag == "!!null" && c.Value == "" && c.Anchor == ""
}

// nextDocumentLine is the line where the YAML stream's second document
// starts (0 if none is found), for when that document does not parse. A
// document marker ("---" or "...") is only ever at the start of a line: in
// a scalar it would be a syntax error.
func nextDocumentLine(data []byte) int {
	started, content, ended := false, false, false
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		marker := func(m string) bool {
			rest, ok := strings.CutPrefix(line, m)
			return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
		}
		switch {
		case marker("---"):
			if started || content || ended {
				return i + 1
			}
			started = true
		case marker("..."):
			ended = true
		case strings.HasPrefix(line, "%") && !started && !content:
			// a directive of the first document
		default:
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
				if ended {
					return i + 1
				}
				content = true
			}
		}
	}
	return 0
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// Validate checks the whole config and reports the problems found (the
// first maxProblems of them, and how many more). types are the source
// types the build knows; each validates its sources' own settings.
func (c *Config) Validate(types SourceTypes) error {
	var probs problems
	add := probs.add

	c.Storage.Target = warehouse.DSN{}
	if c.Storage.DSN == "" {
		add("storage.dsn: required (chdb:///path or clickhouse://host:9000/db)")
	} else if t, err := warehouse.ParseDSN(c.Storage.DSN); err != nil {
		add("storage.dsn: %v", err) // the warehouse redacts passwords
	} else if t, err = t.WithCluster(c.Storage.Cluster); err != nil {
		add("storage.cluster: %v", err)
	} else {
		c.Storage.Target = t
	}

	if host, _, err := net.SplitHostPort(c.API.Listen); err != nil {
		add("api.listen: %s: want host:port (e.g. %s)", quote(c.API.Listen), DefaultListen)
	} else if !isLoopback(host) && len(c.API.Tokens) == 0 {
		add("api.listen: %s is not a loopback address and api.tokens is empty: configure tokens before exposing the API", quote(c.API.Listen))
	}
	if c.API.RateLimit < 0 || c.API.RateBurst < 0 {
		add("api.rate_limit, api.rate_burst: must not be negative (0 disables limiting)")
	}
	for i, p := range c.API.TrustedProxies {
		if _, err := ParseTrustedProxy(p); err != nil {
			add("api.trusted_proxies[%d]: %s: want an IP address or CIDR range (e.g. 10.0.0.7 or 10.0.0.0/8)", i, quote(p))
		}
	}
	for _, s := range []struct {
		key string
		v   Span
	}{
		{"read_header_timeout", c.API.ReadHeaderTimeout}, {"read_timeout", c.API.ReadTimeout},
		{"write_timeout", c.API.WriteTimeout}, {"idle_timeout", c.API.IdleTimeout},
	} {
		if s.v <= 0 {
			add("api.%s: must be greater than 0", s.key)
		}
	}
	if c.API.MaxBodyBytes <= 0 {
		add("api.max_body_bytes: must be greater than 0 (default %d)", Default().API.MaxBodyBytes)
	}
	seenTok := map[string]bool{}
	// Token values, once resolved (empty under WithoutSecrets: not
	// compared): two tokens with one value would give it the scope of
	// whichever the API registers last, so a read token could be admin.
	byValue := map[Secret]int{}
	for i, t := range c.API.Tokens {
		p := fmt.Sprintf("api.tokens[%d]", i)
		if t.Name == "" {
			add("%s.name: required", p)
		} else if seenTok[t.Name] {
			add("%s.name: duplicate token name %s", p, quote(t.Name))
		}
		seenTok[t.Name] = true
		if !slices.Contains(Scopes, t.Scope) {
			add("%s.scope: %s: want one of %s", p, quote(t.Scope), strings.Join(Scopes, ", "))
		}
		if t.TokenEnv == "" && t.TokenFile == "" {
			add("%s: one of token_env or token_file is required", p)
		}
		if t.Value != "" {
			if j, dup := byValue[t.Value]; dup {
				add("%s: same token value as %s", c.tokenLabel(i), c.tokenLabel(j))
			} else {
				byValue[t.Value] = i
			}
		}
	}

	seen := map[string]bool{}
	for i, s := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		if !nameRE.MatchString(s.Name) {
			add("%s.name: %s: want lowercase letters, digits, '.', '_' or '-'", p, quote(s.Name))
		} else if seen[s.Name] {
			add("%s.name: duplicate source name %s", p, quote(s.Name))
		}
		seen[s.Name] = true
		newSettings, known := types[s.Type]
		if !known {
			add("%s.type: unknown source type %s (%s)", p, quote(s.Type), types.oneOf())
		}
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("%s.base_url: %s: want an http(s) URL", p, quote(s.BaseURL))
		}
		if s.Schedule == "" {
			add("%s.schedule: required (cron spec such as \"*/30 * * * *\" or \"@hourly\")", p)
		} else if _, err := CronParser.Parse(s.Schedule); err != nil {
			add("%s.schedule: bad cron spec %s: %s", p, quote(s.Schedule), detail(err))
		}
		if s.TokenEnv == "" && s.TokenFile == "" {
			add("%s: one of token_env or token_file is required", p)
		}
		if known {
			set, want := s.Settings, newSettings()
			switch {
			case set == nil:
				set = want // the type's defaults
			case reflect.TypeOf(set) != reflect.TypeOf(want):
				add("%s: settings of Go type %T are not those of type %s (%T)", p, set, s.Type, want)
				set = nil
			}
			if set != nil {
				for _, prob := range set.Validate() {
					add("%s.%s", p, prob)
				}
			}
		}
	}

	seenProj := map[string]bool{}
	for i, pr := range c.Projects {
		p := fmt.Sprintf("projects[%d]", i)
		if !nameRE.MatchString(pr.Key) {
			add("%s.key: %s: want lowercase letters, digits, '.', '_' or '-'", p, quote(pr.Key))
		} else if seenProj[pr.Key] {
			add("%s.key: duplicate project key %s", p, quote(pr.Key))
		}
		seenProj[pr.Key] = true
		if !slices.Contains(ProjectTypes, pr.Type) {
			add("%s.type: %s: want one of %s", p, quote(pr.Type), strings.Join(ProjectTypes, ", "))
		}
	}
	for _, k := range c.MilestoneKinds.Kinds() {
		for i, pat := range k.Patterns {
			if _, err := regexp.Compile(pat); err != nil {
				add("milestone_kinds.%s[%d]: %s: not a regular expression: %v", k.Kind, i, quote(pat), err)
			}
		}
	}
	for _, prio := range slices.Sorted(maps.Keys(c.SLA)) {
		if !slices.Contains(Priorities, prio) {
			add("sla.%s: unknown priority (want one of %s)", bare(prio), strings.Join(Priorities, ", "))
		}
	}
	switch c.Log.Level {
	case "", "debug", "info", "warn", "error":
	default:
		add("log.level: %s: want debug, info, warn or error", quote(c.Log.Level))
	}
	switch c.Log.Format {
	case "", "text", "json":
	default:
		add("log.format: %s: want text or json", quote(c.Log.Format))
	}
	return probs.err()
}

// tokenLabel names api.tokens[i] in messages: index and name.
func (c *Config) tokenLabel(i int) string {
	return fmt.Sprintf("api.tokens[%d] (%s)", i, bare(c.API.Tokens[i].Name))
}

// CronParser parses source schedules: standard 5-field specs and
// descriptors such as @hourly.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// resolveSecrets reads every token from its token_env variable or its
// token_file (through readSecretFile, bounded).
func (c *Config) resolveSecrets(env Env) error {
	var probs problems
	read := func(what, envName, file string) Secret {
		switch {
		case envName != "":
			v, ok := env.Lookup(envName)
			if !ok || strings.TrimSpace(v) == "" {
				probs.add("%s: environment variable %s is not set", what, bare(envName))
			}
			return Secret(strings.TrimSpace(v))
		case file != "":
			v, err := readSecretFile("token_file", file)
			if err != nil {
				probs.add("%s: %v", what, err)
			}
			return v
		}
		return ""
	}
	for i := range c.API.Tokens {
		t := &c.API.Tokens[i]
		t.Value = read(c.tokenLabel(i), t.TokenEnv, t.TokenFile)
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		s.Token = read(fmt.Sprintf("sources[%d] (%s)", i, bare(s.Name)), s.TokenEnv, s.TokenFile)
	}
	return probs.err()
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
