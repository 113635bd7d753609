import { packagePath } from "../util/package-path.ts";

/** The repository's `sql/` folder, wherever the process was started from. */
export const sqlRoot = packagePath("sql");
