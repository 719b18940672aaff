package plan

import (
	"reflect"
	"strings"
	"testing"
)

func TestImageChanges(t *testing.T) {
	tests := []struct {
		name   string
		action Action
		diff   string
		want   []ImageChange
	}{
		{"one container", Update, "@@ -1,3 +1,3 @@\n       containers:\n-      - image: nginx:1.25\n+      - image: nginx:1.27\n         name: web\n", []ImageChange{{"nginx:1.25", "nginx:1.27"}}},
		{"two, quoted", Update, "-        image: \"a:1\"\n-        image: b:1\n+        image: \"a:2\"\n+        image: b:1\n", []ImageChange{{"a:1", "a:2"}}},
		{"no image line", Update, "-  k: v\n+  k: w\n", nil},
		{"a create shows no bump", Create, "+        image: nginx:1.27\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Change{Action: tt.action, Diff: tt.diff}
			if got := c.ImageChanges(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	c := Change{Action: Update, Diff: "-      - image: nginx:1.25\n+      - image: nginx:1.27\n"}
	if d := markdownDetails(c); !strings.Contains(d, "image `nginx:1.25` → `nginx:1.27`") {
		t.Fatalf("markdown details %q", d)
	}
}
