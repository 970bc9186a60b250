/**
 * The parts of undici the transport uses (request.ts), loaded on their own: undici's index
 * loads every part it has (fetch, WebSocket, EventSource, the mock agents, caches, …), about 8 MiB
 * more of a command's memory than these (measured: RSS after the index, loaded after these parts),
 * for code a snapwarden command never runs. They are the same objects the index exports (a test
 * checks it, so a undici that moves them fails the tests, not a command).
 */
import { createRequire } from 'node:module'
import type * as Undici from 'undici'

const require = createRequire(import.meta.url)

// As undici's index does first: the API methods on every dispatcher (ProxyAgent tunnels https://
// with its client's connect()). Idempotent: the index, when something loads it, assigns the same.
Object.assign((require('undici/lib/dispatcher/dispatcher.js') as typeof Undici.Dispatcher).prototype, require('undici/lib/api/index.js') as object)

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent
export const ProxyAgent = require('undici/lib/dispatcher/proxy-agent.js') as typeof Undici.ProxyAgent
export const errors = require('undici/lib/core/errors.js') as typeof Undici.errors
