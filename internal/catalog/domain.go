package catalog

// domainEntries are the checks of check-user-domain.
var domainEntries = []Entry{}
