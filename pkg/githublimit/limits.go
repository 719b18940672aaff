package githublimit

// CommentChars is the most characters GitHub accepts in the body of an issue or pull
// request comment (a longer one is refused with 422). A character is never less
// than a byte, so a body of at most CommentChars bytes always fits.
const CommentChars = 65536
