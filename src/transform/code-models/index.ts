/**
 * Models computed in TypeScript, registered beside the SQL project (see
 * `CodeModelDefinition`): the CLV fit, the per-buyer CLV scores and the
 * k-means fit behind the cluster marts.
 */
import type { CodeModelDefinition } from "../model.ts";
import { intClusterCentres } from "./int-cluster-centres.ts";
import { martClv } from "./mart-clv.ts";
import { martClvModel } from "./mart-clv-model.ts";

export { intClusterCentres } from "./int-cluster-centres.ts";
export { martClv } from "./mart-clv.ts";
export { martClvModel } from "./mart-clv-model.ts";

/** Every code model of the project, for `loadProject({ codeModels })`. */
export const codeModels: readonly CodeModelDefinition[] = [
  martClvModel,
  martClv,
  intClusterCentres,
];
