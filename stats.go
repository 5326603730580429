package mpbraze

import (
	"sync"
	"sync/atomic"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
)

// Stats is a snapshot of a Kit's counters since it was created.
type Stats struct {
	// Batches counts batches given to Forward (kit-style calls included).
	Batches uint64
	// SkippedBatches counts batches that produced no Braze object (no
	// usable identity, only skipped event types, …); LoopGuarded counts
	// batches from Braze Currents, which are never sent back.
	SkippedBatches, LoopGuarded uint64
	// Objects counts Braze objects queued for delivery.
	Objects uint64
	// Diagnostics counts mapping diagnostics by code.
	Diagnostics map[mapping.DiagnosticCode]uint64
	// AliasesRemembered is the number of anonymous MPIDs alias mode
	// remembers now.
	AliasesRemembered int
	// AliasesForgotten counts remembered MPIDs dropped because the map was
	// full (they will not be merged).
	AliasesForgotten uint64
	// AliasMerges counts aliases merged with /users/identify.
	AliasMerges uint64
	// AliasMergeFailures counts merges that failed (Forward returned an
	// *AliasMergeError; the next batch for the MPID retries).
	AliasMergeFailures uint64
	// Delivery is the batcher's view: objects queued, delivered, failed,
	// requests, retries, 429s, packing.
	Delivery braze.BatchStats
}

// kitCounters are the Kit's counters, updated concurrently by Forward.
type kitCounters struct {
	batches, skipped, loopGuarded, objects atomic.Uint64
	aliasMerges, aliasMergeFailures        atomic.Uint64

	mu          sync.Mutex
	diagnostics map[mapping.DiagnosticCode]uint64
}

func (c *kitCounters) countDiagnostic(code mapping.DiagnosticCode) {
	c.mu.Lock()
	if c.diagnostics == nil {
		c.diagnostics = make(map[mapping.DiagnosticCode]uint64)
	}
	c.diagnostics[code]++
	c.mu.Unlock()
}

// Stats returns the kit's counters.
func (k *Kit) Stats() Stats {
	s := Stats{
		Batches:            k.stats.batches.Load(),
		SkippedBatches:     k.stats.skipped.Load(),
		LoopGuarded:        k.stats.loopGuarded.Load(),
		Objects:            k.stats.objects.Load(),
		AliasMerges:        k.stats.aliasMerges.Load(),
		AliasMergeFailures: k.stats.aliasMergeFailures.Load(),
		Delivery:           k.batcher.Stats(),
		Diagnostics:        make(map[mapping.DiagnosticCode]uint64),
	}
	s.AliasesRemembered, s.AliasesForgotten = k.aliases.counts()
	k.stats.mu.Lock()
	for code, n := range k.stats.diagnostics {
		s.Diagnostics[code] = n
	}
	k.stats.mu.Unlock()
	return s
}
