/**
 * The Node.js flags moca-relay runs with. `moca-relay` (src/cli/main.ts's shebang), the
 * Dockerfile's ENTRYPOINT and `npm run demo` pass them, and the bench and the chaos suite start
 * the relay with them; test/cli/relay-node-flags.test.ts keeps those in step with this list.
 *
 * `--max-semi-space-size=64` (MiB; Node 20's default is 16): V8 collects its young generation
 * each time a semi-space fills. At 3,000 events/s the relay allocates ≈ 300 MB/s, so with 16 MiB
 * that is every ≈ 50 ms, while an issue call (50 ms at MocaChain, plus its transactions) and its
 * confirmation (≈ 1 s) live longer: half of each collection survived it and was copied, and what
 * survived twice went to the old generation (≈ 29 KB per event). With 64 MiB most of a call's
 * objects die before their first collection. On 100,000-event relay50 runs the relay spent 274–
 * 280 CPU-µs per event against 289 with the default (32 MiB: 277–283; 128 MiB: 269–273), for up
 * to 128 MiB more of resident memory. Another value: `node --max-semi-space-size=N
 * dist/src/cli/main.js …` (a flag given on the command line wins over NODE_OPTIONS).
 */
export const RELAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64']
