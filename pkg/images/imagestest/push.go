package imagestest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// Image is a small image (no layers) built at created.
func Image(created time.Time) (v1.Image, error) {
	return mutate.CreatedAt(empty.Image, v1.Time{Time: created})
}

// PushTags writes img to host/repo (plain HTTP) under every tag: the image once, then
// one manifest PUT per further tag.
func PushTags(ctx context.Context, host, repo string, img v1.Image, tags ...string) error {
	if len(tags) == 0 {
		return nil
	}
	ref, err := name.NewTag(fmt.Sprintf("%s/%s:%s", host, repo, tags[0]), name.Insecure)
	if err != nil {
		return err
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	mt, err := img.MediaType()
	if err != nil {
		return err
	}
	for _, tag := range tags[1:] {
		if err := PutManifest(ctx, netguard.Client(), host, repo, tag, raw, string(mt)); err != nil {
			return err
		}
	}
	return nil
}

// PutManifest tags a manifest already pushed to host/repo.
func PutManifest(ctx context.Context, client *http.Client, host, repo, tag string, raw []byte, mediaType string) error {
	url := fmt.Sprintf("http://%s/v2/%s/manifests/%s", host, repo, tag)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mediaType)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("PUT %s: %s", url, resp.Status)
	}
	return nil
}
