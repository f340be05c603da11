package actions

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

// checkIgnore enforces the rules of an ignore list that the schema cannot
// express: every id is in the catalogue (an id or one of its aliases), and
// every entry says why. An entry without a reason would hide a blocking
// finding with no word of why; an unknown id (a typo) would hide nothing
// while looking as if it did. A broken rule is a *ValidationError naming
// the entry (exit 10).
func checkIgnore(list []report.Ignore) error {
	var errs []schema.FieldError
	for i, ig := range list {
		field := fmt.Sprintf("ignore.%d", i)
		if _, ok := catalog.Lookup(ig.ID); !ok {
			msg := fmt.Sprintf("%s: %q is not a check id", field, ig.ID)
			if c := schema.Closest(ig.ID, catalogIDs()); c != "" {
				msg += fmt.Sprintf(": did you mean %q?", c)
			}
			errs = append(errs, schema.FieldError{Field: field + ".id", Parameter: "ignore", Value: ig.ID,
				Error: "ignore_unknown_check", Message: msg + " (list-checks prints every id)"})
		}
		if strings.TrimSpace(ig.Reason) == "" {
			errs = append(errs, schema.FieldError{Field: field + ".reason", Parameter: "ignore", Value: ig.Reason,
				Error: "ignore_reason_required", Message: fmt.Sprintf("%s (%s) has no reason: say why this check may be ignored", field, ig.ID)})
		}
	}
	if errs != nil {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// checkIgnoreInput applies checkIgnore to the "ignore" key of a raw input.
func checkIgnoreInput(input json.RawMessage) error {
	var in struct {
		Ignore []report.Ignore `json:"ignore"`
	}
	if err := decode(input, &in); err != nil {
		return err
	}
	return checkIgnore(in.Ignore)
}

func catalogIDs() []string {
	var ids []string
	for _, e := range catalog.All() {
		ids = append(ids, e.ID)
		ids = append(ids, e.Aliases...)
	}
	return ids
}
