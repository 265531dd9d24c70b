/**
 * The Node.js flags moca-relay runs with. `moca-relay` (src/cli/main.ts's shebang), the
 * Dockerfile's ENTRYPOINT and `npm run demo` pass them, and the bench and the chaos suite start
 * the relay with them; test/cli/relay-node-flags.test.ts keeps those in step with this list.
 *
 * `--max-semi-space-size=64` (MiB; Node 20's default is 16): V8 collects its young generation
 * (a scavenge) each time a semi-space fills, and copies what is still alive. At 3,000 events/s
 * the relay allocates ≈ 300 MB/s, so with 16 MiB a scavenge came every ≈ 50 ms, while an issue
 * call and its confirmation stay in the relay for up to a second or two: about half of what each
 * scavenge scanned was still alive. With 64 MiB, on a 100,000-event relay50 run with --trace-gc,
 * 161 scavenges kept ≈ 30% of what they scanned and took 3.5 s of the main thread, against 621
 * scavenges, ≈ 50% and 4.9 s with 16 MiB. On 100,000-event relay50 runs the relay spent 274–280
 * CPU-µs per event against 289 with the default (32 MiB: 277–283; 128 MiB: 269–273), for up to
 * 128 MiB more of resident memory. Another value: `node --max-semi-space-size=N
 * dist/src/cli/main.js …` (a flag given on the command line wins over NODE_OPTIONS).
 */
export const RELAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64']
