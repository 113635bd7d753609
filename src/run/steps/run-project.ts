import { codeModels } from "../../transform/code-models/index.ts";
import { loadProject, type Project } from "../../transform/project.ts";
import type { RunContext } from "../job.ts";

/**
 * The SQL project and the code models (the CLV fit and scores) of this run,
 * loaded once and shared by the transform, test and publish steps.
 */
export async function runProject(context: RunContext): Promise<Project> {
  context.results.project ??= await loadProject({ codeModels });
  return context.results.project;
}
