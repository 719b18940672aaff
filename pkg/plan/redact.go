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
