package actions

import (
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

// ValidationError is input the schema accepts but the action cannot use:
// a value missing from both the input and the stored settings, a value
// the schema cannot express the rules of. The command line answers it as
// the agent answers a schema error: set-status validation-failed, the
// {field, parameter, value, error} array on stdout, exit code 10.
type ValidationError struct {
	Errors []schema.FieldError
}

func (e *ValidationError) Error() string {
	var parts []string
	for _, f := range e.Errors {
		if f.Message != "" {
			parts = append(parts, f.Message)
		} else {
			parts = append(parts, f.Field+": "+f.Error)
		}
	}
	return "invalid input: " + strings.Join(parts, "; ")
}
