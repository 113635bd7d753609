import { declaredSources } from "../../sources/resolve-sources.ts";
import { codeModels } from "../../transform/code-models/index.ts";
import { loadProject, type Project } from "../../transform/project.ts";
import type { RunContext } from "../job.ts";

const projectKey = "project";

/**
 * The SQL project and the code models (the CLV fit and scores) of this run,
 * loaded once and shared by the transform, test and publish steps.
 */
export async function runProject(context: RunContext): Promise<Project> {
  const cached = context.results.get(projectKey) as Project | undefined;
  if (cached) return cached;
  const project = await loadProject({
    codeModels,
    sources: declaredSources(context.settings.sources),
    userSqlDir: context.settings.modelsDir || undefined,
  });
  context.results.set(projectKey, project);
  return project;
}
