package remote

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// DefaultCiphers are the ciphers SFTP offers when SFTP.Ciphers is empty,
// fastest first on machines with AES instructions.
var DefaultCiphers = []string{
	ssh.CipherAES128GCM, ssh.CipherAES256GCM, ssh.CipherChaCha20Poly1305,
	ssh.CipherAES128CTR, ssh.CipherAES192CTR, ssh.CipherAES256CTR,
}

// authMethods returns the configured authentication methods and a function
// releasing what they hold (the agent connection).
func (s *SFTP) authMethods() ([]ssh.AuthMethod, func(), error) {
	var methods []ssh.AuthMethod
	release := func() {}
	var signers []ssh.Signer
	signers = append(signers, s.Signers...)
	for _, name := range s.KeyFiles {
		pem, err := os.ReadFile(name)
		if err != nil {
			return nil, release, fmt.Errorf("remote: reading SSH key: %w", err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			if s.Passphrase == "" {
				return nil, release, fmt.Errorf("remote: SSH key %s is encrypted and no Passphrase is set", name)
			}
			signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(s.Passphrase))
			if err != nil {
				// The parser's error never contains the passphrase.
				return nil, release, fmt.Errorf("remote: decrypting SSH key %s: %w", name, err)
			}
		} else if err != nil {
			return nil, release, fmt.Errorf("remote: parsing SSH key %s: %w", name, err)
		}
		signers = append(signers, signer)
	}
	var agentSigners func() ([]ssh.Signer, error)
	if s.UseAgent {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, release, errors.New("remote: UseAgent is set but SSH_AUTH_SOCK is empty")
		}
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, release, fmt.Errorf("remote: connecting to ssh-agent: %w", err)
		}
		release = func() { conn.Close() }
		agentSigners = agent.NewClient(conn).Signers
	}
	if len(signers) > 0 || agentSigners != nil {
		methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			out := signers
			if agentSigners != nil {
				as, err := agentSigners()
				if err != nil {
					return nil, err
				}
				out = append(out[:len(out):len(out)], as...)
			}
			return out, nil
		}))
	}
	if s.Password != "" {
		pw := s.Password
		methods = append(methods, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	if len(methods) == 0 {
		return nil, release, errors.New("remote: no SSH authentication configured (Password, KeyFiles, Signers or UseAgent)")
	}
	return methods, release, nil
}
