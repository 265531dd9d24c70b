/**
 * The changes kafkajs must load with, in order: its read_committed fix, its encoder speed-ups
 * (the Encoder, the Produce request, the request framing), its linear message grouping and its
 * record decoder (see each module). Each replaces a module that other kafkajs modules capture
 * when they load, so every entry point imports this file first, before anything that imports
 * kafkajs.
 */
import './kafkajs-read-committed-fix.js'
import './kafkajs-encoder-speedup.js'
import './kafkajs-produce-encoder-speedup.js'
import './kafkajs-request-framing-speedup.js'
import './kafkajs-group-messages-speedup.js'
import './kafkajs-decoder-speedup.js'
