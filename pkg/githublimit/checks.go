package githublimit

// CheckRunOutputChars is the most characters GitHub accepts in a check run's
// output summary and text (a longer one is refused with 422). GitHub counts them as
// bytes in practice (github/rest-api-description#5399), so a value of at most
// CheckRunOutputChars bytes always fits.
const CheckRunOutputChars = 65535

// CheckRunAnnotationsPerRequest is the most annotations GitHub accepts in one create
// or update of a check run; more are added by further updates, which append.
const CheckRunAnnotationsPerRequest = 50

// AnnotationTitleChars is the most characters GitHub accepts in an annotation's title.
const AnnotationTitleChars = 255

// AnnotationDetailsBytes is the most GitHub accepts in an annotation's message and
// in its raw details ("64 KB"; one byte less, to be safe whatever GitHub counts).
const AnnotationDetailsBytes = 65535
