package httpretry

import "sync"

// Defaults applied by BudgetConfig to zero fields.
const (
	DefaultBudgetCapacity = 100
	DefaultRetryCost      = 5
	DefaultSuccessRefill  = 1
)

// BudgetConfig configures a retry token bucket (the AWS SDK's "retry quota"
// idea): every retry costs RetryCost tokens; a request answered on its first
// attempt gives SuccessRefill back, and one answered after retries gets its
// last retry's cost back (the retry was worth it), up to Capacity. Scattered
// failures therefore cost almost nothing, while during an outage, when
// retries fail again, the bucket drains after Capacity/RetryCost retries (20
// with the defaults) and from then on each request is tried once, so the
// client adds no retry traffic to a service that is already failing. The
// zero value means the defaults.
type BudgetConfig struct {
	// Capacity is the bucket size in tokens. 0 means 100.
	Capacity int
	// RetryCost is charged per retry. 0 means 5.
	RetryCost int
	// SuccessRefill is returned per answered request that is not retried.
	// 0 means 1.
	SuccessRefill int
	// Disabled turns the budget off: only Policy.MaxRetries limits retries.
	Disabled bool
}

func (c BudgetConfig) withDefaults() BudgetConfig {
	if c.Capacity <= 0 {
		c.Capacity = DefaultBudgetCapacity
	}
	if c.RetryCost <= 0 {
		c.RetryCost = DefaultRetryCost
	}
	if c.SuccessRefill <= 0 {
		c.SuccessRefill = DefaultSuccessRefill
	}
	return c
}

// Budget is a retry token bucket shared by every request of a client. It is
// safe for concurrent use.
type Budget struct {
	mu     sync.Mutex
	cfg    BudgetConfig
	tokens int
}

// NewBudget returns a full bucket configured by cfg (zero fields = defaults).
func NewBudget(cfg BudgetConfig) *Budget {
	cfg = cfg.withDefaults()
	return &Budget{cfg: cfg, tokens: cfg.Capacity}
}

// TryCharge takes the cost of one retry. It reports false, taking nothing,
// when the bucket holds less than one retry's cost.
func (b *Budget) TryCharge() bool {
	if b == nil || b.cfg.Disabled {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < b.cfg.RetryCost {
		return false
	}
	b.tokens -= b.cfg.RetryCost
	return true
}

// Refill returns SuccessRefill tokens, up to Capacity.
func (b *Budget) Refill() {
	if b == nil || b.cfg.Disabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(b.cfg.Capacity, b.tokens+b.cfg.SuccessRefill)
}

// Refund returns one retry's cost (RetryCost tokens), up to Capacity: a
// retry that got an answer.
func (b *Budget) Refund() {
	if b == nil || b.cfg.Disabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(b.cfg.Capacity, b.tokens+b.cfg.RetryCost)
}

// Tokens returns the tokens currently in the bucket.
func (b *Budget) Tokens() int {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tokens
}
