// Preloaded into a child process (NODE_OPTIONS=--import=<this file's URL>, LOADED_MODULES_FILE=<path>):
// every module the process loads (ESM, and CommonJS packages reached by import) is appended to that
// file, one URL a line, by the load hook in loaded-modules-hooks.mjs. Tests read the file to see
// which packages a command really loaded. Records only; changes nothing it loads.
import { register } from 'node:module'

register(new URL('./loaded-modules-hooks.mjs', import.meta.url))
