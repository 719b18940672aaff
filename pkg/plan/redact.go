package plan

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// RedactSecretValues returns msg with every value of the Secret u replaced by
// MaskedUnchanged (see redact.Redactor for the forms a value is found in). The API
// server echoes an offending value in some errors (".stringData.pin: expected string,
// got &value.valueUnstructured{Value:1234}"), so every error about a Secret passes
// through here before it is shown. Messages about other kinds are returned unchanged.
func RedactSecretValues(u *unstructured.Unstructured, msg string) string {
	if !isSecret(u) {
		return msg
	}
	r := redact.New()
	r.AddSecret(u.Object)
	return r.String(msg)
}

// RedactSecretValues returns msg with every value of the change's desired object
// replaced when that object is a Secret (see the function RedactSecretValues), for an
// error about applying it. The object is decoded from DesiredJSON only here, on the
// error path; a Secret whose JSON cannot be decoded hides msg altogether.
func (c *Change) RedactSecretValues(msg string) string {
	if c.ID.Group != "" || c.ID.Kind != "Secret" {
		return msg
	}
	u, err := c.DesiredObject()
	if err != nil {
		return "(error not shown: it may quote a value of the Secret, whose desired object cannot be read)"
	}
	return RedactSecretValues(u, msg)
}

// Redact redacts the problems and the errors of the changes of p with r: the values of
// every Secret of the render, which an error about another object may quote too.
func (p *Plan) Redact(r *redact.Redactor) {
	if r.Empty() {
		return
	}
	for i := range p.Problems {
		p.Problems[i].Message = r.String(p.Problems[i].Message)
	}
	for i := range p.Changes {
		p.Changes[i].Error = r.String(p.Changes[i].Error)
	}
}
