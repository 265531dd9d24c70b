// Every test file runs with kafkajs's read_committed fix and encoder speed-up, as the relay does in
// production: they are installed before the test file (or anything it imports) loads kafkajs.
import '../../src/kafka/kafkajs-read-committed-fix.js'
import '../../src/kafka/kafkajs-encoder-speedup.js'
