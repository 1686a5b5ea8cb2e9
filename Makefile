# Shortcuts; the scripts are the source of truth.
.PHONY: run test bench
run:
	scripts/run
test:
	scripts/test
bench:
	scripts/bench

.PHONY: bench-playback soak bench-console
bench-playback:
	scripts/bench-playback
soak:
	scripts/bench-playback soak
bench-console:
	scripts/bench-playback console

.PHONY: bench-reference
bench-reference:
	scripts/bench-reference
