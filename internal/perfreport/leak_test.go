package perfreport

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: every
// server, batcher, worker and connection a test starts must be stopped by the
// Close/Shutdown calls it makes, or a caller's process would leak it too.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
