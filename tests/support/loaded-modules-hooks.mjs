// Module hooks (see loaded-modules-register.mjs): each loaded URL is appended to LOADED_MODULES_FILE.
import { appendFileSync } from 'node:fs'

const FILE = process.env.LOADED_MODULES_FILE

export async function load(url, context, nextLoad) {
  if (FILE) appendFileSync(FILE, `${url}\n`)
  return nextLoad(url, context)
}
