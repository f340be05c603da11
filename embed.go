// Package nethvoicepreflight embeds the action schemas of imageroot/ so that
// the binary validates its input and output against the very files the NS8
// agent uses: one source of truth, also when run stand-alone.
package nethvoicepreflight

import "embed"

// Schemas holds imageroot/validator-definitions.json and every
// imageroot/actions/<action>/validate-{input,output}.json.
//
//go:embed imageroot/validator-definitions.json imageroot/actions/*/validate-*.json
var Schemas embed.FS
