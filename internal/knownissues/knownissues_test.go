package knownissues

import (
	"regexp"
	"testing"
)

func TestAffects(t *testing.T) {
	ppolicy := byID(t, "core-ppolicy")
	// A pre-release of the fixed version sorts before it: affected, to be safe.
	for v, want := range map[string]bool{"3.5.9": false, "3.6.0-dev.3": true, "3.6.0": true, "3.6.1-dev.1": true, "3.6.1": false, "3.20.1": false} {
		if got, ok := ppolicy.Affects(v); !ok || got != want {
			t.Errorf("core %s: affected %v (ok %v), want %v", v, got, ok, want)
		}
	}
	if _, ok := ppolicy.Affects("latest"); ok {
		t.Error("a tag that is not a version cannot be judged")
	}
	domains := byID(t, "tool-user-domains")
	for v, want := range map[string]bool{"1.0.18": false, "1.1.0": true, "1.1.4": true, "1.2.0": false} {
		if got, _ := domains.Affects(v); got != want {
			t.Errorf("tool %s: %v, want %v", v, got, want)
		}
	}
	if got, ok := Affecting(MigrationTool, "1.0.15"); !ok || len(got) != 3 {
		t.Errorf("tool 1.0.15 has the admin-credentials, base-DN and proxy-install bugs: %v", ids(got))
	}
	if got, _ := Affecting(MigrationTool, Latest[MigrationTool]); len(got) != 0 {
		t.Errorf("the newest tool has no known bug: %v", ids(got))
	}
}

func TestApplies(t *testing.T) {
	yes, no := true, false
	zero, two := 0, 2
	for _, c := range []struct {
		id   string
		site Site
		want Verdict
	}{
		{"core-ppolicy", Site{ProviderType: "local-ldap"}, Applies},
		{"core-ppolicy", Site{ProviderType: "remote-ldap"}, Unknown},
		{"core-ppolicy", Site{ProviderType: "local-ad"}, DoesNotApply},
		{"core-ppolicy", Site{}, Unknown},
		{"tool-user-domains", Site{UserDomains: &two}, Applies},
		{"tool-user-domains", Site{UserDomains: &zero}, DoesNotApply},
		{"tool-proxy-install", Site{ProxyOnDest: &no}, Applies},
		{"tool-proxy-install", Site{ProxyOnDest: &yes}, DoesNotApply},
		{"tool-basedn-case", Site{BaseDNCaseOnly: &yes}, Applies},
		{"tool-endpoint-rollback", Site{LeaderResolves: &no}, Applies},
		{"tool-endpoint-rollback", Site{}, Unknown},
		{"nethvoice-prefix-digits", Site{Prefix: ptr("+1")}, Applies},
		{"nethvoice-prefix-digits", Site{Prefix: ptr("0039")}, DoesNotApply},
		{"nethvoice-prefix-digits", Site{Prefix: ptr("")}, Applies},
		{"tool-admin-credentials", Site{}, Applies},
		{"nethvoice-nat-settings", Site{NAT: &yes}, Applies},
		{"nethvoice-nat-settings", Site{NAT: &no}, DoesNotApply},
		{"nethvoice-nat-settings", Site{}, Unknown},
		{"nethvoice-identity0", Site{Identity0Trunk: &yes}, Applies},
		{"nethvoice-identity0", Site{Identity0Trunk: &no}, DoesNotApply},
		{"nethvoice-identity0", Site{}, Unknown},
	} {
		if got := byID(t, c.id).Applies(c.site); got != c.want {
			t.Errorf("%s on %+v: %v, want %v", c.id, c.site, got, c.want)
		}
	}
}

func TestTableWellFormed(t *testing.T) {
	idRe := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)
	seen := map[string]bool{}
	for _, i := range Table {
		if !idRe.MatchString(i.ID) || seen[i.ID] {
			t.Errorf("bad or repeated id %q", i.ID)
		}
		seen[i.ID] = true
		if Names[i.Component] == "" || i.Breaks == "" || i.Remedy == "" || i.Source == "" || i.Fixed == "" {
			t.Errorf("%s: incomplete", i.ID)
		}
		if _, ok := i.Affects(i.Fixed); !ok {
			t.Errorf("%s: fixed version %q is not a version", i.ID, i.Fixed)
		}
		if a, _ := i.Affects(i.Fixed); a {
			t.Errorf("%s: the fixed version is affected", i.ID)
		}
	}
}

func byID(t *testing.T, id string) Issue {
	t.Helper()
	for _, i := range Table {
		if i.ID == id {
			return i
		}
	}
	t.Fatalf("no issue %s", id)
	return Issue{}
}

func ids(is []Issue) []string {
	var out []string
	for _, i := range is {
		out = append(out, i.ID)
	}
	return out
}
