package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

// An input the schema accepts but the action cannot use (validate-fqdns
// without FQDNs in the input or the settings) is answered as a schema
// error: set-status validation-failed, the agent's array, exit 10.
func TestActionValidationErrorIsExit10(t *testing.T) {
	env := agentEnv(t)
	r := run(t, env, "", "validate-fqdns", "--data", `{"cti_fqdn":"cti.example.com","timeout_s":1}`)
	if r.code != agent.ExitValidation {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	var errs []schema.FieldError
	if err := json.Unmarshal([]byte(r.stdout), &errs); err != nil || len(errs) != 1 || errs[0].Field != "nethvoice_fqdn" || errs[0].Error != "nethvoice_fqdn_required" {
		t.Fatalf("%v %s", err, r.stdout)
	}
	if !strings.Contains(r.stderr, "set-status validation-failed") {
		t.Errorf("no set-status on the channel: %q", r.stderr)
	}
}
