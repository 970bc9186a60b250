/** The ReportRenderer the cycle receives: model, then the HTML and text parts. */
import type { ProjectReportInput, RenderedReport, ReportRenderer } from '../domain/report.ts'
import { renderReportHtml } from './report-html.ts'
import { buildReportModel, type QuotaThresholds } from './report-model.ts'
import { renderReportText } from './report-text.ts'

export function reportRenderer(thresholds: QuotaThresholds): ReportRenderer {
  return (input: ProjectReportInput): RenderedReport => {
    const model = buildReportModel(input, thresholds)
    return { subject: model.subject, html: renderReportHtml(model), text: renderReportText(model) }
  }
}
