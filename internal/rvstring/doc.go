// Package rvstring formats resourceVersions for the store and the event
// logs, which number their writes consecutively: it formats the next few
// versions at once into one string, and each version is a substring of
// it. A write then costs a substring instead of an allocation of its own;
// a version kept alive keeps its batch (at most batch versions, 160
// bytes) alive with it.
package rvstring
