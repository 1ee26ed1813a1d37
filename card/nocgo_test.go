//go:build !cgo

package card

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Run with CGO_ENABLED=0: the package builds and says PC/SC is missing.
func TestNoCgoBuild(t *testing.T) {
	_, err := Open()
	if !errors.Is(err, ErrNoPCSCSupport) || !strings.Contains(err.Error(), "built without PC/SC support") {
		t.Fatalf("Open: %v", err)
	}
	if _, err := Survey(context.Background(), SurveyOptions{}); !errors.Is(err, ErrNoPCSCSupport) {
		t.Fatalf("Survey: %v", err)
	}
}
