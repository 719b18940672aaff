package clidoc

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// tree is `tool [-n NS] sub [--flag V] [--bool] leaf`.
func tree() *cobra.Command {
	root := &cobra.Command{Use: "tool", Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "my tool"}}
	root.PersistentFlags().StringP("namespace", "n", "", "namespace")
	sub := &cobra.Command{Use: "sub", Run: func(*cobra.Command, []string) {}}
	sub.Flags().String("flag", "x", "a | value")
	sub.Flags().Bool("bool", false, "a switch")
	sub.Flags().Int("max", -1, "a number")
	sub.AddCommand(&cobra.Command{Use: "leaf", Run: func(*cobra.Command, []string) {}})
	root.AddCommand(sub)
	return root
}

func TestCheck(t *testing.T) {
	tests := []struct {
		line string
		want string // "" for valid, else a part of the error
	}{
		{"my tool sub --flag v --bool", ""},
		{"my tool sub --flag=v -n ns", ""},
		{"my tool sub --max -1", ""},             // a value that looks like a flag
		{"my tool sub leaf -n ns", ""},           // inherited shorthand
		{"my tool sub --bool | grep --nope", ""}, // the pipe ends the line
		{"my tool sub --flag v   # --nope", ""},  // so does a comment
		{"my tool sub --help", ""},               // what Execute adds
		{"my tool sub --nope", "has no flag --nope"},
		{"my tool sub -z", "has no flag -z"},
		{"my tool nosuch", `unknown command "nosuch"`},
		{"my tool sub --bool <TAB>", ""},
	}
	for _, tt := range tests {
		err := Check(tree(), 2, tt.line)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", tt.line, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Check(%q) = %v, want an error with %q", tt.line, err, tt.want)
		}
	}
}

func TestLines(t *testing.T) {
	md := "Run `my tool sub --bool` or `other`.\n\n```sh\n$ my tool sub \\\n  --flag v\nmy tool sub leaf\necho my tool\n```\n\n```\nmy tool inside\n```\n"
	var got []string
	for _, l := range Lines(md, "my tool") {
		got = append(got, l.Text)
	}
	want := []string{"my tool sub --bool", "my tool sub  --flag v", "my tool sub leaf", "my tool inside"}
	if !slices.Equal(got, want) {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

func TestUpdatePage(t *testing.T) {
	root := tree()
	page := "# sub\n\nprose\n\n" + Block("my tool sub") + "\n\nmore prose\n"
	out, err := UpdatePage(page, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"prose\n\n<!-- BEGIN FLAGS: my tool sub -->\n| flag |", "| `--flag string` | `x` | a \\| value |", "| `--bool` | `false` | a switch |", "<!-- END FLAGS -->\n\nmore prose\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q:\n%s", want, out)
		}
	}
	if again, _ := UpdatePage(out, root); again != out {
		t.Errorf("a second update changed the page:\n%s", again)
	}
	if !slices.Equal(BlockPaths(out), []string{"my tool sub"}) {
		t.Errorf("BlockPaths = %q", BlockPaths(out))
	}
	if _, err := UpdatePage(Block("my tool gone"), root); err == nil || !strings.Contains(err.Error(), "no such command") {
		t.Errorf("a table of a missing command: %v", err)
	}
}
