// Every test file runs with kafkajs's changes (kafka/kafkajs-patches.ts), as the relay does in
// production: they are installed before the test file (or anything it imports) loads kafkajs.
import '../../src/kafka/kafkajs-patches.js'
