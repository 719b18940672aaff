package main

import (
	"context"
	"errors"
	"flag"
	"io"
)

// bigrepoConfig sizes the big repository phase.
type bigrepoConfig struct {
	enabled bool
}

func bigrepoFlags(b *bigrepoConfig) {
	flag.BoolVar(&b.enabled, "bigrepo", false, "also run the big repository phase")
}

func runBigRepoOnly(ctx context.Context, c config, out io.Writer, env environment) error {
	return errors.New("not yet")
}
