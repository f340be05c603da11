package catalog

// fqdnEntries are the checks of validate-fqdns.
var fqdnEntries = []Entry{}
