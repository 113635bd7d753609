import type { SqlSession } from "./warehouse.ts";

/** One publish guard as a run stored it (`meta.guard_checks`). */
export interface StoredGuardCheck {
  readonly check: string;
  readonly subject: string;
  /** The published run it was compared with; null on a first run. */
  readonly comparedRunId: string | null;
  readonly previous: string | null;
  readonly current: string | null;
  readonly figure: number | null;
  readonly threshold: number | null;
  /** pass | breach | accepted */
  readonly status: string;
  readonly message: string;
}

/** The guard checks a run stored, breaches first; `status` and the report both show them. */
export async function readGuardChecks(
  session: SqlSession,
  runId: string,
): Promise<StoredGuardCheck[]> {
  const rows = await session.all<{
    check_name: string;
    subject: string;
    compared_run_id: string | null;
    previous_value: string | null;
    current_value: string | null;
    figure: number | null;
    threshold: number | null;
    status: string;
    message: string;
  }>(
    `select check_name, subject, compared_run_id, previous_value, current_value, figure, threshold, status, message
     from meta.guard_checks where run_id = $1
     order by status = 'pass', check_name, subject`,
    [runId],
  );
  return rows.map((row) => ({
    check: row.check_name,
    subject: row.subject,
    comparedRunId: row.compared_run_id,
    previous: row.previous_value,
    current: row.current_value,
    figure: row.figure,
    threshold: row.threshold,
    status: row.status,
    message: row.message,
  }));
}
