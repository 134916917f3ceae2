package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReplaceSectionKeepsWhatSurroundsTheMarkerLines(t *testing.T) {
	file := filepath.Join(t.TempDir(), "doc.md")
	doc := "# Doc\n\nThe tool rewrites what lies between `<!-- bench:curves -->` and `<!-- /bench:curves -->`.\n\n" +
		"## Figures\n\n<!-- bench:curves -->\nold figures\n<!-- /bench:curves -->\n\n## After\n\nkept\n"
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, report := range []string{"### Run 1\n\n| a |\n", "### Run 2\n"} {
		if err := replaceSection(file, report); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Doc\n\nThe tool rewrites what lies between `<!-- bench:curves -->` and `<!-- /bench:curves -->`.\n\n" +
		"## Figures\n\n<!-- bench:curves -->\n\n### Run 2\n\n<!-- /bench:curves -->\n\n## After\n\nkept\n"
	if string(got) != want {
		t.Errorf("document after two runs:\n%s\nwant:\n%s", got, want)
	}

	if err := os.WriteFile(file, []byte("no markers, only `<!-- bench:curves -->` in prose\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := replaceSection(file, "x"); err == nil {
		t.Error("a document without marker lines was accepted")
	}
}
