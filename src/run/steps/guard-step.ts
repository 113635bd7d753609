import {
  checkPublishGuards,
  describeBreaches,
  type GuardCheck,
} from "../../publish/publish-guards.ts";
import { readCurrentManifest } from "../../publish/publish-run.ts";
import { GuardError } from "../../util/errors.ts";
import { databaseNow, insertMeta } from "../../warehouse/state-store.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import type { JobStep } from "../job.ts";

/** What the guard step leaves for later steps and the summary. */
export interface GuardOutcome {
  readonly checks: readonly GuardCheck[];
  readonly accepted: boolean;
}

/**
 * The publish guards of SPEC §4, between test and publish: compares the run
 * with the manifest readers follow, stores every check with its figure and
 * threshold in `meta.guard_checks`, and fails the run on a breach unless it
 * runs with `--accept-changes` (then the breaches are stored as `accepted`
 * and `meta.runs.accepted_changes` records it).
 */
export const guardStep: JobStep = {
  name: "guard",
  async run(context) {
    const { warehouse, runId, settings, logger } = context;
    const accepted = context.options.acceptChanges === true;
    const previous = await readCurrentManifest(context.store, settings.publishPrefix, logger);
    const measured = await checkPublishGuards({
      session: warehouse,
      store: context.store,
      settings,
      runId,
      previous,
    });
    const checks = measured.map(
      (check): GuardCheck =>
        accepted && check.status === "breach" ? { ...check, status: "accepted" } : check,
    );
    await recordGuardChecks(warehouse, runId, checks, accepted);
    const breaches = checks.filter((check) => check.status !== "pass");
    for (const breach of breaches)
      logger.warn({ check: breach.check, subject: breach.subject, accepted }, breach.message);
    if (breaches.length > 0 && !accepted) throw new GuardError(describeBreaches(checks));
    const outcome: GuardOutcome = { checks, accepted };
    return {
      rows: checks.length,
      detail: {
        checks: checks.length,
        breaches: breaches.length,
        accepted,
        comparedRunId: previous?.run_id ?? null,
      },
      result: outcome,
    };
  },
};

/** Stores the checks of a run, replacing any it stored before, and whether it accepted changes. */
export async function recordGuardChecks(
  warehouse: Warehouse,
  runId: string,
  checks: readonly GuardCheck[],
  accepted: boolean,
): Promise<void> {
  await warehouse.transaction(async (session) => {
    await session.run("delete from meta.guard_checks where run_id = $1", [runId]);
    await insertMeta(
      session,
      "meta.guard_checks",
      checks.map((check) => ({
        run_id: runId,
        check_name: check.check,
        subject: check.subject,
        compared_run_id: check.comparedRunId,
        previous_value: check.previous,
        current_value: check.current,
        figure: check.figure,
        threshold: check.threshold,
        status: check.status,
        message: check.message,
        checked_at: databaseNow,
      })),
    );
    await session.run("update meta.runs set accepted_changes = $2 where run_id = $1", [
      runId,
      accepted,
    ]);
  });
}
