package catalog

// ns7Entries are the checks of probe-ns7.
var ns7Entries = []Entry{}
