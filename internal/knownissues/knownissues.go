// Package knownissues is the table of public bugs of the NethVoice
// migration path that depend on a component's version: the component, the
// versions affected, what breaks, the remedy, the public source, and when
// a bug applies to a site. Checks read it (ns7.migration-tool for the NS7
// migration tool, cluster.versions for NS8's core and modules);
// docs/known-issues.md is generated from it.
package knownissues

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
)

// Component is a piece of software whose version a bug depends on.
type Component string

// The components of the migration path.
const (
	MigrationTool Component = "nethserver-ns8-migration" // the NS7 migration tool (NS7 rpm)
	Core          Component = "core"                     // NS8's core
	NethVoice     Component = "nethvoice"                // NS8's NethVoice module
	Proxy         Component = "nethvoice-proxy"          // NS8's NethVoice proxy module
)

// Names of the components in messages.
var Names = map[Component]string{
	MigrationTool: "NS7 migration tool (nethserver-ns8-migration)",
	Core:          "NS8 core",
	NethVoice:     "NethVoice",
	Proxy:         "NethVoice proxy",
}

// Verdict says whether a bug applies to a site.
type Verdict int

// Verdicts.
const (
	Unknown      Verdict = iota // the site's facts do not tell
	Applies                     // the site has what triggers the bug
	DoesNotApply                // the site has nothing that triggers it
)

// Site is what is known of the site; nil and "" mean unknown.
type Site struct {
	// ProviderType is NS7's account provider (accountprovider kinds).
	ProviderType string
	// UserDomains counts NS8's user domains.
	UserDomains *int
	// ProxyOnDest tells whether the destination node has a nethvoice-proxy.
	ProxyOnDest *bool
	// BaseDNCaseOnly tells whether an NS8 domain matches NS7's base DN only
	// when case is ignored.
	BaseDNCaseOnly *bool
	// LeaderResolves tells whether NS7 resolves the leader's VPN endpoint.
	LeaderResolves *bool
	// Prefix is NS7's international prefix (nil: not read).
	Prefix *string
	// NAT tells whether NS7's FreePBX has an external IP or local networks
	// set (kvstore_Sipsettings externip/localnets, sipsettings
	// externip_val; nil: not read).
	NAT *bool
	// Identity0Trunk tells whether a trunk's name contains "_identity0"
	// (case ignored; nil: not read).
	Identity0Trunk *bool
}

// Issue is one known bug.
type Issue struct {
	ID        string
	Component Component
	// From is the first affected version ("" for every version before
	// Fixed); Fixed the first fixed one ("" when not fixed).
	From, Fixed string
	// Blocks is true when the bug stops the migration where it applies
	// (else it breaks something after it, or is a risk).
	Blocks bool
	Breaks string
	Remedy string
	Source string
	// Condition says in words when the bug applies to a site ("" always);
	// When decides it on the site's facts (nil: always).
	Condition string
	When      func(Site) Verdict
}

// Affects reports whether a version is affected; ok is false when the
// version is not a semantic version (then nothing can be told).
func (i Issue) Affects(version string) (affected, ok bool) {
	if !cluster.ValidVersion(version) {
		return false, false
	}
	if i.From != "" && cluster.CompareVersions(version, i.From) < 0 {
		return false, true
	}
	return i.Fixed == "" || cluster.CompareVersions(version, i.Fixed) < 0, true
}

// Applies says whether the issue bites the site.
func (i Issue) Applies(s Site) Verdict {
	if i.When == nil {
		return Applies
	}
	return i.When(s)
}

// Affecting returns the issues of a component that affect a version, in
// table order; ok is false when the version is not a semantic version.
func Affecting(c Component, version string) (out []Issue, ok bool) {
	if !cluster.ValidVersion(version) {
		return nil, false
	}
	for _, i := range Table {
		if a, _ := i.Affects(version); a && i.Component == c {
			out = append(out, i)
		}
	}
	return out, true
}

// Latest is the newest version of each component the table was checked
// against, with its source (a newer one may exist).
var Latest = map[Component]string{
	MigrationTool: "1.3.8", // nethserver-ns8-migration spec changelog, 2026-06-26
}

// MinCore is the org.nethserver.min-core label of the newest release of the
// images the migration installs, for clusters whose repository metadata is
// not cached (ns8-nethvoice-proxy 80ff9de, tag 1.7.1; ns8-nethvoice
// Containerfile dcbc8d31, tag 1.6.4).
var MinCore = map[string]string{cluster.ProxyImage: "3.20.1", cluster.NethVoiceImage: "3.16.0-0"}

