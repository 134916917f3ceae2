package main

// The GraphQL layer is generated from graph/schema/*.graphqls by gqlgen,
// pinned as a Go tool in go.mod. Generated files are committed.
//go:generate go tool gqlgen generate --config gqlgen.yml
