package actions

import (
	"context"
	"encoding/json"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
)

func init() {
	register(Action{Name: "list-checks", Summary: "print the catalogue of check ids", Run: listChecks})
}

// CheckList is the output of list-checks.
type CheckList struct {
	Checks []catalog.Entry `json:"checks"`
}

func listChecks(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	return CheckList{Checks: catalog.All()}, nil
}
