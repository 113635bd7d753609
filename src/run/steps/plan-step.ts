import type { Settings } from "../../config/settings.ts";
import { readCurrentManifest } from "../../publish/publish-run.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { planTransforms, type TransformPlan } from "../../transform/plan-transforms.ts";
import { execute, metaStatements } from "../../warehouse/state-store.ts";
import type { SqlSession } from "../../warehouse/warehouse.ts";
import type { JobStep, RunOptions } from "../job.ts";
import { runProject } from "./run-project.ts";

/**
 * Decides what the run will build (see `planTransforms`) and records the
 * state the run's outputs will have. When nothing is to be built and that
 * state is the one the last published run had (same settings, same data
 * in every model) and its manifest is still the one readers follow, the
 * run has nothing new: it is recorded as such and ends here, without
 * transform, test, publish, report or analyst refresh.
 */
export const planStep: JobStep = {
  name: "plan",
  async run(context) {
    const { warehouse, settings, options } = context;
    const plan = await planTransforms(warehouse, settings, await runProject(context), {
      select: options.select,
      fullRefresh: options.fullRefresh,
      // The test step checks merged models on their changed rows.
      captureForTests: true,
    });
    context.results.plan = plan;
    const nothingNew = await isNothingNew(warehouse, context.store, settings, options, plan);
    await execute(
      warehouse,
      metaStatements
        .updateTable("meta.runs")
        .set({ state_fingerprint: plan.stateFingerprint, nothing_new: nothingNew })
        .where("run_id", "=", context.runId),
    );
    const count = (test: (model: TransformPlan["models"][number]) => boolean) =>
      plan.models.filter(test).length;
    return {
      rows: count((m) => m.action === "build"),
      detail: {
        build: count((m) => m.action === "build" && !m.incremental),
        incremental: count((m) => m.incremental),
        upToDate: count((m) => m.action === "up_to_date"),
        nothingNew,
      },
      ...(nothingNew ? { endsRun: "nothing_new" as const } : {}),
    };
  },
};

async function isNothingNew(
  session: SqlSession,
  store: ObjectStore,
  settings: Settings,
  options: RunOptions,
  plan: TransformPlan,
): Promise<boolean> {
  if (options.fullRefresh || options.select !== undefined) return false;
  if (plan.models.some((model) => model.action === "build")) return false;
  const [published] = await session.all<{ run_id: string; state_fingerprint: string | null }>(
    `select r.run_id, r.state_fingerprint from meta.runs r
     where r.status = 'succeeded'
       and exists (select 1 from meta.run_steps s
                   where s.run_id = r.run_id and s.step = 'publish' and s.status = 'succeeded')
     order by r.started_at desc limit 1`,
  );
  if (published?.state_fingerprint !== plan.stateFingerprint) return false;
  // Someone may have removed or replaced the published marts since.
  const manifest = await readCurrentManifest(store, settings.publishPrefix);
  return manifest?.run_id === published.run_id;
}
