import { existsSync, readFileSync } from 'node:fs'

/** package.json: two levels up from src/cli (tsx), three from dist/src/cli (the compiled CLI). */
const packageJson = [new URL('../../package.json', import.meta.url), new URL('../../../package.json', import.meta.url)].find((u) => existsSync(u))

if (!packageJson) throw new Error(`package.json not found above ${new URL('.', import.meta.url).pathname}`)

export const VERSION: string = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
