package manualcheck

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

func TestJudge(t *testing.T) {
	cl := map[string]store.ChecklistEntry{
		"backup":         {Done: true, Note: "on the NAS", By: "admin", At: "2026-11-30T05:00:00Z"},
		"dns-admin":      {Done: true, At: "2026-11-30T05:00:00Z"},
		"users-notified": {Done: false, By: "admin"},
	}
	fs := All(Facts{Checklist: cl, ModuleID: "nethvoice-preflight1"})
	if len(fs) != len(Items) {
		t.Fatalf("%d findings for %d items", len(fs), len(Items))
	}
	by := map[string]report.Finding{}
	for _, f := range fs {
		by[f.ID] = f
	}
	if f := by["manual.backup"]; f.Status != report.Pass || f.Message != "confirmed by admin at 2026-11-30T05:00:00Z: on the NAS" {
		t.Errorf("%+v", f)
	}
	if f := by["manual.dns-admin"]; f.Status != report.Pass || f.Message != "confirmed by root (api-cli) at 2026-11-30T05:00:00Z" {
		t.Errorf("ticked with api-cli as root: %+v", f)
	}
	for _, id := range []string{"manual.users-notified", "manual.rollback-plan"} {
		if f := by[id]; f.Status != report.Warn || f.Remediation == nil || len(f.Remediation.Commands) != 1 {
			t.Errorf("unticked %s: %+v", id, f)
		}
	}
	for _, f := range All(Facts{Unavailable: "no cluster database"}) {
		if f.Status != report.Skip || f.Message != "no cluster database" {
			t.Errorf("%+v", f)
		}
	}
}

// set-checklist accepts exactly the items judged here.
func TestSchemaEnumIsTheItems(t *testing.T) {
	raw, err := os.ReadFile("../../imageroot/validator-definitions.json")
	if err != nil {
		t.Fatal(err)
	}
	var defs struct {
		Definitions struct {
			Item struct {
				Enum []string `json:"enum"`
			} `json:"checklist_item"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &defs); err != nil {
		t.Fatal(err)
	}
	enum := defs.Definitions.Item.Enum
	if len(enum) != len(Items) {
		t.Fatalf("schema enum %v, items %d", enum, len(Items))
	}
	for i, m := range Items {
		if enum[i] != m.Item {
			t.Errorf("item %d: schema %q, code %q", i, enum[i], m.Item)
		}
	}
}
