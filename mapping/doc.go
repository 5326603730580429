// Package mapping translates between mParticle and Braze data, both ways,
// exactly as mParticle's Braze kit does and within Braze's type rules.
package mapping