func known(b *bool) Verdict {
	switch {
	case b == nil:
		return Unknown
	case *b:
		return Applies
	}
	return DoesNotApply
}

func whenLocalLDAP(s Site) Verdict {
	switch s.ProviderType {
	case "":
		return Unknown
	case accountprovider.LocalLDAP:
		return Applies
	case accountprovider.RemoteLDAP:
		return Unknown // an rfc2307 directory may lack the entry too
	}
	return DoesNotApply
}

func whenLocal(s Site) Verdict {
	switch s.ProviderType {
	case "":
		return Unknown
	case accountprovider.LocalLDAP, accountprovider.LocalAD:
		return Applies
	}
	return DoesNotApply
}

var twoDigits = regexp.MustCompile(`^(00\d{2}|\+\d{2})$`)

// Table is every known issue, by component.
var Table = []Issue{
	{ID: "tool-password-pipe", Component: MigrationTool, Fixed: "1.0.3",
		Breaks:    "Connect stores the NS8 admin password in NS7's configuration database, where a `|` in it corrupts the record",
		Remedy:    "Update the migration tool; until then, use an NS8 admin whose password has no `|`",
		Source:    "NethServer/dev#6769; nethserver-ns8-migration 1.0.3 (the Connect form refuses such passwords since)",
		Condition: "the NS8 admin password used for Connect contains `|` (the preflight cannot see it)",
		When:      func(Site) Verdict { return Unknown }},
	{ID: "tool-endpoint-rollback", Component: MigrationTool, Fixed: "1.0.13", Blocks: true,
		Breaks:    "when NS7 cannot resolve the leader's VPN endpoint, Connect leaves a half-added node and a tunnel that never comes up",
		Remedy:    "Update the migration tool, and make the endpoint resolvable from NS7 (ns7.leader-dns)",
		Source:    "NethServer/dev#6958; nethserver-ns8-migration 4d01da2 (1.0.13)",
		Condition: "NS7 cannot resolve the leader's VPN endpoint",
		When:      func(s Site) Verdict { return known(not(s.LeaderResolves)) }},
	{ID: "tool-admin-credentials", Component: MigrationTool, Fixed: "1.0.16",
		Breaks: "the NS8 admin's own user name and password stay stored on NS7 (no dedicated ns7admin account)",
		Remedy: "Update the migration tool before Connect",
		Source: "NethServer/dev#6994; nethserver-ns8-migration 1.0.16"},
	{ID: "tool-basedn-case", Component: MigrationTool, Fixed: "1.0.18", Blocks: true,
		Breaks:    "NS7's base DN is compared with NS8's external domains case-sensitively: a domain that spells it in another case is not found and Connect is refused",
		Remedy:    "Update the migration tool before Connect",
		Source:    "NethServer/dev#7111; nethserver-ns8-migration 96bfaca (1.0.18)",
		Condition: "NS7's provider is remote and an NS8 domain has its base DN only in another letter case",
		When:      func(s Site) Verdict { return known(s.BaseDNCaseOnly) }},
	{ID: "tool-user-domains", Component: MigrationTool, From: "1.1.0", Fixed: "1.2.0", Blocks: true,
		Breaks:    "Connect is refused when NS8 already has any user domain",
		Remedy:    "Update the migration tool to 1.2.0 or later before Connect",
		Source:    "NethServer/dev#7222; nethserver-ns8-migration 426223c (1.2.0)",
		Condition: "NS8 already has a user domain",
		When: func(s Site) Verdict {
			if s.UserDomains == nil {
				return Unknown
			}
			return known(ptr(*s.UserDomains > 0))
		}},
	{ID: "tool-proxy-install", Component: MigrationTool, Fixed: "1.2.0", Blocks: true,
		Breaks:    "the NethVoice proxy is not installed on the destination node, and Finish fails without it",
		Remedy:    "Update the migration tool, or install and configure the NethVoice proxy on the destination node before Finish",
		Source:    "NethServer/dev#7221; nethserver-ns8-migration 47b8d40 (1.2.0)",
		Condition: "the destination node has no NethVoice proxy",
		When:      func(s Site) Verdict { return known(not(s.ProxyOnDest)) }},
	{ID: "core-ppolicy", Component: Core, From: "3.6.0-0", Fixed: "3.6.1", Blocks: true,
		Breaks:    "NS8 reads the password policy cn=default,ou=PPolicy of an rfc2307 directory, which NS7's OpenLDAP lacks: user lists are empty and Finish of the account provider fails",
		Remedy:    "Update the NS8 core to 3.6.1 or later before Connect",
		Source:    "NethServer/dev#7351; ns8-core #839, #840 (3.6.1)",
		Condition: "NS7's account provider is its local OpenLDAP (a remote rfc2307 directory may lack the entry too)",
		When:      whenLocalLDAP},
	{ID: "nethvoice-nat-settings", Component: NethVoice, Fixed: "1.0.1",
		Breaks:    "NS7's external IP and local networks are carried into NS8: hold and attended transfer fail behind the proxy",
		Remedy:    "Update NethVoice, or clear the NAT settings after the import",
		Source:    "NethServer/dev#7013; ns8-nethvoice 78eb9b9 (1.0.1)",
		Condition: "NS7 has an external IP or local networks set",
		When:      func(s Site) Verdict { return known(s.NAT) }},
	{ID: "nethvoice-prefix-digits", Component: NethVoice, Fixed: "1.0.2", Blocks: true,
		Breaks:    "the international prefix must have exactly two digits: Finish's configure-module refuses NS7's value",
		Remedy:    "Update NethVoice, or set a two-digit prefix on NS7 before Finish",
		Source:    "NethServer/dev#7043; ns8-nethvoice e0ac85a (1.0.2)",
		Condition: "NS7's international prefix has other than two digits",
		When: func(s Site) Verdict {
			if s.Prefix == nil {
				return Unknown
			}
			return known(ptr(!twoDigits.MatchString(strings.TrimSpace(*s.Prefix))))
		}},
	{ID: "nethvoice-identity0", Component: NethVoice, Fixed: "1.2.0",
		Breaks:    "trunks whose name contains identity0 (TIM's) get NethVoice's proxy as outbound proxy at import",
		Remedy:    "Update NethVoice before Finish",
		Source:    "NethServer/dev#7247; ns8-nethvoice 256b7216 (1.2.0)",
		Condition: "a trunk's name contains identity0",
		When:      func(s Site) Verdict { return known(s.Identity0Trunk) }},
	{ID: "nethvoice-users-admin-route", Component: NethVoice, Fixed: "1.2.3",
		Breaks:    "when the migrated local provider is finished, the users-admin route is missing and users vanish from FreePBX until it restarts",
		Remedy:    "Update NethVoice before finishing the account provider's migration",
		Source:    "NethServer/dev#7156, #7354; ns8-nethvoice 45374cf (1.2.3)",
		Condition: "NS7's account provider is local",
		When:      whenLocal},
	{ID: "nethvoice-migration-every-start", Component: NethVoice, Fixed: "1.4.3",
		Breaks: "the import script runs at every FreePBX start and overwrites the trunks' and extensions' manual fixes",
		Remedy: "Update NethVoice before Finish",
		Source: "NethServer/dev#7606; ns8-nethvoice 53331e94 (1.4.3)"},
	{ID: "nethvoice-freepbx-modules", Component: NethVoice, Fixed: "1.7.7",
		Breaks: "FreePBX modules imported from NS7 stay at mismatched versions (framework, core): fwconsole reload and applying changes fail until they are force-installed",
		Remedy: "Update NethVoice before Finish; otherwise force-install the listed modules with fwconsole ma install -f",
		Source: "NethServer/dev#8119 (fixed in 1.7.7 per the thread), #7958"},
}

func ptr[T any](v T) *T { return &v }

func not(b *bool) *bool {
	if b == nil {
		return nil
	}
	return ptr(!*b)
}

// Say is the issue in words for a site where v was judged: what breaks,
// whether it applies here (or the condition not known here), the source
// and the fixed version. DoesNotApply has no words of its own: "".
func (i Issue) Say(v Verdict) string {
	switch v {
	case Applies:
		return fmt.Sprintf("%s, and it applies here (%s; fixed in %s)", i.Breaks, i.Source, i.Fixed)
	case Unknown:
		return fmt.Sprintf("%s (it applies when %s, not known here; %s; fixed in %s)", i.Breaks, i.Condition, i.Source, i.Fixed)
	}
	return ""
}
