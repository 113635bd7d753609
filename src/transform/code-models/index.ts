/**
 * Models computed in TypeScript, registered beside the SQL project (see
 * `CodeModelDefinition`): the CLV fit and the per-buyer CLV scores.
 */
import type { CodeModelDefinition } from "../model.ts";
import { martClv } from "./mart-clv.ts";
import { martClvModel } from "./mart-clv-model.ts";

export { martClv } from "./mart-clv.ts";
export { martClvModel } from "./mart-clv-model.ts";

/** Every code model of the project, for `loadProject({ codeModels })`. */
export const codeModels: readonly CodeModelDefinition[] = [martClvModel, martClv];
