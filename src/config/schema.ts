/**
 * The configuration file (`snapwarden.yaml`). Backup options keep Staffeln's names under
 * `conductor:` so a Staffeln operator recognises them; snapshot options follow SnapSentry's flags.
 */
import { z } from 'zod'
import type { CycleConfig } from '../domain/cycle-config.ts'
import { durationSeconds } from './duration.ts'

/** Staffeln's duration grammar (`<n>y<n>mon<n>w<n>d<n>h<n>min<n>s`, in that order) or plain seconds. */
export const DURATION_PATTERN = /^(?=\d)(\d+y)?(\d+mon)?(\d+w)?(\d+d)?(\d+h)?(\d+min)?(\d+s)?$/
/** A duration as written: seconds, or Staffeln's grammar (kept as text where calendar units matter). */
const durationText = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => DURATION_PATTERN.test(s), {
      message: 'expected seconds or a duration like 20min, 2w3d, 1y2mon (units y, mon, w, d, h, min, s in that order)',
    }),
])
/** A duration resolved to seconds (fixed-length units: mon = 30 d, y = 365 d). */
const duration = durationText.transform(durationSeconds)
const cron = z.string().refine((s) => s.trim().split(/\s+/).length === 5, { message: 'expected a 5-field cron expression' })

export const SnapshotsConfigSchema = z
  .object({
    create_schedule: cron.default('*/10 * * * *'),
    expire_schedule: cron.default('*/30 * * * *'),
    /** Creates/deletes in flight at once, over all projects. */
    concurrency: z.number().int().min(1).max(256).default(10),
    /** Creates/deletes in flight at once within one project. */
    concurrency_per_project: z.number().int().min(1).max(256).default(4),
    /** SnapSentry's behaviour: detached and multi-attached volumes one after another. */
    sequential_detached: z.boolean().default(false),
    /** Snapshots in creating/deleting/error/error_deleting longer than this are healed. */
    stuck_after: duration.prefault('2h'),
    wait_for_available: z.boolean().default(true),
    wait_timeout: duration.prefault('10min'),
  })
  .strict()

