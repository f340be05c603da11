package catalog

// manualEntries are the manual checklist items of run-preflight.
var manualEntries = []Entry{}
