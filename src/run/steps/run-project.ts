import type { Settings } from "../../config/settings.ts";
import { declaredSources } from "../../sources/resolve-sources.ts";
import { codeModels } from "../../transform/code-models/index.ts";
import { loadProject, type Project } from "../../transform/project.ts";
import type { RunContext } from "../job.ts";

/**
 * The project the settings describe: the SQL models, the staging models of
 * every declared source, the user's models in `modelsDir`, and the code
 * models (the CLV fit and scores).
 */
export function projectFor(settings: Settings): Promise<Project> {
  return loadProject({
    codeModels,
    sources: declaredSources(settings),
    userSqlDir: settings.modelsDir || undefined,
  });
}

/**
 * The project of this run, loaded once and shared by the transform, test
 * and publish steps.
 */
export async function runProject(context: RunContext): Promise<Project> {
  context.results.project ??= await projectFor(context.settings);
  return context.results.project;
}
