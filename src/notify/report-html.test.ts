import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { escapeHtml } from './html-escape.ts'
import { renderReportHtml } from './report-html.ts'
import { buildReportModel } from './report-model.ts'
import { aTask, anInput } from './testing/report-builders.ts'
import { renderReportText } from './report-text.ts'

const HOSTILE = `<script>alert("x")</script>`

describe('HTML report', () => {
  test('escapes every value from the cloud: server, volume, project, reason, ids', () => {
    const input = anInput({
      project: { id: 'p"><img src=x onerror=alert(1)>', name: `<b>proj</b> & 'co'` },
      tasks: [
        aTask({ serverName: HOSTILE, volumeName: `vol" onmouseover="alert(2)` }),
        aTask({ id: 't-2', state: 'failed', serverName: 'ok', volumeName: 'ok', errorCode: 'OS_HTTP', errorMessage: '<iframe src=//evil>' }),
      ],
      overdue: [{ volumeId: 'v-9', volumeName: '<u>old</u>', serverId: 's-9', serverName: '<i>srv</i>' }],
    })
    const html = renderReportHtml(buildReportModel(input))
    for (const raw of ['<script>', '<img', '<b>proj', '<iframe', '<u>old', '<i>srv', 'onmouseover="']) assert.ok(!html.includes(raw), `${raw} must not appear raw`)
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'))
    assert.ok(html.includes('&lt;b&gt;proj&lt;/b&gt; &amp; &#39;co&#39;'))
    assert.ok(html.includes('OS_HTTP: &lt;iframe src&#61;//evil&gt;'))
  })

  test('quota cells carry the colour of their level', () => {
    const html = renderReportHtml(buildReportModel(anInput()))
    assert.match(html, /background:#e6f4ea;color:#137333;font-weight:bold">30% \(green\)/)
    assert.match(html, /background:#fef7e0;color:#8a5a00;font-weight:bold">60% \(amber\)/)
  })

  test('lists failed, succeeded and overdue; says so when there are none', () => {
    const html = renderReportHtml(buildReportModel(anInput({ overdue: [] })))
    assert.match(html, /<h2[^>]*>Failed backups<\/h2>\n<p>None.<\/p>/)
    assert.match(html, /every tagged volume has an available backup younger than 1h 35min/)
    assert.ok(html.includes('2026-03-10 12:01:00 UTC'))
  })
})

describe('text report', () => {
  test('shows the names as they are, with quota, failures and overdue', () => {
    const text = renderReportText(
      buildReportModel(
        anInput({
          tasks: [aTask({ serverName: HOSTILE }), aTask({ id: 'b', state: 'cancelled', errorCode: 'EXEC_CANCELLED', errorMessage: 'timed out' })],
          overdue: [{ volumeId: 'v-9', volumeName: 'data', serverId: 's-9', serverName: 'db', lastBackupAt: new Date('2026-03-07T00:00:00Z') }],
        }),
      ),
    )
    assert.ok(text.includes(`server ${HOSTILE} (srv-1)`))
    assert.ok(text.includes('  Backups: 3 in use, 0 reserved, limit 10: 30% [GREEN]'))
    assert.ok(text.includes('cancelled: EXEC_CANCELLED: timed out'))
    assert.ok(text.includes('server db (s-9)  volume data (v-9)  newest available backup: 2026-03-07 00:00:00 UTC'))
  })
})

test('escapeHtml covers the characters that end an element or an attribute', () => {
  assert.equal(escapeHtml(`&<>"'\`=`), '&amp;&lt;&gt;&quot;&#39;&#96;&#61;')
  assert.equal(escapeHtml(undefined), '')
  assert.equal(escapeHtml(42), '42')
})
