package fqdncheck

import (
	"fmt"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// LetsEncryptCAA is the issuer domain Let's Encrypt looks for in CAA
// records (letsencrypt.org/docs/caa).
const LetsEncryptCAA = "letsencrypt.org"

// The challenge NS8's Traefik answers: HTTP-01 on port 80 (ns8-traefik).
const traefikChallenge = "http-01"

var CheckCertificate = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.certificate", Title: "Let's Encrypt can issue the certificate", Action: Action, Area: check.DNS,
	Verifies: "With lets_encrypt, each FQDN resolves to public addresses only and its CAA records (RFC 8659) " +
		"let Let's Encrypt issue, as Let's Encrypt itself would judge them.",
	Doc: "Judged offline as a CA would (in the spirit of Let's Debug), when `lets_encrypt` is asked: an A " +
		"record with a private or reserved address is a `fail` (Let's Encrypt validates over the " +
		"Internet). The relevant CAA set is the first non-empty one from the name up its parents, the " +
		"root excluded, each lookup following CNAMEs (RFC 8659 §3): none means any CA may issue; a set " +
		"whose `issue` properties name no `letsencrypt.org` (compared ignoring case and parameters), an " +
		"`issue \";\"` that forbids every CA, a `validationmethods` parameter without `http-01` (the " +
		"challenge NS8's Traefik answers, RFC 8657), or a critical property the CA does not know is a " +
		"`fail`; so is a CAA lookup the resolver answers with SERVFAIL (Let's Encrypt does not issue when " +
		"it cannot read CAA). A lookup that got no answer at all (silence, unreachable, refused: the " +
		"resolver's own limits, which say nothing of what Let's Encrypt will read) is a `warn`: unknown. " +
		"An AAAA record elsewhere stays `fqdn.aaaa`'s `warn`. `skip` without `lets_encrypt`.",
}, Eval: checkCertificate}

func checkCertificate(f Facts) []report.Finding {
	if !f.LetsEncrypt {
		var out []report.Finding
		for _, s := range f.subjects() {
			out = append(out, newFinding(s, report.Skip, "no Let's Encrypt certificate asked for (lets_encrypt is off)"))
		}
		return out
	}
	return f.perName(func(s subject, nf *dnsprobe.NameFacts, fd report.Finding) report.Finding {
		var fails []string
		addrs, _ := published(nf, "A")
		if priv := nonPublic(addrs); len(priv) > 0 {
			fails = append(fails, fmt.Sprintf("it resolves to %s, not a public address: Let's Encrypt validates over the Internet", strings.Join(priv, ", ")))
		}
		caaMsg, caaFail := judgeCAA(nf.CAA)
		fd.Data["caa"] = nf.CAA
		if caaFail {
			fails = append(fails, caaMsg)
		}
		if len(fails) == 0 && caaUnknown(nf.CAA) {
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("whether Let's Encrypt can issue for %s is unknown: %s", s.ASCII, caaMsg)
			fd.Remediation = hint(fmt.Sprintf("Look up the CAA records of %s and its parents from a resolver that reaches the public DNS", s.ASCII), "dig "+s.ASCII+" CAA")
			return fd
		}
		if len(fails) == 0 {
			fd.Message = fmt.Sprintf("Let's Encrypt can issue for %s: %s", s.ASCII, caaMsg)
			return fd
		}
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("Let's Encrypt would not issue for %s: %s", s.ASCII, strings.Join(fails, "; "))
		fd.Remediation = hint(fmt.Sprintf("Publish a public A record for %s and let Let's Encrypt issue in its CAA records (e.g. %s. CAA 0 issue \"%s\"), or do not ask for a Let's Encrypt certificate",
			s.ASCII, caaOwner(nf.CAA, s.ASCII), LetsEncryptCAA), f.digResolver(s.ASCII, "CAA"))
		return fd
	})
}

func caaOwner(c *dnsprobe.CAA, name string) string {
	if c != nil && c.Owner != "" {
		return c.Owner
	}
	return name
}

// judgeCAA says what a relevant CAA set means for Let's Encrypt, and
// whether it stops the issuance.
func judgeCAA(c *dnsprobe.CAA) (string, bool) {
	switch {
	case c == nil:
		return "its CAA records were not looked up", false
	case caaUnknown(c):
		return fmt.Sprintf("the CAA lookup of %s got no answer (%s), so the CAA records could not be read", c.Failed.Name, c.Failed.Outcome), false
	case c.Failed != nil:
		return fmt.Sprintf("the CAA lookup of %s failed (%s): Let's Encrypt does not issue when it cannot read CAA", c.Failed.Name, c.Failed.Outcome), true
	case c.Owner == "":
		return "no CAA record on the name or its parents: any CA may issue", false
	}
	var issuers []string
	for _, r := range c.Records {
		switch {
		case r.Critical() && !knownCAATag(r.Tag):
			return fmt.Sprintf("the CAA set at %s has a critical property %q that CAs must not ignore", c.Owner, r.Tag), true
		case r.Tag != "issue":
			continue
		}
		domain, params, _ := strings.Cut(r.Value, ";")
		domain = strings.TrimSpace(domain)
		issuers = append(issuers, orText(domain, `";" (no CA)`))
		if strings.EqualFold(domain, LetsEncryptCAA) {
			if m, ok := validationMethods(params); ok && !strings.Contains(m, traefikChallenge) {
				return fmt.Sprintf("the CAA set at %s lets Let's Encrypt issue only with validation methods %s, not %s, the challenge NS8 answers", c.Owner, m, traefikChallenge), true
			}
			return fmt.Sprintf("the CAA set at %s lets %s issue", c.Owner, LetsEncryptCAA), false
		}
	}
	if len(issuers) == 0 {
		return fmt.Sprintf("the CAA set at %s has no issue property: any CA may issue", c.Owner), false
	}
	return fmt.Sprintf("the CAA set at %s lets only %s issue, not %s", c.Owner, strings.Join(issuers, ", "), LetsEncryptCAA), true
}

// caaUnknown is a climb cut by a question that got no answer (silence,
// unreachable, refused): the resolver's limit, not the zone's answer.
// caaUnknown is true when the CAA records could not be read: not looked
// up at all, or a lookup without an answer (never read as "no CAA").
func caaUnknown(c *dnsprobe.CAA) bool {
	return c == nil || c.Failed != nil && (c.Failed.Outcome.Transport() || c.Failed.Outcome == dnsprobe.Refused)
}

func knownCAATag(tag string) bool {
	switch tag {
	case "issue", "issuewild", "iodef", "contactemail", "contactphone", "issuemail", "issuevmc":
		return true
	}
	return false
}

// validationMethods returns the validationmethods parameter (RFC 8657) of an
// issue value's parameters.
func validationMethods(params string) (string, bool) {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "validationmethods") {
			return strings.ToLower(strings.TrimSpace(v)), true
		}
	}
	return "", false
}
