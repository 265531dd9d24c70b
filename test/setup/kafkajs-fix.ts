// Every test file runs with kafkajs's read_committed fix, as the relay does in production: it is
// installed before the test file (or anything it imports) loads kafkajs.
import '../../src/kafka/kafkajs-read-committed-fix.js'
