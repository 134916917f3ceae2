// Package browser drives a Rollcall node the way its front ends do: the npm
// websocket clients, Apollo Client, the graphql-http audits, and GraphiQL
// and the console in headless Chromium, all run by Node.js from
// e2e/jsclients. It is a package of its own, apart from e2e, so that
// `go test ./...` runs these slow, mostly waiting tests beside the other
// packages rather than after the rest of e2e.
package browser
