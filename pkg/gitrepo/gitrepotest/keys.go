package gitrepotest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// Key is an ed25519 key pair: the private key, its signer, and the private key as an
// OpenSSH PEM file would hold it.
type Key struct {
	Private ed25519.PrivateKey
	Signer  ssh.Signer
	PEM     []byte
}

// Public is the public half.
func (k Key) Public() ssh.PublicKey { return k.Signer.PublicKey() }

// NewKey generates an ed25519 key pair. A non-empty passphrase encrypts the PEM
// (bcrypt-pbkdf, as ssh-keygen does).
func NewKey(passphrase string) (Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, fmt.Errorf("generate ed25519 key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return Key{}, fmt.Errorf("ssh signer: %w", err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "gitrepotest")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "gitrepotest", []byte(passphrase))
	}
	if err != nil {
		return Key{}, fmt.Errorf("marshal private key: %w", err)
	}
	return Key{Private: priv, Signer: signer, PEM: pem.EncodeToMemory(block)}, nil
}
