package redact

// Error returns err with its message redacted; errors.Is and errors.As still see the
// errors it wraps. It returns err itself when there is nothing to redact.
func (r *Redactor) Error(err error) error {
	if r == nil {
		return err
	}
	return ErrorWith(err, r.String)
}

// ErrorWith returns err with its message rewritten by clean (a redaction); errors.Is
// and errors.As still see the errors it wraps. It returns err itself when err is nil
// or clean leaves its message as it is.
func ErrorWith(err error, clean func(string) string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := clean(msg)
	if red == msg {
		return err
	}
	return &redactedError{msg: red, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
