package nodecheck

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/knownissues"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

var Versions = &check.Check[Facts]{Meta: check.Meta{
	ID: "cluster.versions", Title: "NS8 versions without known migration bugs", Action: Action, Area: check.System,
	Verifies: "The NS8 core of the leader and of the destination node, and NethVoice (installed, or the " +
		"release the migration tool will install), have no known bug that stops this migration, and the " +
		"destination node's core is recent enough for NethVoice.",
	Doc: "Subject `core`: the core version of the leader and of the destination node (`node/<n>/environment` " +
		"`IMAGE_URL`, as the core reads it) against the known issues (docs/known-issues.md); a bug that " +
		"applies to this site (for example core 3.6.0 with NS7's OpenLDAP) is a `fail`, one that may apply " +
		"a `warn`. The destination node's core must be at least NethVoice's `org.nethserver.min-core` (from " +
		"the repository metadata the cluster caches, else the built-in value), or the migration tool cannot " +
		"install NethVoice there: `fail`. Subject `nethvoice`: every installed NethVoice instance " +
		"(`module/<id>/environment` `IMAGE_URL`), or the newest stable release in the repositories when none " +
		"is installed, against the known issues: blocking bugs that apply are a `fail`, the others a `warn`. " +
		"A version that cannot be read is said so (`warn`), never judged as a value.",
}, Eval: versions, Took: clusterTook}

func versions(f Facts) []report.Finding {
	if s := clusterSkip(f, "core"); s != nil {
		return []report.Finding{*s}
	}
	return []report.Finding{coreVersions(f), nethvoiceVersions(f)}
}

// judged is one component version's known issues, as a verdict.
type judged struct {
	status report.Status
	notes  []string
	ids    []string
}

// judge weighs the issues of a component version for the site: a blocking
// issue that applies fails, one that may apply or does not block warns.
// what names the component and its version ("node 1's core 3.6.0").
func (j *judged) judge(c knownissues.Component, what, version string, s knownissues.Site) {
	issues, ok := knownissues.Affecting(c, version)
	if !ok {
		j.add(report.Warn, fmt.Sprintf("%s: the version is unknown (%q), so its known issues cannot be told", what, version))
		return
	}
	for _, i := range issues {
		j.ids = append(j.ids, i.ID)
		switch v := i.Applies(s); {
		case v == knownissues.DoesNotApply:
			j.notes = append(j.notes, fmt.Sprintf("%s has a known bug that does not apply here (%s)", what, i.ID))
		case v == knownissues.Applies && i.Blocks:
			j.add(report.Fail, fmt.Sprintf("%s: %s", what, i.Say(v)))
		default:
			j.add(report.Warn, fmt.Sprintf("%s: %s", what, i.Say(v)))
		}
	}
}

func (j *judged) add(st report.Status, note string) {
	j.status = worse(j.status, st)
	j.notes = append(j.notes, note)
}

func worse(a, b report.Status) report.Status {
	rank := map[report.Status]int{report.Pass: 0, report.Skip: 0, report.Warn: 1, report.Fail: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func coreVersions(f Facts) report.Finding {
	fd := report.Finding{Subject: "core"}
	j := judged{status: report.Pass}
	dest := f.Dest
	if dest == "" {
		dest = f.ThisNode
	}
	cores := map[string]string{}
	for _, id := range uniqueNodes(f.Cluster.Leader, dest) {
		n := f.Cluster.Nodes[id]
		if n == nil {
			continue
		}
		cores[id] = n.CoreVersion()
		j.judge(knownissues.Core, "node "+id+"'s core "+n.CoreVersion(), n.CoreVersion(), f.Site)
	}
	minCore, from := appMinCore(f.Cluster, cluster.NethVoiceImage)
	if v := cores[dest]; cluster.ValidVersion(v) && cluster.CompareVersions(v, minCore) < 0 {
		j.add(report.Fail, fmt.Sprintf("node %s runs core %s, but NethVoice needs at least %s (from %s): the migration tool cannot install it there", dest, v, minCore, from))
	}
	fd.Data = map[string]any{"cores": cores, "nethvoice_min_core": minCore, "known_issues": nonNilStrings(j.ids)}
	return finish(fd, j, fmt.Sprintf("the core of %s has no known migration bug and meets NethVoice's minimum %s", nodeList(cores), minCore),
		check.Hint("Update the NS8 core (Software Center > Core apps) before Connect", updateCore(cores)))
}

func nethvoiceVersions(f Facts) report.Finding {
	fd := report.Finding{Subject: "nethvoice"}
	j := judged{status: report.Pass}
	var judgedWhat []string
	for _, nv := range f.Cluster.NethVoice {
		v := cluster.ImageTag(f.Cluster.Modules[nv.ID].URL)
		j.judge(knownissues.NethVoice, nv.ID+" "+v, v, f.Site)
		judgedWhat = append(judgedWhat, nv.ID+" "+v)
	}
	if len(f.Cluster.NethVoice) == 0 {
		a, ok := f.Cluster.Apps[cluster.NethVoiceImage]
		if !ok {
			fd.Status = report.Skip
			fd.Message = "NethVoice is not installed, and the release the migration tool will install is unknown: the cluster caches no repository metadata (open the Software Center once, then run the check again)"
			return fd
		}
		j.judge(knownissues.NethVoice, "NethVoice "+a.Version+", the release Start will install (repository "+a.Repository+")", a.Version, f.Site)
		judgedWhat = append(judgedWhat, "NethVoice "+a.Version+" as the repositories offer it")
	}
	fd.Data = map[string]any{"judged": judgedWhat, "known_issues": nonNilStrings(j.ids)}
	return finish(fd, j, strings.Join(judgedWhat, ", ")+": no known migration bug",
		check.Hint("Update NethVoice (Software Center) before Finish"))
}

// finish writes the verdict: a pass message, or the notes and the remedy.
func finish(fd report.Finding, j judged, pass string, rem *report.Remediation) report.Finding {
	fd.Status = j.status
	if j.status == report.Pass {
		fd.Message = pass
		if len(j.notes) > 0 {
			fd.Message += "; " + strings.Join(j.notes, "; ")
		}
		return fd
	}
	fd.Message = strings.Join(j.notes, "; ")
	fd.Remediation = rem
	return fd
}

// appMinCore is an app's minimum core: from the cached repository
// metadata, else the built-in value.
func appMinCore(s *cluster.Snapshot, image string) (string, string) {
	if a, ok := s.Apps[image]; ok && a.MinCore != "" {
		return a.MinCore, fmt.Sprintf("%s %s in repository %s", image, a.Version, a.Repository)
	}
	return knownissues.MinCore[image], "the built-in value (no repository metadata cached on this cluster)"
}

func uniqueNodes(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && (len(out) == 0 || out[len(out)-1] != id) {
			out = append(out, id)
		}
	}
	return out
}

func nodeList(cores map[string]string) string {
	var parts []string
	for _, id := range uniqueNodes(check.SortedKeys(cores)...) {
		parts = append(parts, fmt.Sprintf("node %s (%s)", id, cores[id]))
	}
	return strings.Join(parts, " and ")
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// updateCore is the command that updates the core of the given nodes
// (ns8-core cluster/update-core: "nodes" is required, the newest core
// when no core_url is given).
func updateCore(cores map[string]string) string {
	ids := make([]int, 0, len(cores))
	for id := range cores {
		if n, err := strconv.Atoi(id); err == nil {
			ids = append(ids, n)
		}
	}
	sort.Ints(ids)
	b, _ := json.Marshal(map[string]any{"nodes": ids})
	return "api-cli run cluster/update-core --data '" + string(b) + "'"
}
