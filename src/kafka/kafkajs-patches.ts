/**
 * The changes kafkajs must load with, in order: its read_committed fix and its encoder speed-up
 * (see each module). Both replace modules that other kafkajs modules capture when they load, so
 * every entry point imports this file first, before anything that imports kafkajs.
 */
import './kafkajs-read-committed-fix.js'
import './kafkajs-encoder-speedup.js'