export const ConductorConfigSchema = z
  .object({
    /** The daemon runs the backup and retention cycles (as `daemon --backups`). */
    enabled: z.boolean().default(false),
    backup_metadata_key: z.string().min(1).default('__staffeln_backup'),
    retention_metadata_key: z.string().min(1).default('__staffeln_retention'),
    retention_time: durationText.default('2w3d'),
    full_backup_depth: z.number().int().min(0).default(2),
    backup_min_interval: z.number().int().min(0).default(0),
    backup_cycle_timeout: duration.prefault('5min'),
    /** Staffeln's spelling of backup_cycle_timeout, accepted as an alias. */
    backup_cycle_timout: duration.optional(),
    backup_service_period: z.number().int().min(10).default(1800),
    /** Staffeln's report interval (seconds); accepted so Staffeln configs load, used by reports. */
    report_period: z.number().int().min(0).default(86400),
    retention_service_period: z.number().int().min(10).default(1800),
    /**
     * How long finished backup task rows (and run records) are kept; older ones are deleted at the
     * end of a retention cycle. At least a day: planning re-checks recent tasks against overlapping runs.
     */
    task_history: duration.prefault('30d').pipe(z.number().min(86_400, { message: 'expected at least 1d (86400 seconds)' })),
    /** Backups in flight at once (over all projects); at most half of them in one project. */
    backup_workers: z.number().int().min(1).max(256).default(4),
    /** Staffeln's retention worker count: accepted so Staffeln configs load; retention deletes run backup_workers at a time. */
    rotation_workers: z.number().int().min(1).max(256).optional(),
    /** Count and tier policies of the snapshot side, applied to backups on top of retention_time. */
    keep_count: z.number().int().min(1).optional(),
    /** Grandfather-father-son tiers (restic's semantics) for backups, on top of retention_time. */
    keep_tiers: z
      .object({
        last: z.number().int().min(1).optional(),
        hourly: z.number().int().min(1).optional(),
        daily: z.number().int().min(1).optional(),
        weekly: z.number().int().min(1).optional(),
        monthly: z.number().int().min(1).optional(),
        yearly: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  // Staffeln's misspelling is folded in here, once: the rest of the code reads backup_cycle_timeout.
  .transform(({ backup_cycle_timout, ...c }) => ({ ...c, backup_cycle_timeout: backup_cycle_timout ?? c.backup_cycle_timeout }))

/** The protection API (Staffeln's API) that Cinder's backup:delete policy asks; see docs/operations.md. */
export const ProtectionConfigSchema = z
  .object({
    /** The daemon serves it too (`snapwarden api` serves it alone). */
    enabled: z.boolean().default(false),
    bind: z.string().min(1).default('127.0.0.1'),
    /** Staffeln's port. */
    port: z.number().int().min(0).max(65535).default(8808),
    tls: z
      .object({
        /** PEM server certificate (chain) and its key: the API speaks HTTPS. */
        cert_file: z.string().min(1),
        key_file: z.string().min(1),
        /** PEM CA: clients must present a certificate it signed (oslo.policy's remote_ssl_client_crt_file). */
        client_ca_file: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()

const emailAddress = z.string().trim().regex(/^[^\s@<>,;]+@[^\s@<>,;]+$/, { message: 'expected an email address like backup@example.org' })

/**
 * Per-project backup reports (Staffeln's `[notification]` options keep their names). Present (even
 * empty): the daemon's report job runs every conductor.report_period. No `sender_email`: reports
 * go to the log. The SMTP password never comes from this file (SNAPWARDEN_SMTP_PASSWORD[_FILE]).
 */
export const NotificationConfigSchema = z
  .object({
    sender_email: emailAddress.optional(),
    smtp_server_domain: z.string().trim().min(1).optional(),
    /** Default by `smtp_security`: 587 (starttls), 465 (tls), 25 (none). */
    smtp_server_port: z.number().int().min(1).max(65535).optional(),
    /** `starttls` (required, refused if the server does not offer it), `tls` (implicit TLS), `none`. */
    smtp_security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    /** AUTH user; its password from SNAPWARDEN_SMTP_PASSWORD or SNAPWARDEN_SMTP_PASSWORD_FILE. */
    smtp_user: z.string().min(1).optional(),
    /** Verify the SMTP server's certificate (as clouds.yaml `verify`). */
    verify: z.boolean().default(true),
    /** PEM CA bundle to verify the SMTP server with (as clouds.yaml `cacert`). */
    cacert: z.string().min(1).optional(),
    /** Every project's report goes to these addresses (a bare string is a list of one, as in Staffeln). */
    receiver: z.union([emailAddress.transform((a) => [a]), z.array(emailAddress)]).default([]),
    /** Without `receiver`: report to `<project name>@<this domain>`. */
    project_receiver_domain: z.string().trim().regex(/^[^\s@<>,;]+$/, { message: 'expected a domain like example.org' }).optional(),
    /** Quota use at or above this percentage is amber (Staffeln: 50). */
    quota_amber_percent: z.number().min(0).max(100).default(50),
    /** Quota use at or above this percentage is red (Staffeln: 80). */
    quota_red_percent: z.number().min(0).max(100).default(80),
  })
  .strict()
  .refine((n) => n.sender_email === undefined || n.smtp_server_domain !== undefined, {
    message: 'smtp_server_domain is required when sender_email is set',
    path: ['smtp_server_domain'],
  })
  .refine((n) => n.quota_amber_percent <= n.quota_red_percent, {
    message: 'quota_amber_percent must not exceed quota_red_percent',
    path: ['quota_amber_percent'],
  })

export const ConfigSchema = z
  .object({
    /** clouds.yaml entry; OS_CLOUD and --os-cloud override it. */
    cloud: z.string().min(1).optional(),
    all_projects: z.boolean().default(false),
    /** Zone of daemon cron schedules and of calendar buckets. */
    timezone: z.string().default('UTC'),
    database: z.object({ url: z.string().min(1).optional() }).strict().default({}),
    snapshots: SnapshotsConfigSchema.default(SnapshotsConfigSchema.parse({})),
    conductor: ConductorConfigSchema.default(ConductorConfigSchema.parse({})),
    api: z
      .object({
        bind: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9180),
      })
      .strict()
      .default({ bind: '127.0.0.1', port: 9180 }),
    protection: ProtectionConfigSchema.default(ProtectionConfigSchema.parse({})),
    notification: NotificationConfigSchema.optional(),
    webhook: z
      .object({
        url: z.string().url().optional(),
        max_attempts: z.number().int().min(1).max(20).default(5),
      })
      .strict()
      .default({ max_attempts: 5 }),
  })
  .strict()

export type Config = z.infer<typeof ConfigSchema>

/** The parsed config is what the cycles read (checked here, at compile time). */
const _cyclesReadTheConfig = (c: Config): CycleConfig => c
void _cyclesReadTheConfig
