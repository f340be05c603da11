package ns7

import (
	"os"
	"strings"
	"testing"
)

// docs/ns7-commands.md lists every command the probe runs: a command
// added here without its line there fails.
func TestCommandsDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../docs/ns7-commands.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, c := range (Plan{LeaderHost: "leader.example.test", FQDNs: []string{"a.example.org"}}).Commands() {
		id := c.ID
		if strings.HasPrefix(id, CmdFQDN) {
			id = CmdFQDN + "<n>"
		}
		if !strings.Contains(doc, "| `"+id+"` |") {
			t.Errorf("command %s is not in docs/ns7-commands.md", c.ID)
		}
		for _, arg := range c.Argv {
			if strings.HasPrefix(arg, "SELECT") && !strings.Contains(doc, arg) {
				t.Errorf("query of %s differs from the doc: %s", c.ID, arg)
			}
		}
	}
}
