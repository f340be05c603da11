package check

import (
	"fmt"
	"maps"
	"slices"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Hint is a remediation: what to do, and the commands that do or show it.
func Hint(h string, cmds ...string) *report.Remediation {
	return &report.Remediation{Hint: h, Commands: cmds}
}

// Skip is the finding of a check that cannot judge subject, and why.
func Skip(subject, why string) report.Finding {
	return report.Finding{Subject: subject, Status: report.Skip, Message: why}
}

// ClusterGap says why a check that reads the cluster database cannot judge
// ("" when the snapshot is there): a stand-alone run outside NS8, or a read
// that failed; see names the check of the same report that tells more, if
// any.
func ClusterGap(s cluster.State, see string) string {
	switch {
	case !s.RedisConfigured:
		return "no cluster database: REDIS_ADDRESS is not set (stand-alone run outside NS8)"
	case s.Cluster == nil && see != "":
		return "the cluster database could not be read (see " + see + "): " + s.ClusterErr
	case s.Cluster == nil:
		return "the cluster database could not be read: " + s.ClusterErr
	}
	return ""
}

// Bytes writes a size in binary units ("1.5 GiB"); negative sizes read 0.
func Bytes[N int64 | uint64](n N) string {
	if n < 0 {
		n = 0
	}
	b := uint64(n)
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := uint64(unit), 0
	for m := b / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}

// ActionCommand is the command line a person types to run one of this
// module's actions: `api-cli run module/<id>/<action>` on the NS8 leader, or
// `nethvoice-preflight <action>` in a stand-alone run (no module id). data
// is the JSON input, already quoted for a POSIX shell ("" for none).
func ActionCommand(moduleID, action, data string) string {
	c := "nethvoice-preflight " + action
	if moduleID != "" {
		c = "api-cli run module/" + moduleID + "/" + action
	}
	if data != "" {
		c += " --data " + data
	}
	return c
}

// Count is n with its noun, singular or plural ("1 server", "2 servers"):
// plural is the plural form, "" for noun+"s".
func Count(n int, noun, plural string) string {
	if n == 1 {
		return "1 " + noun
	}
	if plural == "" {
		plural = noun + "s"
	}
	return fmt.Sprintf("%d %s", n, plural)
}

// SortedKeys returns the keys of m in order, never nil (an empty list in
// JSON is [], not null).
func SortedKeys[V any](m map[string]V) []string {
	return append([]string{}, slices.Sorted(maps.Keys(m))...)
}
